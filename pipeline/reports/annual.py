"""The annual report for the plan's 30/11 deadline, as of a reference date: a Word draft in the
administrative layout of official documents (the department edits, numbers and signs it), the same
content as HTML, the XLSX annex (a summary sheet first, then one sheet per table) and the tables as
JSON for other tools. Every text is written from `annual_data.build_facts`."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.reports import charts
from pipeline.reports.annual_data import THIN_SHARE, build_facts, reference_date
from pipeline.reports.common import KIND_VI, STATUS_VI, environment, vi_date, vi_number
from pipeline.reports.document import Block, DocSettings, document_settings
from pipeline.reports.safe_cells import plain, set_xlsx_cell

HEADER_FILL = PatternFill("solid", fgColor="DDEEDD")
ROMAN = ("I", "II", "III", "IV", "V", "VI")


@dataclass
class Sheet:
    """One table of the annex: a sheet in the workbook, a table in the HTML."""
    name: str                      # sheet title (<= 31 chars)
    title: str                     # section heading
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    in_html: bool = True


def _names(items: list[str]) -> str:
    """Names joined with semicolons: unit names contain commas."""
    return "; ".join(items)


def body_blocks(f: dict[str, Any], year: int) -> list[Block]:
    """The report's body, section by section, in Vietnamese, from the facts only."""
    req, st = f["required"], f["by_status"]
    opened = len(st["active"]) + len(st["dormant"])
    ref, start = vi_date(f["as_of"]), vi_date(f["start"])
    b: list[Block] = []
    b.append(Block("h1", f"{ROMAN[0]}. KHÁI QUÁT"))
    b.append(Block("p", f"Thực hiện {f['plan']['title']} của {f['plan']['issuer']}, việc theo dõi tin, bài "
                        f"tuyên truyền trên cổng/trang thông tin điện tử của các cơ quan, đơn vị trong tỉnh được "
                        f"thực hiện tự động hằng đêm. Báo cáo này tổng hợp kết quả từ ngày {start} đến ngày {ref} "
                        f"(số liệu tính đến ngày {ref}) đối với {vi_number(len(f['units']))} cơ quan, đơn vị, trong đó "
                        f"{vi_number(len(req))} đơn vị phải mở chuyên trang, chuyên mục theo Kế hoạch."))
    if f["warehouse_as_of"] < f["as_of"]:
        b.append(Block("p", f"Lưu ý: dữ liệu mới được thu thập đến ngày {vi_date(f['warehouse_as_of'])}; các số liệu "
                            f"sau ngày này chưa có trong báo cáo."))
    b.append(Block("h1", f"{ROMAN[1]}. KẾT QUẢ THỰC HIỆN"))
    b.append(Block("h2", "1. Việc mở chuyên trang, chuyên mục"))
    b.append(Block("p", f"Có {vi_number(opened)}/{vi_number(len(req))} đơn vị đã mở chuyên mục, trong đó "
                        f"{vi_number(len(st['active']))} chuyên mục được cập nhật thường xuyên và "
                        f"{vi_number(len(st['dormant']))} chuyên mục ngừng cập nhật (quá {f['dormant_days']} ngày "
                        f"không có bài mới); {vi_number(len(st['missing']))} đơn vị chưa mở chuyên mục; "
                        f"{vi_number(len(st['unreachable']))} đơn vị không truy cập được nên chưa đánh giá được."))
    if st["active"]:
        b.append(Block("p", "Các đơn vị có chuyên mục được cập nhật thường xuyên: "
                            + _names([u["label"] for u in st["active"]]) + "."))
    if st["missing"]:
        b.append(Block("p", "Các đơn vị chưa mở chuyên mục:"))
        b.append(Block("ul", [u["unit_name"] for u in st["missing"]]))
    if st["dormant"]:
        b.append(Block("p", "Các đơn vị có chuyên mục ngừng cập nhật:"))
        b.append(Block("ul", [f"{u['unit_name']}: chuyên mục \u201c{u['column_name'] or ''}\u201d, bài gần nhất ngày "
                              f"{vi_date(u['last_article_at']) or 'không rõ'}" for u in st["dormant"]]))
    if st["unreachable"]:
        b.append(Block("p", "Các đơn vị không truy cập được (chưa thể xác định có chuyên mục hay không):"))
        b.append(Block("ul", [f"{u['unit_name']}: {u['reason']}" for u in st["unreachable"]]))
    b.append(Block("image", "status", caption="Hình 1. Tình trạng chuyên mục của các đơn vị phải mở chuyên mục"))
    b.append(Block("h2", "2. Tin, bài tuyên truyền theo chủ đề"))
    b.append(Block("p", f"Trong kỳ báo cáo có {vi_number(f['total_articles'])} tin, bài được đăng (trong đó "
                        f"{vi_number(f['total_reposts'])} bài đăng lại). Số bài theo từng chủ đề của Kế hoạch:"))
    b.append(Block("ul", [f"{t['title']}: {vi_number(t['articles'])} bài, {vi_number(t['units_covering'])} đơn vị"
                          for t in f["themes"]]))
    b.append(Block("image", "months", caption="Hình 2. Số tin, bài theo tháng"))
    b.append(Block("p", "Số bài của từng đơn vị theo từng chủ đề: xem Hình 3 (Phụ lục)."))
    b.append(Block("h2", "3. Chủ đề chưa được tuyên truyền"))
    if f["themes_uncovered"]:
        b.append(Block("p", "Các chủ đề của Kế hoạch chưa có đơn vị nào tuyên truyền trong kỳ:"))
        b.append(Block("ul", [t["title"] for t in f["themes_uncovered"]]))
    else:
        b.append(Block("p", "Tất cả các chủ đề của Kế hoạch trong kỳ đều có tin, bài tuyên truyền."))
    b += channel_blocks(f)
    b.append(Block("h1", f"{ROMAN[2]}. TỒN TẠI, HẠN CHẾ"))
    empty = [u for u in req if u["months_without_articles"] and u["status"] != "unreachable"]
    b.append(Block("p", f"{vi_number(len(st['missing']) + len(st['dormant']))} đơn vị chưa mở hoặc không duy trì "
                        f"chuyên mục; {vi_number(len(empty))} đơn vị có tháng không đăng tin, bài nào "
                        f"(tính từ tháng {f['months'][0].strftime('%m/%Y') if f['months'] else ''})."))
    thin = [u for u in req if u["thin"]]
    if thin:
        b.append(Block("p", f"Các đơn vị có chuyên mục nhưng tuyên truyền ít hơn {round(THIN_SHARE * 100)}% số chủ đề "
                            "của Kế hoạch:"))
        b.append(Block("ul", [f"{u['unit_name']}: {len(u['themes_covered'])}/{len(f['theme_ids'])} chủ đề" for u in thin]))
    b.append(Block("h1", f"{ROMAN[3]}. ĐỀ XUẤT, KIẾN NGHỊ"))
    props = []
    if f["to_urge"]:
        props.append("Đề nghị Ủy ban nhân dân tỉnh chỉ đạo, đôn đốc các đơn vị sau mở, duy trì và cập nhật chuyên "
                     "mục theo Kế hoạch: " + _names([u["label"] for u in f["to_urge"]]) + ".")
    if st["unreachable"]:
        props.append("Đề nghị các đơn vị " + _names([u["label"] for u in st["unreachable"]]) +
                     " kiểm tra hoạt động của trang thông tin điện tử và cho phép truy cập công khai để phục vụ "
                     "việc theo dõi, đánh giá.")
    if f["themes_uncovered"]:
        props.append("Đề nghị các cơ quan báo chí và các đơn vị tăng cường tuyên truyền các chủ đề: " +
                     _names([t["title"] for t in f["themes_uncovered"]]) + ".")
    props.append("Chi tiết số liệu theo từng đơn vị, chủ đề và tháng tại Phụ lục kèm theo.")
    b.append(Block("ul", props))
    return b


