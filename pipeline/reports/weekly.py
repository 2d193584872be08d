"""The weekly coverage-gap summary: who has no or a dormant column, which themes nobody covered,
the unit x theme heatmap, the 12-week trend, failing sources and what changed since last week."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from pipeline.reports import charts
from pipeline.reports.common import (
    SOURCE_STATUS_VI,
    STATUS_VI,
    as_of,
    environment,
    last_complete_week,
    md,
    parse_week,
    rows,
    vi_date,
    week_label,
)

TREND_WEEKS = 12
VN = dt.timezone(dt.timedelta(hours=7))
MAX_ARTICLES_LISTED = 200


def _instant(day: dt.date) -> dt.datetime:
    """Local midnight of a day, as an aware instant (Vietnam: UTC+07:00)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=VN)


def default_week(con: duckdb.DuckDBPyConnection) -> str:
    return last_complete_week(as_of(con))


def _themes_for_week(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> list[dict]:
    """Themes of the plan periods running during the week, in plan order (all themes if none)."""
    found = rows(con, """
        SELECT DISTINCT t.theme_id, t.title_vi
        FROM period_themes pt JOIN plan_periods p USING (plan_id, period_id) JOIN themes t USING (theme_id)
        WHERE p.starts_on <= ? AND coalesce(p.ends_on, DATE '9999-12-31') >= ?""", [end, start])
    order = {r["theme_id"]: i for i, r in enumerate(rows(con, "SELECT theme_id FROM themes ORDER BY theme_id"))}
    if not found:
        found = rows(con, "SELECT theme_id, title_vi FROM themes")
    return sorted(found, key=lambda r: order.get(r["theme_id"], 999))


def build_weekly(con: duckdb.DuckDBPyConnection, week: str | None = None) -> dict[str, Any]:
    """Everything the weekly report shows, as plain data (the Markdown and HTML render this)."""
    week = week or default_week(con)
    start = parse_week(week)
    end = start + dt.timedelta(days=6)
    prev = week_label(start - dt.timedelta(days=7))
    ref = as_of(con)
    themes = _themes_for_week(con, start, end)
    theme_ids = [t["theme_id"] for t in themes]
    titles = {t["theme_id"]: t["title_vi"] for t in rows(con, "SELECT theme_id, title_vi FROM themes")}

    status = rows(con, """SELECT unit_id, unit_name, short_name, kind, requires_column, status, column_url,
                                 column_name, last_article_at, days_since_last_article, articles_30d, articles_90d,
                                 on_theme_outside_column
                          FROM column_status ORDER BY unit_id""")
    units_missing = [r for r in status if r["status"] == "missing"]
    units_dormant = [r for r in status if r["status"] == "dormant"]
    names = {r["unit_id"]: r["short_name"] or r["unit_name"] for r in status}

    cov = rows(con, """SELECT unit_id, theme_id, week, articles, reposts FROM coverage_weekly
                       WHERE week_start BETWEEN ? AND ?""",
               [start - dt.timedelta(days=7 * (TREND_WEEKS - 1)), start])
    this = [c for c in cov if c["week"] == week]
    last = [c for c in cov if c["week"] == prev]
    covered = {c["theme_id"] for c in this}
    covered_prev = {c["theme_id"] for c in last}
    themes_no_coverage = [{"theme_id": t, "title": titles[t]} for t in theme_ids if t not in covered]

    # heatmap: required units and any unit with a tagged article this week
    hm_units = [r["unit_id"] for r in status if r["requires_column"] or any(c["unit_id"] == r["unit_id"] for c in this)]
    cell = {(c["unit_id"], c["theme_id"]): c["articles"] for c in this}
    hm_themes = theme_ids + sorted({c["theme_id"] for c in this} - set(theme_ids))
    counts = [[int(cell.get((u, t), 0)) for t in hm_themes] for u in hm_units]

    weeks = [week_label(start - dt.timedelta(days=7 * k)) for k in range(TREND_WEEKS - 1, -1, -1)]
    vol = {r["week"]: r for r in rows(con, """
        SELECT week, count(*) AS articles, count(*) FILTER (WHERE is_repost) AS reposts,
               count(DISTINCT unit_id) AS units
        FROM article_facts WHERE week_start BETWEEN ? AND ? GROUP BY week""",
        [start - dt.timedelta(days=7 * (TREND_WEEKS - 1)), start])}
    series = {t: [sum(c["articles"] for c in cov if c["week"] == w and c["theme_id"] == t) for w in weeks]
              for t in hm_themes}
    total = [int(vol.get(w, {}).get("articles", 0)) for w in weeks]

    # the raw published_at range lets DuckDB skip most rows before computing local dates
    lo, hi = _instant(start - dt.timedelta(days=7)), _instant(end + dt.timedelta(days=1))
    per_unit = rows(con, """SELECT unit_id, count(*) FILTER (WHERE week = ?) AS this_week,
                                   count(*) FILTER (WHERE week = ?) AS last_week
                            FROM article_facts WHERE published_at >= ? AND published_at < ?
                              AND week IN (?, ?) GROUP BY unit_id""", [week, prev, lo, hi, week, prev])
    drops = rows(con, """SELECT v.unit_id, v.articles, v.best_weeks_mean FROM unit_volume_weekly v
                         WHERE v.week = ? AND v.volume_drop ORDER BY v.unit_id""", [week])
    failing = rows(con, """SELECT h.unit_id, h.kind, h.url, h.status, h.consecutive_failures, h.last_error,
                                  h.last_error_kind, h.last_success_at
                           FROM source_health h WHERE h.status <> 'ok'
                           ORDER BY h.status, h.consecutive_failures DESC, h.unit_id, h.url""")
    articles = rows(con, """
        SELECT f.unit_id, f.published_at, f.title, f.url, f.is_repost,
               list(t.theme_id ORDER BY t.theme_id) FILTER (WHERE t.theme_id IS NOT NULL) AS themes
        FROM article_facts f LEFT JOIN article_themes t ON t.article_id = f.article_id
        WHERE f.published_at >= ? AND f.published_at < ? AND f.week = ?
        GROUP BY ALL ORDER BY f.published_at DESC, f.url LIMIT ?""", [lo, hi, week, MAX_ARTICLES_LISTED])
    n_articles = int(vol.get(week, {}).get("articles", 0))
    n_prev = sum(r["last_week"] for r in per_unit)

    for group in (units_missing, units_dormant):
        for r in group:
            r["status_vi"] = STATUS_VI[r["status"]]
    for r in failing:
        r["unit_name"] = names.get(r["unit_id"], r["unit_id"])
        r["status_vi"] = SOURCE_STATUS_VI.get(r["status"], r["status"])
    for r in articles:
        r["unit_name"] = names.get(r["unit_id"], r["unit_id"])
        r["themes"] = [titles.get(t, t) for t in (r["themes"] or [])]
    return {
        "week": week, "week_start": start, "week_end": end, "previous_week": prev, "as_of": ref,
        "complete": end < ref,
        "totals": {"articles": n_articles, "reposts": int(vol.get(week, {}).get("reposts", 0)),
                   "units_publishing": int(vol.get(week, {}).get("units", 0)),
                   "themes_covered": len(covered & set(theme_ids)), "themes_in_plan": len(theme_ids),
                   "previous_articles": int(n_prev)},
        "status_counts": {s: sum(1 for r in status if r["status"] == s) for s in STATUS_VI},
        "units_missing": units_missing,
        "units_dormant": units_dormant,
        "themes_no_coverage": themes_no_coverage,
        "heatmap": {"unit_ids": hm_units, "units": [names[u] for u in hm_units], "themes": hm_themes,
                    "theme_titles": [titles.get(t, t) for t in hm_themes], "counts": counts},
        "trend": {"weeks": weeks, "series": series, "total": total},
        "failing_sources": failing,
        "changes": {
            "articles": n_articles - int(n_prev),
            "themes_newly_covered": [{"theme_id": t, "title": titles.get(t, t)} for t in hm_themes
                                     if t in covered and t not in covered_prev],
            "themes_no_longer_covered": [{"theme_id": t, "title": titles.get(t, t)} for t in hm_themes
                                         if t in covered_prev and t not in covered],
            "units_started": [names.get(r["unit_id"], r["unit_id"]) for r in per_unit
                              if r["this_week"] and not r["last_week"]],
            "units_stopped": [names.get(r["unit_id"], r["unit_id"]) for r in per_unit
                              if r["last_week"] and not r["this_week"]],
            "volume_drops": [dict(r, unit_name=names.get(r["unit_id"], r["unit_id"])) for r in drops],
        },
        "articles": articles,
    }


def _names(items: list, key: str = "title") -> str:
    return ", ".join(md(i[key] if isinstance(i, dict) else i) for i in items) or "không có"


def render_markdown(s: dict[str, Any]) -> str:
    """The summary as Markdown (also printed by `make demo`); all web text escaped."""
    t, ch = s["totals"], s["changes"]
    out = [f"# Báo cáo tuần {s['week']} ({vi_date(s['week_start'])} – {vi_date(s['week_end'])})", "",
           f"Số liệu tính đến ngày {vi_date(s['as_of'])}." + ("" if s["complete"] else " Tuần chưa kết thúc."), "",
           "## Tóm tắt", "",
           f"- Số bài trong tuần: {t['articles']} (trong đó {t['reposts']} bài đăng lại); tuần trước: {t['previous_articles']}",
           f"- Số đơn vị có bài: {t['units_publishing']}",
           f"- Số chủ đề được tuyên truyền: {t['themes_covered']}/{t['themes_in_plan']}",
           "- Tình trạng chuyên mục: " + ", ".join(f"{STATUS_VI[k]}: {v}" for k, v in s["status_counts"].items()),
           "", "## Đơn vị chưa mở chuyên mục", ""]
    out += [f"- {md(r['unit_name'])}" for r in s["units_missing"]] or ["Không có."]
    out += ["", "## Đơn vị có chuyên mục ngừng cập nhật", ""]
    if s["units_dormant"]:
        out += ["| Đơn vị | Chuyên mục | Bài gần nhất | Số ngày |", "|---|---|---|---|"]
        out += [f"| {md(r['unit_name'])} | {md(r['column_name'])} ({md(r['column_url'])}) | "
                f"{vi_date(r['last_article_at'])} | {r['days_since_last_article'] if r['days_since_last_article'] is not None else ''} |"
                for r in s["units_dormant"]]
    else:
        out.append("Không có.")
    out += ["", "## Chủ đề chưa được tuyên truyền trong tuần", ""]
    out += [f"- {md(r['title'])}" for r in s["themes_no_coverage"]] or ["Không có."]
    out += ["", "## Nguồn thu thập bị lỗi", ""]
    if s["failing_sources"]:
        out += ["| Đơn vị | Nguồn | Tình trạng | Lỗi liên tiếp | Lỗi gần nhất |", "|---|---|---|---|---|"]
        out += [f"| {md(r['unit_name'])} | {md(r['url'])} | {md(r['status_vi'])} | {r['consecutive_failures']} | "
                f"{md(r['last_error'])} |" for r in s["failing_sources"]]
    else:
        out.append("Không có.")
    out += ["", "## Thay đổi so với tuần trước", "",
            f"- Số bài: {'+' if ch['articles'] >= 0 else ''}{ch['articles']}",
            f"- Chủ đề mới được tuyên truyền: {_names(ch['themes_newly_covered'])}",
            f"- Chủ đề không còn được tuyên truyền: {_names(ch['themes_no_longer_covered'])}",
            f"- Đơn vị bắt đầu có bài: {_names(ch['units_started'])}",
            f"- Đơn vị không còn bài: {_names(ch['units_stopped'])}",
            f"- Đơn vị giảm mạnh số bài: {_names(ch['volume_drops'], 'unit_name')}", ""]
    return "\n".join(out)


def render_html(s: dict[str, Any]) -> str:
    """A self-contained page: inline CSS, charts as embedded PNG, every text autoescaped."""
    hm = s["heatmap"]
    heat = charts.heatmap_png(hm["counts"], hm["units"], hm["theme_titles"], f"Số bài theo đơn vị và chủ đề, tuần {s['week']}")
    titles = dict(zip(hm["themes"], hm["theme_titles"], strict=True))
    trend = charts.trend_png(s["trend"]["weeks"], {titles.get(k, k): v for k, v in s["trend"]["series"].items()},
                             s["trend"]["total"], f"Số bài {len(s['trend']['weeks'])} tuần gần nhất")
    return environment().get_template("weekly.html.j2").render(
        s=s, status_vi=STATUS_VI, heatmap_uri=charts.data_uri(heat), trend_uri=charts.data_uri(trend))


def write_weekly(con: duckdb.DuckDBPyConnection, out_dir: Path, week: str | None = None) -> dict[str, Path]:
    summary = build_weekly(con, week)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / f"bao-cao-tuan-{summary['week']}"
    md_path, html_path = base.with_suffix(".md"), base.with_suffix(".html")
    md_path.write_text(render_markdown(summary), encoding="utf-8")
    html_path.write_text(render_html(summary), encoding="utf-8")
    return {"markdown": md_path, "html": html_path}
