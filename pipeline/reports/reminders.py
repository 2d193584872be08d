"""Reminders to units ("công văn đôn đốc"): for each required unit whose column is missing, dormant
or thin on the plan's themes, a short notice (Word draft and Markdown) naming what was found and
what the plan asks of it, and an index of the notices. Facts come from `annual_data.build_facts`,
so a reminder never says other than the annual report."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
from docx.enum.text import WD_ALIGN_PARAGRAPH

from pipeline.reports.annual_data import THIN_SHARE, build_facts
from pipeline.reports.annual_docx import _para, header, new_document, signature
from pipeline.reports.common import md, vi_date
from pipeline.reports.document import DocSettings

SUBJECT = "V/v đôn đốc mở, duy trì chuyên mục tuyên truyền theo Kế hoạch"


def _findings(u: dict[str, Any], f: dict[str, Any]) -> list[str]:
    titles = f["titles"]
    out = []
    if u["status"] == "missing":
        out.append("Chưa tìm thấy chuyên trang, chuyên mục tuyên truyền theo Kế hoạch trên trang thông tin điện tử "
                   f"của đơn vị ({u['site_url'] or 'chưa có địa chỉ'}).")
    else:
        out.append(f"Chuyên mục \u201c{u['column_name'] or ''}\u201d tại địa chỉ {u['column_url']}.")
        last = vi_date(u["last_article_at"]) if u["last_article_at"] else "chưa có bài"
        out.append(f"Bài gần nhất trong chuyên mục: {last}"
                   + (f" ({u['days_since_last_article']} ngày trước ngày {vi_date(f['as_of'])})."
                      if u["days_since_last_article"] is not None else "."))
        if u["status"] == "dormant":
            out.append(f"Chuyên mục ngừng cập nhật: quá {f['dormant_days']} ngày không có bài mới.")
    out.append(f"Từ ngày {vi_date(f['start'])} đến ngày {vi_date(f['as_of'])}: {u['articles']} tin, bài; "
               f"{u['on_theme_articles']} bài thuộc chủ đề của Kế hoạch; tuyên truyền "
               f"{len(u['themes_covered'])}/{len(f['theme_ids'])} chủ đề.")
    if u["themes_not_covered"]:
        out.append("Các chủ đề chưa tuyên truyền: " + "; ".join(titles.get(t, t) for t in u["themes_not_covered"]) + ".")
    return out


def reasons(u: dict[str, Any]) -> list[str]:
    out = {"missing": ["chưa mở chuyên mục"], "dormant": ["chuyên mục ngừng cập nhật"]}.get(u["status"], [])
    if u["thin"]:
        out.append(f"tuyên truyền dưới {round(THIN_SHARE * 100)}% số chủ đề")
    return out


def asks(u: dict[str, Any], obligations: dict[str, str]) -> list[str]:
    """What the plan asks of this unit (its obligations, section IV of the plan)."""
    return [obligations.get(o, o) for o in (u.get("obligations") or [])]


def render_markdown(u: dict[str, Any], f: dict[str, Any], s: DocSettings, obligations: dict[str, str]) -> str:
    lines = [f"# {md(s.issuing_body)}: {md(SUBJECT)}", "",
             f"Số: ……/{md(s.document_symbol)} — {md(s.place)}, ngày {vi_date(f['as_of'])}", "",
             f"**Kính gửi:** {md(u['unit_name'])}", "",
             f"Theo dõi việc thực hiện {md(f['plan']['title'])} trên trang thông tin điện tử của đơn vị, "
             f"số liệu tính đến ngày {vi_date(f['as_of'])}:", ""]
    lines += [f"- {md(x)}" for x in _findings(u, f)]
    lines += ["", "Kế hoạch yêu cầu đơn vị:", ""]
    lines += [f"- {md(x)}" for x in asks(u, obligations)] or ["- (không có)"]
    lines += ["", f"Đề nghị {md(u['unit_name'])} khẩn trương khắc phục và báo cáo kết quả về "
                  f"{md(s.issuing_body_name or s.issuing_body)} trước ngày 30/11 hằng năm.", "",
              f"**{md(s.signer_title)}**", ""]
    return "\n".join(lines)


def write_docx(u: dict[str, Any], f: dict[str, Any], s: DocSettings, obligations: dict[str, str], path: Path) -> Path:
    doc = new_document()
    header(doc, s, f"{s.place}, ngày      tháng      năm {f['as_of'].year}" if s.place else "")
    _para(doc, SUBJECT, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT, after=12)
    _para(doc, f"Kính gửi: {u['unit_name']}.", align=WD_ALIGN_PARAGRAPH.CENTER, after=10)
    _para(doc, f"Theo dõi việc thực hiện {f['plan']['title']} trên trang thông tin điện tử của đơn vị "
               f"(số liệu tính đến ngày {vi_date(f['as_of'])}), {(s.issuing_body_name or s.issuing_body)} nhận thấy:", indent=1)
    for x in _findings(u, f):
        _para(doc, f"- {x}", indent=1, after=2)
    _para(doc, "Kế hoạch yêu cầu đơn vị:", indent=1, before=6)
    for x in asks(u, obligations):
        _para(doc, f"- {x}", indent=1, after=2)
    _para(doc, f"Đề nghị {u['unit_name']} khẩn trương khắc phục và báo cáo kết quả thực hiện trước ngày 30/11 hằng năm.",
          indent=1, before=6)
    _para(doc, "")
    signature(doc, DocSettings(**{**s.__dict__, "recipients": [f"{u['unit_name']}", "Lưu: VT."]}))
    doc.save(str(path))
    return path


def write_reminders(con: duckdb.DuckDBPyConnection, ref: dt.date, out: Path, settings: DocSettings,
                    obligations: dict[str, str] | None = None) -> dict[str, Path]:
    """One DOCX and one Markdown per unit to urge, and `danh-sach.md` listing them."""
    obligations = obligations or {}
    f = build_facts(con, ref)
    obl = {r[0]: list(r[1] or []) for r in con.execute("SELECT unit_id, obligations FROM units").fetchall()}
    out.mkdir(parents=True, exist_ok=True)
    index = [f"# Danh sách công văn đôn đốc (số liệu tính đến ngày {vi_date(ref)})", "",
             "| STT | Đơn vị | Lý do | Tệp |", "|---|---|---|---|"]
    paths: dict[str, Path] = {}
    for i, u in enumerate(f["to_urge"], 1):
        u = dict(u, obligations=obl.get(u["unit_id"], []))
        base = out / f"nhac-nho-{u['unit_id']}"
        docx_path = write_docx(u, f, settings, obligations, base.with_suffix(".docx"))
        md_path = base.with_suffix(".md")
        md_path.write_text(render_markdown(u, f, settings, obligations), encoding="utf-8")
        index.append(f"| {i} | {md(u['unit_name'])} | {md('; '.join(reasons(u)))} | {docx_path.name}, {md_path.name} |")
        paths[u["unit_id"]] = docx_path
    if not f["to_urge"]:
        index.append("| | Không có đơn vị cần đôn đốc. | | |")
    idx = out / "danh-sach.md"
    idx.write_text("\n".join(index) + "\n", encoding="utf-8")
    return {"index": idx, **paths}