def channel_blocks(f: dict[str, Any]) -> list[Block]:
    """II.4: the units' official channels (issue #21), beside the column: counted apart, shown together."""
    units = f["channel_units"]
    b = [Block("h2", "4. Tuyên truyền trên kênh chính thức của đơn vị")]
    if not units:
        b.append(Block("p", "Chưa có đơn vị nào đăng ký kênh chính thức (kênh video, nguồn tin RSS của chính đơn vị) "
                            "để theo dõi."))
        return b
    b.append(Block("p", f"Có {vi_number(len(units))} đơn vị có kênh chính thức được theo dõi (kênh video, nguồn tin RSS "
                        f"của chính đơn vị). Trong kỳ, các kênh này đăng {vi_number(f['total_channel_items'])} tin, trong "
                        f"đó {vi_number(f['total_channel_on_theme'])} tin đúng chủ đề của Kế hoạch. Số tin trên kênh được "
                        "tính riêng, không cộng vào số bài của chuyên mục. Chuyên mục và kênh của từng đơn vị:"))
    b.append(Block("ul", [f"{u['unit_name']}: chuyên mục: {u['status_vi'].lower()} ({vi_number(u['in_column'])} bài trong "
                          f"chuyên mục); kênh chính thức: {u['channel_status_vi'].lower()} ({vi_number(u['channel_items'])} "
                          f"tin, trong đó {vi_number(u['channel_on_theme'])} tin đúng chủ đề"
                          + (f", gần nhất ngày {vi_date(u['channel_last_on_theme_at'])}" if u["channel_last_on_theme_at"] else "")
                          + ")" for u in units]))
    idle = [u for u in units if u["column_idle_channel_on_theme"]]
    if idle:
        b.append(Block("p", "Các đơn vị chưa mở hoặc không duy trì chuyên mục nhưng vẫn tuyên truyền đúng chủ đề của Kế "
                            f"hoạch trên kênh chính thức (trong {f['dormant_days']} ngày gần nhất): "
                            + _names([u["label"] for u in idle]) + "."))
    return b


