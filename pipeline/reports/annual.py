"""The annual report for the plan's 30/11 deadline: per unit its column status, articles per theme
and the months without articles, as an XLSX workbook (one sheet per table) and the same as HTML."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.reports.common import KIND_VI, STATUS_VI, ReportError, as_of, environment, rows
from pipeline.reports.safe_cells import plain, set_xlsx_cell

HEADER_FILL = PatternFill("solid", fgColor="DDEEDD")


@dataclass
class Sheet:
    """One table of the report: a sheet in the workbook, a section in the HTML."""
    name: str                      # sheet title (<= 31 chars)
    title: str                     # section heading
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    in_html: bool = True


def _year_span(con: duckdb.DuckDBPyConnection, year: int) -> tuple[dt.date, dt.date]:
    if not 2000 <= year <= 2100:
        raise ReportError(f"year {year}: out of range")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return start, min(end, as_of(con))


def build_annual(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, Any]:
    """The annual tables as plain data; months after the reference date are not counted as empty."""
    start, end = _year_span(con, year)
    if end < start:
        raise ReportError(f"year {year}: after the reference date {as_of(con)}")
    months = list(range(1, end.month + 1))
    themes = rows(con, "SELECT theme_id, title_vi FROM themes ORDER BY theme_id")
    titles = {t["theme_id"]: t["title_vi"] for t in themes}

    status = rows(con, "SELECT * FROM column_status ORDER BY kind, unit_id")
    in_year = {r["unit_id"]: r for r in rows(con, """
        SELECT unit_id, count(*) AS articles,
               count(*) FILTER (WHERE column_id IN (SELECT column_id FROM unit_columns WHERE is_dedicated)) AS in_column,
               count(*) FILTER (WHERE is_repost) AS reposts
        FROM article_facts WHERE published_date BETWEEN ? AND ? GROUP BY unit_id""", [start, end])}
    s_status = Sheet("Tình trạng chuyên mục", "Tình trạng chuyên mục của các đơn vị",
                     ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Bắt buộc mở chuyên mục", "Tình trạng",
                      "Tên chuyên mục", "Địa chỉ chuyên mục", "Bài trong năm", "Bài trong chuyên mục (năm)",
                      "Bài đăng lại (năm)", "Bài gần nhất trong chuyên mục", "Bài đúng chủ đề ngoài chuyên mục"])
    for r in status:
        y = in_year.get(r["unit_id"], {})
        s_status.rows.append([r["unit_id"], r["unit_name"], KIND_VI.get(r["kind"], r["kind"]), "Có" if r["requires_column"] else "Không",
                              STATUS_VI[r["status"]], r["column_name"], r["column_url"], y.get("articles", 0),
                              y.get("in_column", 0), y.get("reposts", 0), r["last_article_at"],
                              r["on_theme_outside_column"]])

    per_theme = rows(con, """
        SELECT f.unit_id, t.theme_id, count(DISTINCT f.article_id) AS articles,
               count(DISTINCT f.article_id) FILTER (WHERE f.is_repost) AS reposts
        FROM article_facts f JOIN article_themes t ON t.article_id = f.article_id
        WHERE f.published_date BETWEEN ? AND ? GROUP BY ALL ORDER BY f.unit_id, t.theme_id""", [start, end])
    names = {r["unit_id"]: r["unit_name"] for r in status}
    s_theme = Sheet("Bài theo chủ đề", "Số bài theo đơn vị và chủ đề",
                    ["Mã đơn vị", "Tên đơn vị", "Mã chủ đề", "Chủ đề", "Số bài", "Trong đó đăng lại"],
                    [[r["unit_id"], names.get(r["unit_id"], r["unit_id"]), r["theme_id"],
                      titles.get(r["theme_id"], r["theme_id"]), r["articles"], r["reposts"]] for r in per_theme])

    monthly = rows(con, """SELECT unit_id, month(published_date) AS m, count(*) AS n FROM article_facts
                           WHERE published_date BETWEEN ? AND ? GROUP BY ALL""", [start, end])
    have: dict[str, set[int]] = {}
    for r in monthly:
        have.setdefault(r["unit_id"], set()).add(r["m"])
    s_months = Sheet("Tháng không có bài", "Các tháng không có bài viết",
                     ["Mã đơn vị", "Tên đơn vị", "Tình trạng", "Số tháng không có bài", "Các tháng không có bài"])
    for r in status:
        if not r["requires_column"] and r["unit_id"] not in have:
            continue
        empty = [m for m in months if m not in have.get(r["unit_id"], set())]
        s_months.rows.append([r["unit_id"], r["unit_name"], STATUS_VI[r["status"]], len(empty),
                              ", ".join(f"{m:02d}/{year}" for m in empty)])

    gaps = rows(con, """SELECT * FROM theme_gaps WHERE starts_on <= ? AND coalesce(ends_on, DATE '9999-12-31') >= ?
                        ORDER BY starts_on, theme_id""", [end, start])
    s_gaps = Sheet("Khoảng trống chủ đề", "Chủ đề theo giai đoạn của kế hoạch",
                   ["Giai đoạn", "Mã chủ đề", "Chủ đề", "Từ ngày", "Tính đến ngày", "Số bài", "Số đơn vị tuyên truyền",
                    "Số đơn vị bắt buộc", "Đơn vị bắt buộc chưa tuyên truyền"],
                   [[g["period_id"], g["theme_id"], g["theme_title"], g["starts_on"], g["counted_to"], g["articles"],
                     g["units_covering"], g["required_units"], g["required_units_not_covering"]] for g in gaps])

    arts = rows(con, """
        SELECT f.unit_id, f.published_at, f.title, f.url, f.is_repost, c.name AS column_name,
               list(t.theme_id ORDER BY t.theme_id) FILTER (WHERE t.theme_id IS NOT NULL) AS themes
        FROM article_facts f LEFT JOIN article_themes t ON t.article_id = f.article_id
        LEFT JOIN unit_columns c ON c.column_id = f.column_id
        WHERE f.published_date BETWEEN ? AND ? GROUP BY ALL ORDER BY f.unit_id, f.published_at, f.url""",
                [start, end])
    s_arts = Sheet("Bài viết", "Danh sách bài viết",
                   ["Mã đơn vị", "Ngày đăng", "Tiêu đề", "Địa chỉ", "Chuyên mục", "Chủ đề", "Đăng lại"],
                   [[a["unit_id"], a["published_at"], a["title"], a["url"], a["column_name"],
                     [titles.get(t, t) for t in (a["themes"] or [])], "Có" if a["is_repost"] else "Không"]
                    for a in arts], in_html=False)
    return {"year": year, "start": start, "end": end, "as_of": as_of(con),
            "sheets": [s_status, s_theme, s_months, s_gaps, s_arts]}


def write_xlsx(report: dict[str, Any], path: Path) -> Path:
    """One sheet per table, bold Vietnamese headers, an autofilter and frozen header row."""
    wb = Workbook()
    wb.remove(wb.active)
    for sh in report["sheets"]:
        ws = wb.create_sheet(sh.name[:31])
        for j, h in enumerate(sh.headers, 1):
            c = ws.cell(1, j)
            set_xlsx_cell(c, h)
            c.font = Font(bold=True)
            c.fill = HEADER_FILL
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for i, row in enumerate(sh.rows, 2):
            for j, v in enumerate(row, 1):
                c = ws.cell(i, j)
                set_xlsx_cell(c, v)
                if isinstance(c.value, dt.datetime):
                    c.number_format = "dd/mm/yyyy hh:mm"
                elif isinstance(c.value, dt.date):
                    c.number_format = "dd/mm/yyyy"
        last = get_column_letter(max(len(sh.headers), 1))
        ws.auto_filter.ref = f"A1:{last}{max(len(sh.rows) + 1, 1)}"
        ws.freeze_panes = "A2"
        for j, h in enumerate(sh.headers, 1):
            width = max([len(str(h))] + [len(str(plain(r[j - 1]) or "")) for r in sh.rows[:500]])
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, width + 2))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def render_html(report: dict[str, Any]) -> str:
    sheets = [s for s in report["sheets"] if s.in_html]
    return environment().get_template("annual.html.j2").render(r=report, sheets=sheets, cell=_html_cell)


def _html_cell(v: Any) -> str:
    from pipeline.reports.common import vi_date
    v = plain(v)
    if isinstance(v, dt.date):
        return vi_date(v)
    return "" if v is None else str(v)


def write_annual(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path) -> dict[str, Path]:
    report = build_annual(con, year)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / f"bao-cao-nam-{year}"
    xlsx = write_xlsx(report, base.with_suffix(".xlsx"))
    html = base.with_suffix(".html")
    html.write_text(render_html(report), encoding="utf-8")
    return {"xlsx": xlsx, "html": html}
