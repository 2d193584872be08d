"""Text of a published document (PDF, DOCX; old binary DOC is recognised, not read): bytes in, text out.

Provincial portals publish decisions, plans and outlines for propagandists as a page whose body is
only a link to the file, so the file's text is what gets tagged. Limits keep a hostile or huge file
cheap: at most MAX_BYTES read, MAX_PAGES pages, MAX_CHARS of text kept. Nothing in a file is ever
executed (pdfminer only interprets the page content streams; JavaScript, forms and embedded files
are ignored; a DOCX is read as XML by python-docx, macros are never run). A scanned PDF (images
only, no text layer) gives an empty text, flagged "scanned", which is not an error.
"""
from __future__ import annotations

import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass, field

from nlp.sanitize import clean_web_text

MAX_BYTES = 32_000_000
MAX_PAGES = 60
MAX_CHARS = 200_000
DOC_KINDS = ("pdf", "docx", "doc")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file header of .doc/.xls


@dataclass
class DocumentText:
    """What a document gave: its kind, text (may be empty) and why it is empty or cut."""
    kind: str                      # pdf | docx | doc | unknown
    text: str = ""
    pages: int | None = None
    flags: list[str] = field(default_factory=list)  # scanned, truncated, unreadable, not-read, too-large


def document_kind(data: bytes, content_type: str | None = None, url: str = "") -> str | None:
    """'pdf', 'docx' or 'doc' when the bytes (first) or the declared type say it is one, else None."""
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(_OLE):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
        return None
    ct = (content_type or "").lower()
    if "application/pdf" in ct:
        return "pdf"
    if "wordprocessingml" in ct:
        return "docx"
    if "msword" in ct:
        return "doc"
    return None


def document_text(data: bytes, content_type: str | None = None, url: str = "",
                  max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES) -> DocumentText:
    """The text of a PDF or DOCX document within the limits; never raises on a bad file."""
    kind = document_kind(data, content_type, url) or "unknown"
    if len(data) > max_bytes:
        return DocumentText(kind, flags=["too-large"])
    try:
        if kind == "pdf":
            out = _pdf(data, max_pages)
        elif kind == "docx":
            out = _docx(data)
        else:
            return DocumentText(kind, flags=["not-read"])  # binary .doc: no reader we trust
    except Exception as e:  # noqa: BLE001 - a broken file is an empty document, not a failed night
        logging.getLogger("chuyenmuc.documents").info("unreadable %s document %s: %s", kind, url, e)
        return DocumentText(kind, flags=["unreadable"])
    text = _tidy(out.text)
    if len(text) > MAX_CHARS:
        text, out.flags = text[:MAX_CHARS], [*out.flags, "truncated"]
    if kind == "pdf" and not text:
        out.flags.append("scanned")
    out.text = text
    return out


def _pdf(data: bytes, max_pages: int) -> DocumentText:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage
    for name in ("pdfminer", "pdfminer.pdfpage", "pdfminer.pdfinterp", "pdfminer.converter"):
        logging.getLogger(name).setLevel(logging.ERROR)  # warnings of damaged files are per page, noisy
    n = sum(1 for _ in PDFPage.get_pages(io.BytesIO(data), maxpages=max_pages + 1, check_extractable=False))
    text = extract_text(io.BytesIO(data), maxpages=max_pages)
    flags = ["truncated"] if n > max_pages else []
    return DocumentText("pdf", text, min(n, max_pages), flags)


def _docx(data: bytes) -> DocumentText:
    import docx
    d = docx.Document(io.BytesIO(data))
    paras = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            paras.append(" | ".join(c.text for c in row.cells))
    return DocumentText("docx", "\n".join(paras))


def _tidy(text: str) -> str:
    """Lines joined into paragraphs (a blank line between), form feeds and stray spaces dropped."""
    paras, cur = [], []
    for line in clean_web_text(unicodedata.normalize("NFC", text.replace("\f", "\n\n"))).splitlines():
        line = " ".join(line.split())
        if line:
            cur.append(line)
        elif cur:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return "\n\n".join(paras)
