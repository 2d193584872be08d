"""Minimal PDF files written byte by byte: one with a text layer (Vietnamese), one scanned-style.

The demo web publishes a decision as a page with only a PDF link, as provincial portals do; tests
need the same two shapes a real portal serves: a PDF whose text can be extracted, and a scan (an
image, no text). Text is shown through a Type0 font with Identity-H encoding and a ToUnicode map
(code = Unicode code point), which is how PDF writers make Vietnamese text extractable; the font
is not embedded (a viewer substitutes one), which is enough for text extraction.
"""
from __future__ import annotations

import zlib

_TOUNICODE = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
              b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
              b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
              b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
              b"1 beginbfrange <0000> <FFFF> <0000> endbfrange\n"
              b"endcmap CMapName currentdict /CMap defineresource pop end end\n")


def _assemble(objects: list[bytes]) -> bytes:
    """Objects numbered from 1 (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    z = zlib.compress(data)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(z), extra) + z + b"\nendstream"


def text_pdf(pages: list[list[str]]) -> bytes:
    """A PDF of A4 pages, each a list of lines of text (any BMP characters), with a text layer."""
    n = len(pages)
    # 1 catalog, 2 pages, 3 font, 4 descendant font, 5 ToUnicode, then (page, content) per page
    kids = b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(n))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /ArialMT /Encoding /Identity-H "
            b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ArialMT /CIDToGIDMap /Identity "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 >>",
            _stream(_TOUNICODE)]
    for i, lines in enumerate(pages):
        ops = [b"BT /F1 11 Tf 14 TL 56 780 Td"]
        for line in lines:
            ops.append(b"<" + line.encode("utf-16-be").hex().encode() + b"> Tj T*")
        ops.append(b"ET")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                    b"/Contents %d 0 R >>" % (7 + 2 * i))
        objs.append(_stream(b"\n".join(ops)))
    return _assemble(objs)


def scanned_pdf(pages: int = 1) -> bytes:
    """A scanned-style PDF: each page is one grey image, no text operators at all."""
    kids = b" ".join(b"%d 0 R" % (3 + 3 * i) for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
    for i in range(pages):
        w, h = 64, 90
        img = _stream(bytes([200]) * (w * h), b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                      b"/ColorSpace /DeviceGray /BitsPerComponent 8 " % (w, h))
        content = _stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 %d 0 R >> >> "
                    b"/Contents %d 0 R >>" % (5 + 3 * i, 4 + 3 * i))
        objs.append(content)
        objs.append(img)
    return _assemble(objs)
