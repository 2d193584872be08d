"""Encodings met on old portals: wrong declared charset, mojibake, Windows-1258, TCVN3, VNI, NFD,
entities. The legacy byte strings are produced here from hand-written Unicode text."""
from __future__ import annotations

import unicodedata

import pytest

from nlp import encoding
from nlp.encoding import decode_body, normalise_text, repair_mojibake, tcvn3_decode, viet_score, vni_decode
from nlp.extract import extract_page

TEXT = ("Sáng 17/6, Ủy ban nhân dân tỉnh Đắk Lắk tổ chức hội nghị triển khai kế hoạch tuyên truyền nghị quyết "
        "đại hội Đảng bộ tỉnh; người dân ở các buôn, thôn đồng tình ủng hộ và hưởng ứng tích cực.")
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(s: str) -> bytes:
    """Windows-1258 writes the five tones as combining marks after a (possibly hatted) base letter."""
    out = []
    for ch in s:
        d = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in d if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES))
        out.append(base + tone)
    return "".join(out).encode("cp1258")


def to_tcvn3(s: str) -> bytes:
    inverse = {v: k for k, v in encoding._TCVN_TABLE.items() if len(v) == 1 and not unicodedata.combining(v)}
    return bytes(inverse[ch] if ch in inverse else ord(ch) for ch in s)


def to_vni(s: str) -> bytes:
    inverse = {v: k for k, v in encoding._VNI.items()}
    return "".join(inverse.get(ch, ch) for ch in s).encode("cp1252")


def page(text: str, charset: str = "utf-8") -> str:
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>Tin tức</title></head><body><h1>Hội nghị triển khai nghị quyết</h1>"
            f"<div class='date'>Thứ Năm, 17/06/2021 08:30</div><p>{text}</p>"
            f"<p>{text}</p></body></html>")


def test_clean_utf8_untouched() -> None:
    d = decode_body(page(TEXT).encode("utf-8"))
    assert d.encoding == "utf-8" and d.flags == [] and TEXT in d.text


def test_windows_1258_converted_and_flagged() -> None:
    d = decode_body(to_cp1258(page(TEXT, "windows-1258")))
    assert TEXT in d.text
    assert "legacy-encoding:windows-1258" in d.flags and "charset-mismatch" not in d.flags


def test_windows_1258_sent_as_utf8_is_a_mismatch() -> None:
    d = decode_body(to_cp1258(page(TEXT)), {"Content-Type": "text/html; charset=utf-8"})
    assert TEXT in d.text
    assert {"legacy-encoding:windows-1258", "charset-mismatch"} <= set(d.flags)


def test_tcvn3_converted_and_flagged() -> None:
    raw = to_tcvn3(page(TEXT.replace("Ủ", "U").replace("Đ", "D").lower(), "iso-8859-1"))
    d = decode_body(raw)
    assert TEXT.replace("Ủ", "U").replace("Đ", "D").lower() in d.text
    assert "legacy-encoding:tcvn3" in d.flags


def test_vni_converted_and_flagged() -> None:
    d = decode_body(to_vni(page(TEXT, "windows-1252")))
    assert TEXT in d.text
    assert "legacy-encoding:vni" in d.flags
    assert vni_decode("Ñaék Laék") == "Đắk Lắk"


def test_tcvn3_table_basics() -> None:
    assert tcvn3_decode(b"\xb8\xb5\xb6\xb7\xb9\xa8") == "áàảãạă"


def test_mojibake_repaired() -> None:
    garbled = page(TEXT).encode("utf-8").decode("latin-1").encode("utf-8")
    d = decode_body(garbled)
    assert TEXT in d.text and "mojibake-repaired" in d.flags
    assert repair_mojibake("Lao Động".encode().decode("latin-1")) == "Lao Động"


def test_charset_mismatch_utf8_declared_latin1() -> None:
    d = decode_body(page(TEXT, "iso-8859-1").encode("utf-8"))
    assert TEXT in d.text and "charset-mismatch" in d.flags


def test_nfd_and_entities_normalised() -> None:
    nfd = unicodedata.normalize("NFD", TEXT)
    d = decode_body(page(nfd).encode("utf-8"))
    assert TEXT in d.text and "nfc-normalised" in d.flags
    t, changed = normalise_text("Đắk L&#7855;k&nbsp;&ocirc;")
    assert t == "Đắk Lắk ô"


def test_garbage_is_flagged_not_silent() -> None:
    d = decode_body(bytes(range(0x80, 0x100)) * 20)
    assert "garbled-text" in d.flags


def test_viet_score_orders_readings() -> None:
    assert viet_score(TEXT) > 0.3
    assert viet_score(TEXT.encode("utf-8").decode("latin-1")) < 0


@pytest.mark.parametrize("make,flag", [
    (lambda h: to_cp1258(h), "legacy-encoding:windows-1258"),
    (lambda h: to_vni(h), "legacy-encoding:vni"),
    (lambda h: h.encode("utf-8").decode("latin-1").encode("utf-8"), "mojibake-repaired"),
])
def test_fault_pages_extract_readable_articles(make, flag) -> None:
    html = page(TEXT * 2, "utf-8")
    res = extract_page(make(html), "https://xa.example.gov.vn/tin/1.html")
    assert res.title == "Hội nghị triển khai nghị quyết"
    assert TEXT in res.text and flag in res.quality_flags and res.lang == "vi"


def test_tcvn3_font_text_saved_as_utf8_is_converted() -> None:
    """Old portals typed TCVN3 with a .VnTime font: the HTML (even UTF-8) shows Latin-1 glyphs."""
    plain = TEXT.replace("Ủ", "U").replace("Đ", "D").lower()
    html = page(plain).replace("Tin tức", "tin tức").replace("Hội nghị triển khai", "hội nghị triển khai")
    glyphs = to_tcvn3(html).decode("latin-1")
    d = decode_body(glyphs.encode("utf-8"))
    assert plain in d.text and "legacy-encoding:tcvn3" in d.flags
    res = extract_page(glyphs.encode("utf-8"), "https://xa.example.gov.vn/tin/2.html")
    assert plain in res.text and "legacy-encoding:tcvn3" in res.quality_flags


def test_vni_font_text_saved_as_utf8_is_converted() -> None:
    glyphs = to_vni(page(TEXT)).decode("cp1252")
    d = decode_body(glyphs.encode("utf-8"))
    assert TEXT in d.text and "legacy-encoding:vni" in d.flags


def test_mixed_page_unicode_template_with_legacy_body_is_repaired_per_run() -> None:
    """A Unicode portal template around a body pasted from a TCVN3 document (and one mojibake line)."""
    plain = TEXT.replace("Ủ", "U").replace("Đ", "D").lower()
    body = to_tcvn3(plain).decode("latin-1")
    moji = TEXT.encode("utf-8").decode("latin-1")
    html = page(body).replace("</body>", f"<p>{moji}</p></body>")
    d = decode_body(html.encode("utf-8"))
    assert "Hội nghị triển khai nghị quyết" in d.text and "Tin tức" in d.text
    assert plain in d.text and TEXT in d.text
    assert {"legacy-encoding:tcvn3", "mojibake-repaired", "mixed-encoding"} <= set(d.flags)
    assert "garbled-text" not in d.flags
