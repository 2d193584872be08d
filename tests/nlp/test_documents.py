"""Text of published documents (nlp.documents): PDFs generated here byte by byte (one with a text
layer, one scanned-style with none), a DOCX written with python-docx, and broken or oversized files."""
from __future__ import annotations

import io

from demoweb.pdf import scanned_pdf, text_pdf
from nlp.documents import document_kind, document_text

LINES = ["ỦY BAN NHÂN DÂN HUYỆN M'ĐRẮK", "KẾ HOẠCH", "Tuyên truyền Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XVII",
         "Đề cương tuyên truyền dành cho báo cáo viên, tuyên truyền viên"]


def test_pdf_with_text_layer() -> None:
    d = document_text(text_pdf([LINES, ["Trang 2: phòng, chống dịch COVID-19"]]), "application/pdf")
    assert d.kind == "pdf" and d.pages == 2 and d.flags == []
    for line in LINES:
        assert line in d.text
    assert "COVID-19" in d.text.split("\n\n")[-1]


def test_scanned_pdf_is_empty_not_an_error() -> None:
    d = document_text(scanned_pdf(3))
    assert d.kind == "pdf" and d.text == "" and d.pages == 3 and d.flags == ["scanned"]


def test_page_limit() -> None:
    d = document_text(text_pdf([[f"Trang số {i}"] for i in range(1, 8)]), max_pages=3)
    assert d.pages == 3 and "truncated" in d.flags
    assert "Trang số 3" in d.text and "Trang số 4" not in d.text


def test_size_limit_and_broken_files() -> None:
    assert document_text(text_pdf([LINES]), max_bytes=100).flags == ["too-large"]
    assert document_text(b"%PDF-1.4\nnot a pdf at all").flags == ["unreadable"]
    assert document_text(b"%PDF-1.4\n" + bytes(range(256)) * 50).text == ""
    assert document_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600).flags == ["not-read"]


def test_docx() -> None:
    import docx
    doc = docx.Document()
    for line in LINES:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    d = document_text(buf.getvalue())
    assert d.kind == "docx" and all(line in d.text for line in LINES)


def test_kind_from_bytes_first() -> None:
    assert document_kind(text_pdf([["x"]]), "text/html") == "pdf"
    assert document_kind(b"<html><body>%PDF-1.4 in text</body></html>", "text/html") is None
    assert document_kind(b"PK\x03\x04 not a zip") is None
    assert document_kind(b"\x00\x01", "application/pdf") == "pdf"
