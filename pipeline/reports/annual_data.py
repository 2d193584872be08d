"""The annual report's facts, as of a reference date: which units exist, their column status, what
they published in the plan period, which themes nobody covered, and whom to urge.

One function builds the facts (`build_facts`); the Word document, the HTML, the XLSX annex, the JSON
and the reminders are all written from them, so they cannot disagree.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb

from pipeline.reports.common import (
    CHANNEL_STATUS_VI,
    REACH_VI,
    STATUS_VI,
    ReportError,
    as_of,
    plan_in_force,
    rows,
    unit_label,
    vi_sort_key,
)

# A unit that opened its column is "thin on the plan's themes" when it covered fewer than this share
# of the themes of the period (rounded up): the reminders and "units to urge" use the same rule.
THIN_SHARE = 0.25


def reference_date(con: duckdb.DuckDBPyConnection, year: int, explicit: dt.date | None = None) -> dt.date:
    """The report's reference date: the given one, else the plan's deadline (30/11) of the year or the
    warehouse's reference date if that is earlier."""
    if not 2000 <= year <= 2100:
        raise ReportError(f"--year {year}: out of range (2000-2100)")
    if explicit is not None:
        if explicit.year != year:
            raise ReportError(f"--as-of {explicit.isoformat()}: not in the year {year}")
        return explicit
    plan = plan_in_force(con, dt.date(year, 11, 30))
    mm, dd = (plan.get("report_deadline") or "11-30").split("-")
    deadline = dt.date(year, int(mm), int(dd))
    ref = min(deadline, as_of(con))
    if ref < dt.date(year, 1, 1):
        raise ReportError(f"--year {year}: after the warehouse's reference date {as_of(con).strftime('%d/%m/%Y')}")
    return ref