def annex_blocks(f: dict[str, Any]) -> list[Block]:
    """What follows the signature: the unit x theme chart (too tall for the body)."""
    return [Block("h1", "PHỤ LỤC"),
            Block("p", f"Số liệu chi tiết từ ngày {vi_date(f['start'])} đến ngày {vi_date(f['as_of'])} theo từng đơn vị, "
                       "chủ đề và tháng: tệp bảng tính kèm theo."),
            Block("image", "heatmap", caption="Hình 3. Số bài theo đơn vị và chủ đề")]


def annex_sheets(f: dict[str, Any]) -> list[Sheet]:
    """The XLSX annex: a summary first, then one sheet per table, unit names and Vietnamese titles."""
    t = f["titles"]
    summary = Sheet("Tổng hợp", "Tổng hợp", ["Nội dung", "Số liệu"], [
        ["Kỳ báo cáo", f"{vi_date(f['start'])} – {vi_date(f['as_of'])}"],
        ["Số liệu tính đến ngày", vi_date(f["as_of"])],
        ["Số đơn vị theo dõi", len(f["units"])],
        ["Số đơn vị phải mở chuyên mục", len(f["required"])],
        *[[f"Đơn vị: {STATUS_VI[s]}", len(v)] for s, v in f["by_status"].items()],
        ["Số tin, bài trong kỳ", f["total_articles"]],
        ["Trong đó đăng lại", f["total_reposts"]],
        ["Số chủ đề của Kế hoạch trong kỳ", len(f["themes"])],
        ["Chủ đề chưa được tuyên truyền", len(f["themes_uncovered"])],
        ["Số đơn vị có kênh chính thức", len(f["channel_units"])],
        ["Số tin trên kênh chính thức trong kỳ (tính riêng)", f["total_channel_items"]],
        ["Trong đó đúng chủ đề", f["total_channel_on_theme"]],
    ])
    status = Sheet("Tình trạng chuyên mục", "Tình trạng chuyên mục của các đơn vị",
                   ["Tên đơn vị", "Tên viết tắt", "Loại đơn vị", "Bắt buộc mở chuyên mục", "Tình trạng", "Lý do",
                    "Tên chuyên mục", "Địa chỉ chuyên mục", "Bài trong kỳ", "Bài trong chuyên mục (kỳ)",
                    "Bài đăng lại (kỳ)", "Bài gần nhất trong chuyên mục", "Bài đúng chủ đề ngoài chuyên mục"])
    for u in f["units"]:
        status.rows.append([u["unit_name"], u["label"], KIND_VI.get(u["kind"], u["kind"]),
                            "Có" if u["requires_column"] else "Không", u["status_vi"], u["reason"], u["column_name"],
                            u["column_url"], u["articles"], u["in_column"], u["reposts"], u["last_article_at"],
                            u["on_theme_outside_column"]])
    theme = Sheet("Bài theo chủ đề", "Số bài theo đơn vị và chủ đề",
                  ["Tên đơn vị", "Chủ đề", "Số bài", "Trong đó đăng lại"],
                  [[f["names"].get(c["unit_id"], c["unit_id"]), t.get(c["theme_id"], c["theme_id"]), c["articles"],
                    c["reposts"]] for c in sorted(f["cover"], key=lambda c: (f["names"].get(c["unit_id"], ""), c["theme_id"]))
                   if c["unit_id"] in f["names"]])
    months = Sheet("Tháng không có bài", "Các tháng không có bài viết",
                   ["Tên đơn vị", "Tình trạng", "Số tháng tính", "Số tháng không có bài", "Các tháng không có bài"])
    for u in f["required"]:
        months.rows.append([u["unit_name"], u["status_vi"], u["months_counted"], len(u["months_without_articles"]),
                            "; ".join(m.strftime("%m/%Y") for m in u["months_without_articles"])])
    gaps = Sheet("Khoảng trống chủ đề", "Chủ đề theo giai đoạn của kế hoạch",
                 ["Giai đoạn", "Chủ đề", "Từ ngày", "Tính đến ngày", "Số bài", "Số đơn vị tuyên truyền",
                  "Số đơn vị bắt buộc", "Đơn vị bắt buộc chưa tuyên truyền"],
                 [[f["period_titles"].get(g["period_id"]) or g["period_id"], g["theme_title"], g["starts_on"], g["counted_to"], g["articles"], g["units_covering"],
                   g["required_units"], "; ".join(g["not_covering_names"])] for g in f["gaps"]])
    arts = Sheet("Bài viết", "Danh sách bài viết",
                 ["Tên đơn vị", "Ngày đăng", "Tiêu đề", "Địa chỉ", "Chuyên mục", "Chủ đề", "Đăng lại"],
                 [[f["names"].get(a["unit_id"], a["unit_id"]), a["published_at"], a["title"], a["url"], a["column_name"],
                   "; ".join(t.get(x, x) for x in (a["themes"] or [])), "Có" if a["is_repost"] else "Không"]
                  for a in f["articles"]], in_html=False)
    chans = Sheet("Kênh chính thức", "Chuyên mục và kênh chính thức của các đơn vị",
                  ["Tên đơn vị", "Tình trạng chuyên mục", "Bài trong chuyên mục (kỳ)", "Kênh chính thức",
                   "Tình trạng kênh", "Tin trên kênh (kỳ)", "Tin đúng chủ đề (kỳ)", "Chủ đề trên kênh",
                   "Tin đúng chủ đề gần nhất", "Chuyên mục chưa mở/ngừng, kênh đúng chủ đề"],
                  [[u["unit_name"], u["status_vi"], u["in_column"], "; ".join(u["channel_names"]), u["channel_status_vi"],
                    u["channel_items"], u["channel_on_theme"], "; ".join(t.get(x, x) for x in u["channel_themes"]),
                    u["channel_last_on_theme_at"], "Có" if u["column_idle_channel_on_theme"] else "Không"]
                   for u in f["channel_units"]])
    return [summary, status, theme, months, gaps, chans, arts]


