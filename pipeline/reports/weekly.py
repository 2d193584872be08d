"""The weekly coverage-gap summary: who has no or a dormant column, which themes nobody covered,
the unit x theme heatmap, the 12-week trend, failing sources and what changed since last week."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from pipeline.reports import charts
from pipeline.reports.common import (
    CHANNEL_STATUS_VI,
    REACH_VI,
    SOURCE_STATUS_VI,
    STATUS_VI,
    as_of,
    environment,
    last_complete_week,
    md,
    parse_week,
    plan_in_force,
    rows,
    unit_label,
    vi_date,
    vi_number,
    vi_sort_key,
    vi_week,
    week_label,
)

TREND_WEEKS = 12
VN = dt.timezone(dt.timedelta(hours=7))
MAX_ARTICLES_LISTED = 200


# crawl error kinds (source_health.last_error_kind, run_errors.kind) in plain Vietnamese
ERROR_VI = {
    "timeout": "trang không phản hồi kịp (quá thời gian chờ)",
    "dns": "không tìm thấy tên miền",
    "connection": "không kết nối được tới trang",
    "connection-refused": "máy chủ từ chối kết nối",
    "tls": "lỗi chứng chỉ bảo mật (HTTPS)",
    "too-large": "trang quá lớn, vượt giới hạn tải về",
    "robots-disallowed": "robots.txt không cho phép thu thập",
    "robots-unreachable": "không đọc được tệp robots.txt",
    "feed-parse": "nguồn tin RSS không đọc được",
    "feed-malformed": "nguồn tin RSS sai định dạng",
    "sitemap-parse": "sơ đồ trang (sitemap) không đọc được",
    "transient": "lỗi tạm thời",
}
SOURCE_KIND_VI = {"site": "trang chủ", "feed": "nguồn tin RSS", "sitemap": "sơ đồ trang", "column": "trang chuyên mục",
                  "channel": "kênh chính thức"}


def error_vi(kind: str | None, http_status: int | None = None) -> str:
    """One crawl error in words an official understands (never the crawler's English internals)."""
    k = kind or ""
    if k.startswith("http") or (http_status and http_status >= 400):
        code = http_status or (k.split("-", 1)[1] if "-" in k else "")
        return f"trang báo lỗi {code}".strip() + (" (máy chủ đang lỗi hoặc quá tải)" if str(code).startswith("5") else
                                                 " (không tìm thấy hoặc bị chặn)" if code else "")
    return ERROR_VI.get(k, "lỗi không xác định khi thu thập")


def _instant(day: dt.date) -> dt.datetime:
    """Local midnight of a day, as an aware instant (Vietnam: UTC+07:00)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=VN)


def default_week(con: duckdb.DuckDBPyConnection) -> str:
    return last_complete_week(as_of(con))


def _periods_for_week(con: duckdb.DuckDBPyConnection, plan_id: str, start: dt.date, end: dt.date) -> list[dict]:
    return rows(con, """SELECT period_id, title, starts_on, ends_on FROM plan_periods
                        WHERE plan_id = ? AND starts_on <= ? AND coalesce(ends_on, DATE '9999-12-31') >= ?
                        ORDER BY starts_on""", [plan_id, end, start])


def _themes_for_week(con: duckdb.DuckDBPyConnection, plan_id: str, start: dt.date, end: dt.date) -> list[dict]:
    """Themes of the plan's periods running during the week (all the plan's themes if none), by id."""
    found = rows(con, """
        SELECT DISTINCT t.theme_id, t.title_vi
        FROM period_themes pt JOIN plan_periods p USING (plan_id, period_id)
        JOIN themes t ON t.plan_id = pt.plan_id AND t.theme_id = pt.theme_id
        WHERE pt.plan_id = ? AND p.starts_on <= ? AND coalesce(p.ends_on, DATE '9999-12-31') >= ?""",
                 [plan_id, end, start])
    if not found:
        found = rows(con, "SELECT theme_id, title_vi FROM themes WHERE plan_id = ?", [plan_id])
    return sorted(found, key=lambda r: r["theme_id"])


def build_weekly(con: duckdb.DuckDBPyConnection, week: str | None = None) -> dict[str, Any]:
    """Everything the weekly report shows, as plain data (the Markdown and HTML render this)."""
    week = week or default_week(con)
    start = parse_week(week)
    end = start + dt.timedelta(days=6)
    prev = week_label(start - dt.timedelta(days=7))
    ref = as_of(con)
    day = min(end, ref)  # the status is the week's: as of its Sunday (or the warehouse's date, if earlier)
    plan = plan_in_force(con, day)
    periods = _periods_for_week(con, plan["plan_id"], start, end)
    themes = _themes_for_week(con, plan["plan_id"], start, end)
    theme_ids = [t["theme_id"] for t in themes]
    titles = {t["theme_id"]: t["title_vi"] for t in
              rows(con, "SELECT theme_id, title_vi FROM themes WHERE plan_id = ?", [plan["plan_id"]])}

    every = rows(con, """SELECT s.unit_id, s.unit_name, s.short_name, s.kind, s.requires_column, s.status, s.reach,
                                s.column_url, s.column_name, s.last_article_at, s.days_since_last_article,
                                s.articles_30d, s.articles_90d, s.on_theme_outside_column, s.valid_on_date,
                                u.valid_from, u.valid_to, u.site_url
                         FROM column_status_at(?) s JOIN units u USING (unit_id)""", [day])
    # only units that existed during the week; one naming rule: the short name shown, sorted by it
    status = sorted([r for r in every if r["valid_from"] <= end and (r["valid_to"] is None or r["valid_to"] >= start)],
                    key=lambda r: (vi_sort_key(unit_label(r)), r["unit_id"]))
    for r in status:
        r["label"] = unit_label(r)
        r["status_vi"] = STATUS_VI[r["status"]]
        r["reason"] = REACH_VI.get(r["reach"]) if r["status"] == "unreachable" else None
    units_missing = [r for r in status if r["status"] == "missing"]
    units_dormant = [r for r in status if r["status"] == "dormant"]
    units_unreachable = [r for r in status if r["status"] == "unreachable"]
    names = {r["unit_id"]: r["label"] for r in status}
    full = {r["unit_id"]: r["unit_name"] for r in status}
    order = {r["unit_id"]: i for i, r in enumerate(status)}

    cov = rows(con, """SELECT unit_id, theme_id, week, articles, reposts FROM coverage_weekly
                       WHERE week_start BETWEEN ? AND ?""",
               [start - dt.timedelta(days=7 * (TREND_WEEKS - 1)), start])
    cov = [c for c in cov if c["theme_id"] in set(theme_ids)]  # the period's themes, everywhere alike
    this = [c for c in cov if c["week"] == week]
    last = [c for c in cov if c["week"] == prev]
    covered = {c["theme_id"] for c in this}
    covered_prev = {c["theme_id"] for c in last}
    themes_no_coverage = [{"theme_id": t, "title": titles[t]} for t in theme_ids if t not in covered]

    cell = {(c["unit_id"], c["theme_id"]): c["articles"] for c in this}
    hm_themes = list(theme_ids)

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
    per_unit = sorted([r for r in per_unit if r["unit_id"] in names], key=lambda r: order[r["unit_id"]])
    # heatmap: units that existed this week and are required or published anything this week (so every
    # unit the changes section names is in it), in the order of their shown names
    publishing = {r["unit_id"] for r in per_unit if r["this_week"] or r["last_week"]}
    hm_units = [r["unit_id"] for r in status if r["requires_column"] or r["unit_id"] in publishing]
    counts = [[int(cell.get((u, t), 0)) for t in hm_themes] for u in hm_units]
    # The view flags every drop by the rule; the summary names only units busy enough for a drop to mean
    # something (best weeks' mean >= volume_min_baseline, default 3): a unit that publishes once a week
    # at best "drops" every quiet week.
    min_base = float(rows(con, "SELECT coalesce(try_cast((SELECT value FROM settings WHERE key = 'volume_min_baseline') "
                               "AS DOUBLE), 3.0) AS v")[0]["v"])
    drops = rows(con, """SELECT v.unit_id, v.articles, v.best_weeks_mean FROM unit_volume_weekly v
                         WHERE v.week = ? AND v.volume_drop AND v.best_weeks_mean >= ? ORDER BY v.unit_id""",
                 [week, min_base])
    failing = rows(con, """SELECT h.unit_id, h.kind, h.url, h.status, h.consecutive_failures, h.last_error,
                                  h.last_error_kind, h.last_http_status, h.last_success_at
                           FROM source_health h WHERE h.status <> 'ok'
                           ORDER BY h.status, h.consecutive_failures DESC, h.unit_id, h.url""")
    failing = [r for r in failing if r["unit_id"] in names]
    articles = rows(con, """
        SELECT f.unit_id, f.published_at, f.title, f.url, f.is_repost,
               list(t.theme_id ORDER BY t.theme_id) FILTER (WHERE t.theme_id IS NOT NULL) AS themes
        FROM article_facts f LEFT JOIN article_themes t ON t.article_id = f.article_id
        WHERE f.published_at >= ? AND f.published_at < ? AND f.week = ?
        GROUP BY ALL ORDER BY f.published_at DESC, f.url LIMIT ?""", [lo, hi, week, MAX_ARTICLES_LISTED])
    n_articles = int(vol.get(week, {}).get("articles", 0))
    n_prev = sum(r["last_week"] for r in per_unit)

    for r in failing:
        r["unit_name"] = names.get(r["unit_id"], r["unit_id"])
        r["full_name"] = full.get(r["unit_id"], r["unit_id"])
        r["status_vi"] = SOURCE_STATUS_VI.get(r["status"], r["status"])
        r["source_vi"] = SOURCE_KIND_VI.get(r["kind"], r["kind"])
        r["problem_vi"] = error_vi(r["last_error_kind"], r["last_http_status"])
    problems: list[dict] = []  # crawl problems grouped by unit, in the order of the shown names
    for uid in sorted({r["unit_id"] for r in failing}, key=lambda u: order[u]):
        srcs = [r for r in failing if r["unit_id"] == uid]
        problems.append({"unit_id": uid, "unit_name": names[uid], "full_name": full[uid], "sources": srcs,
                         "worst": max(r["consecutive_failures"] for r in srcs)})
    for r in articles:
        r["unit_name"] = names.get(r["unit_id"], r["unit_id"])
        r["full_name"] = full.get(r["unit_id"], r["unit_id"])
        r["themes"] = [titles.get(t, t) for t in (r["themes"] or []) if t in titles]
    units_started = [names[r["unit_id"]] for r in per_unit if r["this_week"] and not r["last_week"]]
    units_stopped = [names[r["unit_id"]] for r in per_unit if r["last_week"] and not r["this_week"]]
    drops = sorted([dict(r, unit_name=names[r["unit_id"]]) for r in drops if r["unit_id"] in names],
                   key=lambda r: order[r["unit_id"]])
    channels = _channel_activity(con, day, week, status, per_unit)
    idle = {r["unit_id"] for r in channels if r["column_idle_channel_on_theme"]}
    for r in status:
        r["channel_on_theme"] = r["unit_id"] in idle
    todo = _todo(units_missing, units_dormant, units_unreachable, problems, drops)
    return {
        "week": week, "week_start": start, "week_end": end, "previous_week": prev, "as_of": ref,
        "complete": end < ref,
        "totals": {"articles": n_articles, "reposts": int(vol.get(week, {}).get("reposts", 0)),
                   "units_publishing": int(vol.get(week, {}).get("units", 0)),
                   "themes_covered": len(covered & set(theme_ids)), "themes_in_plan": len(theme_ids),
                   "previous_articles": int(n_prev)},
        "periods": periods, "plan_id": plan["plan_id"], "status_as_of": day,
        "status_counts": {s: sum(1 for r in status if r["status"] == s) for s in STATUS_VI},
        "units_missing": units_missing,
        "units_dormant": units_dormant,
        "units_unreachable": units_unreachable,
        "crawl_problems": problems,
        "todo": todo,
        "themes_no_coverage": themes_no_coverage,
        "heatmap": {"unit_ids": hm_units, "units": [names[u] for u in hm_units],
                    "full_names": [full[u] for u in hm_units], "themes": hm_themes,
                    "theme_titles": [titles.get(t, t) for t in hm_themes], "counts": counts},
        "trend": {"weeks": weeks, "series": series, "total": total},
        "failing_sources": failing,
        "changes": {
            "articles": n_articles - int(n_prev),
            "themes_newly_covered": [{"theme_id": t, "title": titles.get(t, t)} for t in hm_themes
                                     if t in covered and t not in covered_prev],
            "themes_no_longer_covered": [{"theme_id": t, "title": titles.get(t, t)} for t in hm_themes
                                         if t in covered_prev and t not in covered],
            "units_started": units_started,
            "units_stopped": units_stopped,
            "volume_drops": drops,
        },
        "articles": articles,
        "channels": channels,
    }


def _channel_activity(con: duckdb.DuckDBPyConnection, day: dt.date, week: str, status: list[dict],
                      per_unit: list[dict]) -> list[dict]:
    """Per unit with an official channel (issue #21): its column and its channels side by side, the
    column's status and this week's articles next to the channel's status and this week's items."""
    act = {r["unit_id"]: r for r in rows(con, "SELECT * FROM unit_activity_at(?) WHERE channels > 0", [day])}
    wk = {r["unit_id"]: r for r in rows(con, "SELECT unit_id, items, on_theme_items FROM channel_items_weekly WHERE week = ?",
                                       [week])}
    arts = {r["unit_id"]: r["this_week"] for r in per_unit}
    out = []
    for r in status:  # the report's units, in the order of their shown names
        a = act.get(r["unit_id"])
        if a is None:
            continue
        w = wk.get(r["unit_id"], {})
        out.append({"unit_id": r["unit_id"], "label": r["label"], "unit_name": r["unit_name"],
                    "column_status": r["status"], "column_status_vi": r["status_vi"],
                    "column_articles_week": int(arts.get(r["unit_id"], 0)),
                    "channel_names": list(a["channel_names"]), "channel_status": a["channel_status"],
                    "channel_status_vi": CHANNEL_STATUS_VI[a["channel_status"]],
                    "channel_items_week": int(w.get("items", 0)), "channel_on_theme_week": int(w.get("on_theme_items", 0)),
                    "channel_on_theme_recent": int(a["channel_on_theme_recent"]),
                    "channel_last_on_theme_at": a["channel_last_on_theme_at"],
                    "column_idle_channel_on_theme": bool(a["column_idle_channel_on_theme"]),
                    "window_days": int(a["dormant_days"])})
    return out


def _todo(missing: list[dict], dormant: list[dict], unreachable: list[dict], problems: list[dict],
          drops: list[dict]) -> list[dict]:
    """'Việc cần làm': the units to call and the sources to fix this week, most urgent first."""
    on_channel = " (kênh chính thức của đơn vị vẫn có tin đúng chủ đề)"
    out = [{"kind": "call", "text": f"Đôn đốc {r['label']} mở chuyên mục theo Kế hoạch"
            + (on_channel if r.get("channel_on_theme") else "")} for r in missing]
    out += [{"kind": "call", "text": f"Đề nghị {r['label']} cập nhật chuyên mục"
             + (f" (bài gần nhất ngày {vi_date(r['last_article_at'])})" if r["last_article_at"] else "")
             + (on_channel if r.get("channel_on_theme") else "")} for r in dormant]
    out += [{"kind": "site", "text": f"Liên hệ {r['label']} kiểm tra trang thông tin điện tử: {r['reason']}"}
            for r in unreachable]
    seen = {r["unit_id"] for r in unreachable}
    # a section a site keeps from crawlers (robots.txt) is its choice, not a source to fix
    for p in problems:
        broken = [x for x in p["sources"] if x["status"] in ("failing", "dead")]
        if broken and p["unit_id"] not in seen:
            out.append({"kind": "source", "text": f"Kiểm tra nguồn thu thập của {p['unit_name']}: "
                        + "; ".join(sorted({x["problem_vi"] for x in broken})) + f" ({len(broken)} nguồn)"})
    out += [{"kind": "source", "text": f"Kiểm tra {d['unit_name']}: số bài giảm mạnh ({vi_number(int(d['articles']))} bài, "
             f"thường {vi_number(round(d['best_weeks_mean']))} bài/tuần)"} for d in drops]
    return out


def _bullets(items: list, key: str = "title") -> list[str]:
    """A bulleted list (names contain commas, so they are never joined with them)."""
    return [f"  - {md(i[key] if isinstance(i, dict) else i)}" for i in items] or ["  - không có"]


def render_markdown(s: dict[str, Any]) -> str:
    """The summary as Markdown (also printed by `make demo`); all web text escaped."""
    t, ch = s["totals"], s["changes"]
    period = "; ".join(p["title"] or p["period_id"] for p in s["periods"]) or "không có giai đoạn nào của kế hoạch"
    out = [f"# Báo cáo {vi_week(s['week'])} ({vi_date(s['week_start'])} – {vi_date(s['week_end'])})", "",
           f"Số liệu tính đến ngày {vi_date(s['as_of'])}." + ("" if s["complete"] else " Tuần chưa kết thúc."), "",
           "## Việc cần làm", ""]
    out += [f"- {md(x['text'])}" for x in s["todo"]] or ["Không có việc cần làm."]
    out += ["", "## Tóm tắt", "",
            f"- Số bài trong tuần: {vi_number(t['articles'])} (trong đó {vi_number(t['reposts'])} bài đăng lại); "
            f"tuần trước: {vi_number(t['previous_articles'])}",
            f"- Số đơn vị có bài: {vi_number(t['units_publishing'])}",
            f"- Số chủ đề của giai đoạn kế hoạch ({md(period)}) được tuyên truyền trong tuần: "
            f"{t['themes_covered']}/{t['themes_in_plan']}",
            f"- Tình trạng chuyên mục (tính đến ngày {vi_date(s['status_as_of'])}):"]
    out += [f"  - {STATUS_VI[k]}: {vi_number(v)}" for k, v in s["status_counts"].items()]
    out += ["", "## Đơn vị chưa mở chuyên mục", ""]
    out += [f"- {md(r['label'])}" for r in s["units_missing"]] or ["Không có."]
    out += ["", "## Đơn vị không truy cập được", ""]
    out += [f"- {md(r['label'])}: {md(r['reason'])}" for r in s["units_unreachable"]] or ["Không có."]
    out += ["", "## Đơn vị có chuyên mục ngừng cập nhật", ""]
    if s["units_dormant"]:
        out += ["| Đơn vị | Chuyên mục | Bài gần nhất | Số ngày |", "|---|---|---|---|"]
        out += [f"| {md(r['label'])} | {md(r['column_name'])} ({md(r['column_url'])}) | "
                f"{vi_date(r['last_article_at'])} | {vi_number(r['days_since_last_article']) if r['days_since_last_article'] is not None else ''} |"
                for r in s["units_dormant"]]
    else:
        out.append("Không có.")
    out += ["", "## Chuyên mục và kênh chính thức", ""]
    if s["channels"]:
        out += ["Kênh chính thức (kênh video, nguồn tin RSS của chính đơn vị) được tính riêng, bên cạnh chuyên mục.", "",
                "| Đơn vị | Chuyên mục | Bài trên trang trong tuần | Kênh chính thức | Tin trên kênh trong tuần "
                "(đúng chủ đề) | Tin đúng chủ đề gần nhất |", "|---|---|---|---|---|---|"]
        out += [f"| {md(r['label'])} | {md(r['column_status_vi'])} | {vi_number(r['column_articles_week'])} | "
                f"{md(r['channel_status_vi'])} | {vi_number(r['channel_items_week'])} ({vi_number(r['channel_on_theme_week'])}) | "
                f"{vi_date(r['channel_last_on_theme_at'])} |" for r in s["channels"]]
        idle = [r for r in s["channels"] if r["column_idle_channel_on_theme"]]
        if idle:
            out += ["", "Chuyên mục chưa mở hoặc ngừng cập nhật nhưng kênh chính thức vẫn tuyên truyền đúng chủ đề "
                    f"(trong {vi_number(idle[0]['window_days'])} ngày gần nhất):"]
            out += [f"- {md(r['label'])} ({md(r['column_status_vi'])}; {vi_number(r['channel_on_theme_recent'])} tin đúng chủ đề)"
                    for r in idle]
    else:
        out.append("Chưa có đơn vị nào đăng ký kênh chính thức.")
    out += ["", "## Chủ đề chưa được tuyên truyền trong tuần", ""]
    out += [f"- {md(r['title'])}" for r in s["themes_no_coverage"]] or ["Không có."]
    out += ["", "## Nguồn thu thập bị lỗi", ""]
    for p in s["crawl_problems"]:
        out.append(f"- {md(p['unit_name'])}:")
        out += [f"  - {md(x['source_vi'])} {md(x['url'])}: {md(x['problem_vi'])}, "
                f"{vi_number(x['consecutive_failures'])} lần liên tiếp ({md(x['status_vi'])})" for x in p["sources"]]
    if not s["crawl_problems"]:
        out.append("Không có.")
    out += ["", "## Thay đổi so với tuần trước", "",
            f"- Số bài: {'+' if ch['articles'] >= 0 else '−'}{vi_number(abs(ch['articles']))}",
            "- Chủ đề mới được tuyên truyền:", *_bullets(ch["themes_newly_covered"]),
            "- Chủ đề không còn được tuyên truyền:", *_bullets(ch["themes_no_longer_covered"]),
            "- Đơn vị bắt đầu có bài:", *_bullets(ch["units_started"]),
            "- Đơn vị không còn bài:", *_bullets(ch["units_stopped"]),
            "- Đơn vị giảm mạnh số bài:", *_bullets(ch["volume_drops"], "unit_name"), ""]
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