def month_starts(lo: dt.date, hi: dt.date) -> list[dt.date]:
    """First days of the months counted between lo and hi: a month counts from its first day, so a
    period that starts on 23/05 is counted from June (the last month counts up to hi)."""
    first = lo if lo.day == 1 else (lo.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    out = []
    m = first
    while m <= hi:
        out.append(m)
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _month_end(m: dt.date) -> dt.date:
    return (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def is_thin(unit: dict, n_themes: int) -> bool:
    """One rule: a required unit that has a column but covered too few of the period's themes."""
    return (unit["status"] in ("active", "dormant") and n_themes > 0
            and len(unit["themes_covered"]) < math.ceil(THIN_SHARE * n_themes))


def build_facts(con: duckdb.DuckDBPyConnection, ref: dt.date, start: dt.date | None = None) -> dict[str, Any]:
    """Every fact the annual report and the reminders state, computed as of `ref` from articles
    published on or before it. `start` defaults to the start of the plan period in `ref`'s year."""
    plan = plan_in_force(con, ref)
    pid = plan["plan_id"]
    periods = rows(con, """SELECT period_id, title, starts_on, ends_on FROM plan_periods
                           WHERE plan_id = ? AND starts_on <= ? AND coalesce(ends_on, DATE '9999-12-31') >= ?
                           ORDER BY starts_on""", [pid, ref, start or dt.date(ref.year, 1, 1)])
    if start is None:
        start = max(dt.date(ref.year, 1, 1), periods[0]["starts_on"]) if periods else dt.date(ref.year, 1, 1)
    theme_rows = rows(con, """SELECT DISTINCT t.theme_id, t.title_vi AS title
                              FROM period_themes x JOIN themes t ON t.plan_id = x.plan_id AND t.theme_id = x.theme_id
                              JOIN plan_periods pp ON pp.plan_id = x.plan_id AND pp.period_id = x.period_id
                              WHERE x.plan_id = ? AND pp.starts_on <= ? AND coalesce(pp.ends_on, DATE '9999-12-31') >= ?
                              ORDER BY t.theme_id""", [pid, ref, start])
    theme_ids = [t["theme_id"] for t in theme_rows]
    titles = {t["theme_id"]: t["title_vi"] for t in rows(con, "SELECT theme_id, title_vi FROM themes WHERE plan_id = ?", [pid])}

    units = rows(con, """SELECT s.*, u.valid_from, u.valid_to, u.site_url FROM column_status_at(?) s
                         JOIN units u USING (unit_id) WHERE s.valid_on_date
                         ORDER BY s.unit_id""", [ref])
    units.sort(key=lambda u: (not u["requires_column"], vi_sort_key(u["unit_name"])))
    per_unit = {r["unit_id"]: r for r in rows(con, """
        SELECT unit_id, count(*) AS articles,
               count(*) FILTER (WHERE column_id IN (SELECT column_id FROM unit_columns WHERE is_dedicated)) AS in_column,
               count(*) FILTER (WHERE is_repost) AS reposts
        FROM article_facts WHERE published_date BETWEEN ? AND ? GROUP BY unit_id""", [start, ref])}
    cover = rows(con, """
        SELECT f.unit_id, t.theme_id, count(DISTINCT f.article_id) AS articles,
               count(DISTINCT f.article_id) FILTER (WHERE f.is_repost) AS reposts
        FROM article_facts f JOIN article_themes t ON t.article_id = f.article_id
        WHERE f.published_date BETWEEN ? AND ? GROUP BY ALL""", [start, ref])
    cover = [c for c in cover if c["theme_id"] in titles]
    on_theme = {r["unit_id"]: r["n"] for r in rows(con, """
        SELECT f.unit_id, count(DISTINCT f.article_id) AS n
        FROM article_facts f JOIN article_themes t ON t.article_id = f.article_id
        WHERE f.published_date BETWEEN ? AND ? AND t.theme_id IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY f.unit_id""", [start, ref, theme_ids])}
    monthly = rows(con, """SELECT unit_id, date_trunc('month', published_date)::DATE AS m, count(*) AS n
                           FROM article_facts WHERE published_date BETWEEN ? AND ? GROUP BY ALL""", [start, ref])
    months = month_starts(start, ref)
    have: dict[str, set[dt.date]] = {}
    for r in monthly:
        have.setdefault(r["unit_id"], set()).add(r["m"])

    for u in units:
        got = per_unit.get(u["unit_id"], {})
        u["label"] = unit_label(u)
        u["status_vi"] = STATUS_VI[u["status"]]
        u["reason"] = REACH_VI.get(u["reach"]) if u["status"] == "unreachable" else None
        u["articles"] = int(got.get("articles", 0))
        u["in_column"] = int(got.get("in_column", 0))
        u["reposts"] = int(got.get("reposts", 0))
        u["on_theme_articles"] = int(on_theme.get(u["unit_id"], 0))
        covered = {c["theme_id"] for c in cover if c["unit_id"] == u["unit_id"] and c["theme_id"] in theme_ids}
        u["themes_covered"] = [t for t in theme_ids if t in covered]
        u["themes_not_covered"] = [t for t in theme_ids if t not in covered]
        # months the unit existed through (never before it was formed, never after it was merged)
        alive = [m for m in months if u["valid_from"] <= m and (u["valid_to"] is None or u["valid_to"] >= _month_end(m))]
        u["months_counted"] = len(alive)
        u["months_without_articles"] = [m for m in alive if m not in have.get(u["unit_id"], set())]
        u["thin"] = bool(u["requires_column"]) and is_thin(u, len(theme_ids))

    channels = _channel_facts(con, ref, start, theme_ids, units)

    required = [u for u in units if u["requires_column"]]
    by_status = {s: [u for u in required if u["status"] == s] for s in ("active", "dormant", "missing", "unreachable")}
    names = {u["unit_id"]: u["label"] for u in units}
    themes = []
    for t in theme_rows:
        cs = [c for c in cover if c["theme_id"] == t["theme_id"]]
        themes.append({"theme_id": t["theme_id"], "title": t["title"], "articles": sum(c["articles"] for c in cs),
                       "reposts": sum(c["reposts"] for c in cs), "units_covering": len({c["unit_id"] for c in cs}),
                       "required_units_covering": len({c["unit_id"] for c in cs} & {u["unit_id"] for u in required})})
    gaps = rows(con, """SELECT * FROM theme_gaps_at(?) WHERE plan_id = ? AND coalesce(ends_on, DATE '9999-12-31') >= ?
                        ORDER BY starts_on, theme_id""", [ref, pid, start])
    for g in gaps:
        g["not_covering_names"] = [names.get(x, x) for x in g["required_units_not_covering"]]
    articles = rows(con, """
        SELECT f.unit_id, f.published_at, f.title, f.url, f.is_repost, c.name AS column_name,
               coalesce(c.is_dedicated, false) AS in_dedicated,
               list(t.theme_id ORDER BY t.theme_id) FILTER (WHERE t.theme_id IS NOT NULL) AS themes
        FROM article_facts f LEFT JOIN article_themes t ON t.article_id = f.article_id
        LEFT JOIN unit_columns c ON c.column_id = f.column_id
        WHERE f.published_date BETWEEN ? AND ? GROUP BY ALL ORDER BY f.unit_id, f.published_at, f.url""", [start, ref])
    month_totals = {m: 0 for m in month_starts(start.replace(day=1), ref)}
    for r in monthly:
        if r["m"] in month_totals:
            month_totals[r["m"]] += r["n"]
    return {
        "as_of": ref, "start": start, "warehouse_as_of": as_of(con), "plan": plan, "periods": periods,
        "themes": themes, "theme_ids": theme_ids, "titles": titles, "units": units, "required": required,
        "by_status": by_status, "names": names, "cover": cover, "months": months, "month_totals": month_totals,
        "gaps": gaps, "period_titles": {p["period_id"]: p["title"] for p in periods}, "articles": articles, "dormant_days": units[0]["dormant_days"] if units else 90,
        "themes_uncovered": [t for t in themes if t["articles"] == 0],
        "to_urge": [u for u in required if u["status"] in ("missing", "dormant") or u["thin"]],
        "total_articles": sum(u["articles"] for u in units),
        "total_reposts": sum(u["reposts"] for u in units),
        "channels": channels,
        "channel_units": [u for u in units if u["channels"]],
        "total_channel_items": sum(u["channel_items"] for u in units),
        "total_channel_on_theme": sum(u["channel_on_theme"] for u in units),
    }


def _channel_facts(con: duckdb.DuckDBPyConnection, ref: dt.date, start: dt.date, theme_ids: list[str],
                   units: list[dict]) -> list[dict]:
    """Each unit's official channels (issue #21) beside its column: the channel's status as of `ref`
    and its items of the period, counted apart from the articles (fields added to `units`)."""
    act = {r["unit_id"]: r for r in rows(con, "SELECT * FROM unit_activity_at(?)", [ref])}
    per = {r["unit_id"]: r for r in rows(con, """
        SELECT f.unit_id, count(DISTINCT f.item_id) AS items,
               count(DISTINCT f.item_id) FILTER (WHERE t.theme_id IN (SELECT unnest(?::VARCHAR[]))) AS on_theme,
               list(DISTINCT t.theme_id) FILTER (WHERE t.theme_id IN (SELECT unnest(?::VARCHAR[]))) AS themes
        FROM channel_item_facts f LEFT JOIN channel_item_themes t ON t.item_id = f.item_id
        WHERE f.published_date BETWEEN ? AND ? GROUP BY f.unit_id""", [theme_ids, theme_ids, start, ref])}
    out = []
    for u in units:
        a = act.get(u["unit_id"], {})
        p = per.get(u["unit_id"], {})
        u["channels"] = int(a.get("channels") or 0)
        u["channel_names"] = list(a.get("channel_names") or [])
        u["channel_status"] = a.get("channel_status") or "none"
        u["channel_status_vi"] = CHANNEL_STATUS_VI[u["channel_status"]]
        u["channel_items"] = int(p.get("items") or 0)
        u["channel_on_theme"] = int(p.get("on_theme") or 0)
        u["channel_themes"] = [t for t in theme_ids if t in set(p.get("themes") or [])]
        u["channel_last_on_theme_at"] = a.get("channel_last_on_theme_at")
        u["column_idle_channel_on_theme"] = bool(a.get("column_idle_channel_on_theme"))
        if u["channels"]:
            out.append(u)
    return out