def build_annual(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None,
                 settings: DocSettings | None = None) -> dict[str, Any]:
    """The whole report as data: facts, body blocks, annex sheets and the document's settings."""
    ref = reference_date(con, year, as_of)
    f = build_facts(con, ref)
    return {"year": year, "as_of": ref, "start": f["start"], "end": ref, "facts": f,
            "settings": settings or document_settings(f["plan"], con), "blocks": body_blocks(f, year),
            "annex_blocks": annex_blocks(f),
            "sheets": annex_sheets(f)}


def report_json(report: dict[str, Any]) -> dict[str, Any]:
    """`bao-cao-nam-Y.json`: the report's tables for other tools (codes, not labels)."""
    f = report["facts"]
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "year": report["year"], "as_of": iso(f["as_of"]), "period_start": iso(f["start"]),
        "plan_id": f["plan"]["plan_id"],
        "status_counts": {s: len(v) for s, v in f["by_status"].items()},
        "units": [{"unit_id": u["unit_id"], "unit_name": u["unit_name"], "kind": u["kind"],
                   "requires_column": bool(u["requires_column"]), "status": u["status"],
                   "unreachable_reason": u["reach"] if u["status"] == "unreachable" else None,
                   "column_url": u["column_url"], "last_article_at": iso(u["last_article_at"]),
                   "articles": u["articles"], "column_articles": u["in_column"], "reposts": u["reposts"],
                   "on_theme_articles": u["on_theme_articles"], "themes_covered": u["themes_covered"],
                   "months_without_articles": [m.strftime("%Y-%m") for m in u["months_without_articles"]],
                   "to_urge": u in f["to_urge"],
                   "channel": {"channels": u["channels"], "status": u["channel_status"], "items": u["channel_items"],
                               "on_theme_items": u["channel_on_theme"], "themes_covered": u["channel_themes"],
                               "last_on_theme_at": iso(u["channel_last_on_theme_at"]),
                               "column_idle_channel_on_theme": u["column_idle_channel_on_theme"]}} for u in f["units"]],
        "themes": [{k: t[k] for k in ("theme_id", "title", "articles", "reposts", "units_covering")} for t in f["themes"]],
        "themes_not_covered": [t["theme_id"] for t in f["themes_uncovered"]],
    }


