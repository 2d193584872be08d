"""Word documents in the administrative layout of Vietnamese official documents (after Nghị định
30/2020/NĐ-CP): A4, Times New Roman, the issuing body and national motto side by side, a number and
symbol to fill in, place and date, the title, numbered sections, "Nơi nhận" and the signature block.

Text from the web goes in as plain runs (python-docx escapes it; Word has no formulas in running
text), so a title holding `<script>` or `=HYPERLINK(` is shown as typed, never acted on.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline.reports.document import Block, DocSettings

FONT = "Times New Roman"


def clean(text: object) -> str:
    """Text a Word file can hold: XML-illegal control characters dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if text is None else str(text))


def _para(container: Any, text: str = "", *, bold: bool = False, italic: bool = False, size: float = 14,
          align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, before: float = 0, after: float = 6, indent: float | None = None):
    p = container.add_paragraph()
    p.alignment = align
    pf = p.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.line_spacing = 1.15
    if indent is not None:
        pf.first_line_indent = Cm(indent)
    if text:
        r = p.add_run(clean(text))
        r.bold, r.italic, r.font.size = bold, italic, Pt(size)
    return p


def _rule(container: Any, width_cm: float, box_cm: float) -> None:
    """A short horizontal line under a heading line: the bottom border of an empty, centred, narrow
    paragraph of its own (so the text above keeps the full width)."""
    p = _para(container, "", size=2, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    p.paragraph_format.line_spacing = Pt(2)
    p_pr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    p_pr.append(border)
    ind = OxmlElement("w:ind")
    side = str(int(max(0.0, box_cm - width_cm) / 2 * 567))  # twips
    ind.set(qn("w:left"), side)
    ind.set(qn("w:right"), side)
    p_pr.append(ind)


def _no_borders(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tbl_pr.append(borders)


def new_document() -> Any:
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(2), Cm(2)
    sec.left_margin, sec.right_margin = Cm(3), Cm(1.5)
    st = doc.styles["Normal"]
    st.font.name = FONT
    st.font.size = Pt(14)
    st.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return doc


def header(doc: Any, s: DocSettings, date_line: str) -> None:
    """Issuing body (left) and national motto (right), number/symbol and place/date."""
    t = doc.add_table(rows=1, cols=2)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _no_borders(t)
    left, right = t.rows[0].cells
    widths = (Cm(6.2), Cm(10.8))  # the motto (12 pt bold) fits one line in Word and LibreOffice
    for col, w in zip(t.columns, widths, strict=True):
        col.width = w
    left.width, right.width = widths
    c = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].alignment = c
    left.paragraphs[0].paragraph_format.space_after = Pt(0)
    r = left.paragraphs[0].add_run(clean(s.issuing_parent))
    r.font.size = Pt(11.5)
    _para(left, s.issuing_body, bold=True, size=12, align=c, after=0)
    _rule(left, 2.5, 6.9)
    _para(left, f"Số:       /{s.document_symbol}", size=13, align=c, before=6)
    right.paragraphs[0].alignment = c
    right.paragraphs[0].paragraph_format.space_after = Pt(0)
    r = right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    r.bold, r.font.size = True, Pt(12)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13, align=c, after=0)
    _rule(right, 5.5, 10.1)
    _para(right, date_line, italic=True, size=13, align=c, before=6)


def title(doc: Any, kind: str, subject: str) -> None:
    _para(doc, kind, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    _para(doc, subject, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _rule(doc, 4, 16.5)
    _para(doc, "", after=4)


def body(doc: Any, blocks: list[Block], images: dict[str, bytes]) -> None:
    for b in blocks:
        if b.kind == "h1" and b.content == "PHỤ LỤC":
            _para(doc, b.content, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
        elif b.kind == "h1":  # headings stay with what follows them (never last on a page)
            _para(doc, b.content, bold=True, size=14, before=8, after=4, indent=1).paragraph_format.keep_with_next = True
        elif b.kind == "h2":
            _para(doc, b.content, bold=True, size=14, before=4, after=4, indent=1).paragraph_format.keep_with_next = True
        elif b.kind == "p":
            _para(doc, b.content, indent=1)
        elif b.kind == "ul":
            for item in b.content:
                _para(doc, f"- {item}", indent=1, after=2, align=WD_ALIGN_PARAGRAPH.LEFT)  # a long web name must not stretch the line
        elif b.kind == "image" and b.content in images:
            p = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
            p.paragraph_format.keep_with_next = True  # the chart stays with its caption
            p.add_run().add_picture(io.BytesIO(images[b.content]), width=Cm(15.5 if b.content == "heatmap" else 13))
            _para(doc, b.caption, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)


def signature(doc: Any, s: DocSettings) -> None:
    """'Nơi nhận' (left) and the signer's title and name (right)."""
    t = doc.add_table(rows=1, cols=2)
    t.autofit = False
    _no_borders(t)
    left, right = t.rows[0].cells
    widths = (Cm(8), Cm(8.5))
    for col, w in zip(t.columns, widths, strict=True):
        col.width = w
    left.width, right.width = widths
    p = left.paragraphs[0]
    r = p.add_run("Nơi nhận:")
    r.bold, r.italic, r.font.size = True, True, Pt(12)
    for i, rec in enumerate(s.recipients):
        end = "" if rec.endswith(".") else ("." if i == len(s.recipients) - 1 else ";")
        _para(left, f"- {rec}{end}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
    c = WD_ALIGN_PARAGRAPH.CENTER
    right.paragraphs[0].alignment = c
    r = right.paragraphs[0].add_run(clean(s.signer_title))
    r.bold, r.font.size = True, Pt(14)
    _para(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=12, align=c, after=48)
    _para(right, s.signer_name or "", bold=True, size=14, align=c)


def write_docx(report: dict[str, Any], images: dict[str, bytes], path: Path) -> Path:
    """The annual report as a Word draft the department can edit, number and sign."""
    s: DocSettings = report["settings"]
    f = report["facts"]
    doc = new_document()
    header(doc, s, f"{s.place}, ngày      tháng      năm {report['year']}" if s.place
           else f"Ngày      tháng      năm {report['year']}")
    title(doc, "BÁO CÁO", f"Kết quả thực hiện {f['plan']['title']} năm {report['year']}")
    if s.addressee:
        _para(doc, f"Kính gửi: {s.addressee}.", align=WD_ALIGN_PARAGRAPH.CENTER, after=10)
    body(doc, report["blocks"], images)
    _para(doc, "")
    signature(doc, s)
    if report.get("annex_blocks"):
        doc.add_page_break()
        body(doc, report["annex_blocks"], images)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