def chart_images(report: dict[str, Any]) -> dict[str, bytes]:
    f = report["facts"]
    counts = {STATUS_VI[s]: len(v) for s, v in f["by_status"].items()}
    months = {m.strftime("%m/%Y"): n for m, n in f["month_totals"].items()}
    req = f["required"]
    cell = {(c["unit_id"], c["theme_id"]): c["articles"] for c in f["cover"]}
    heat = charts.heatmap_png([[int(cell.get((u["unit_id"], t), 0)) for t in f["theme_ids"]] for u in req],
                              [u["label"] for u in req], [f["titles"][t] for t in f["theme_ids"]],
                              f"Số bài theo đơn vị và chủ đề, {vi_date(f['start'])} – {vi_date(f['as_of'])}")
    return {"status": charts.bar_png(counts, "Số đơn vị theo tình trạng chuyên mục", "Số đơn vị"),
            "months": charts.bar_png(months, "Số tin, bài theo tháng", "Số bài"), "heatmap": heat}


def write_xlsx(report: dict[str, Any], path: Path) -> Path:
    """The annex: a summary sheet first, then one sheet per table; headers bold, filters, frozen row."""
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
                elif isinstance(c.value, int) and not isinstance(c.value, bool):
                    c.number_format = "#,##0"
        last = get_column_letter(max(len(sh.headers), 1))
        ws.auto_filter.ref = f"A1:{last}{max(len(sh.rows) + 1, 1)}"
        ws.freeze_panes = "A2"
        for j, h in enumerate(sh.headers, 1):
            width = max([len(str(h))] + [len(str(plain(r[j - 1]) or "")) for r in sh.rows[:500]])
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, width + 2))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _html_cell(v: Any) -> str:
    v = plain(v)
    if isinstance(v, dt.date):
        return vi_date(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return vi_number(v)
    return "" if v is None else str(v)


def render_html(report: dict[str, Any], images: dict[str, bytes] | None = None) -> str:
    """The same content as the Word document (header, body, signature, annex tables), autoescaped."""
    images = images if images is not None else chart_images(report)
    uris = {k: charts.data_uri(v) for k, v in images.items()}
    sheets = [s for s in report["sheets"] if s.in_html]
    return environment().get_template("annual.html.j2").render(
        r=report, s=report["settings"], blocks=report["blocks"], annex=report["annex_blocks"], sheets=sheets, cell=_html_cell, images=uris)


def write_annual(con: duckdb.DuckDBPyConnection, year: int, out_dir: Path, as_of: dt.date | None = None,
                 settings: DocSettings | None = None) -> dict[str, Path]:
    from pipeline.reports.annual_docx import write_docx
    report = build_annual(con, year, as_of, settings)
    images = chart_images(report)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / f"bao-cao-nam-{year}"
    paths = {"docx": write_docx(report, images, base.with_suffix(".docx")),
             "xlsx": write_xlsx(report, base.with_suffix(".xlsx"))}
    html = base.with_suffix(".html")
    html.write_text(render_html(report, images), encoding="utf-8")
    js = base.with_suffix(".json")
    js.write_text(json.dumps(report_json(report), ensure_ascii=False, indent=1), encoding="utf-8")
    paths.update(html=html, json=js)
    return paths
