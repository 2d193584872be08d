"""Encoding repair never harms clean text (issue 20, item 2).

A clean UTF-8 Vietnamese page stays exactly as written even with a line of German, Spanish or French
in it (Ä £ Ì Ñ are not VNI); curly quotes, "×" and a capital with a circumflex before punctuation are
not mojibake; C1 controls of a Windows-1252 page read as Latin-1 become their characters. The
must-not-change list follows ftfy's own test cases in spirit: text that merely looks odd.
"""
from __future__ import annotations

import pytest

from nlp.encoding import decode_body, normalise_text, repair_mojibake
from nlp.extract import extract_page

VI = ("Người đàn ông 45 tuổi ở xã Ea Kao được đưa vào bệnh viện vì xuất huyết tiêu hóa; các bác sĩ đã "
      "truyền máu và theo dõi sức khỏe của ông suốt đêm.")
VI2 = ("Ủy ban nhân dân tỉnh Đắk Lắk tổ chức hội nghị triển khai kế hoạch tuyên truyền Nghị quyết Đại hội "
       "Đảng bộ tỉnh lần thứ XVII; người dân ở các buôn, thôn đồng tình hưởng ứng.")

FOREIGN = [
    "Äpfel und Birnen kosten 3 £ auf dem Markt in München; Über die Straße ging ein Mädchen.",
    "El Niño y la niña: ÑANDÚ, año, mañana, ¿Qué tal? ¡Olé!",
    "À la française : Ìle, Ève, Œuvre, façade, garçon, naïve, cœur, Noël.",
    "Ærøskøbing, Ålesund, Þingvellir, ß, Ø, Æ — Nordic names.",
    "Ça coûte 12 € ou 10 £ (prix × 2) — « très cher » ±5 %.",
]

MUST_NOT_CHANGE = [
    "“Quoted text” and ‘single quotes’ — an English sentence.",
    "The result is 3 × 4 = 12, and 10 ÷ 2 = 5.",
    "2×3 is 6; 5× zoom; the × sign.",
    "“×” is the multiplication sign.",
    "ÂN, Â! Ê? Ô; Â. ÊÔ, Â:",
    "Giá: 5 triệu ₫ — 3 £",
    "Ông Trần Văn Ân, bà Lê Thị Ê-đê, anh Y Ŷ Niê",
    "Ê, sao vậy? Ô! Â.",
    "naïve café résumé",
    "Москва — столица России",
    "日本語のテキスト",
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ",
    "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý",
    "Temperature: 37 °C ± 0.5",
    "Copyright © 2021 — All rights reserved ®",
    "He said “Ô out loud.",
    "10 µg, ½ cup, ¼ tsp, ¾ done",
    "§ 12 ¶ 3",
    "I ♥ NY, ★★★★☆",
    "Ğ ğ İ ı Ş ş — Türkçe",
    "Łódź, Kraków, Gdańsk",
    "ƒ(x) = x²",
    "“Ê”",
    "ÃN và ÃÂ: chữ hoa có dấu",
    "Đắk Lắk, Đắk Nông, Krông Pắc, M'Đrắk, Ea H'leo, Cư M'gar",
    "Ỹ ỹ Ỵ ỵ Ỷ ỷ Ỳ ỳ Ự ự Ữ ữ",
    "Tên: Y Ngông Niê Kđăm, H'Hen Niê, Ksor Ƀơn",
    "Niê Thuột, Mơ-nông, Ê-đê, Gia-rai",
    "© ® ™ • … ‰ ′ ″",
    "¿Dónde está? ¡Aquí!",
    "“Ý Đảng, lòng dân”",
]
RARE_VI = ["Ỹ ỹ Ỵ ỵ Ỷ ỷ Ỳ ỳ", "Y Ngông Niê Kđăm", "Ksor Ƀơn", "H'Hen Niê", "thuở", "khuya", "Nguyễn Thị Ỷ"]


def page(*paras: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<html><head><meta charset="utf-8"><title>Tin tức</title></head><body><h1>Hội nghị triển khai'
            f"</h1><div class='date'>17/06/2021 08:30</div>{body}</body></html>").encode()


@pytest.mark.parametrize("foreign", FOREIGN)
def test_clean_page_with_a_foreign_line_is_kept(foreign: str) -> None:
    d = decode_body(page(VI, foreign, VI2))
    assert d.encoding == "utf-8"
    assert VI in d.text and VI2 in d.text and foreign in d.text, d.flags
    assert not any(f.startswith(("legacy-encoding", "mojibake")) for f in d.flags)


@pytest.mark.parametrize("text", MUST_NOT_CHANGE)
def test_repair_mojibake_leaves_clean_text(text: str) -> None:
    assert repair_mojibake(text) in (None, text)


@pytest.mark.parametrize("text", MUST_NOT_CHANGE)
def test_clean_page_of_odd_text_is_kept(text: str) -> None:
    d = decode_body(page(VI, text))
    assert text in d.text and VI in d.text, (d.flags, d.text[-300:])


def test_english_page_with_curly_quotes_and_times() -> None:
    en = ["He said “this is fine” and left.", "The area is 3 × 4 metres; ‘quote’ — dash.",
          "Prices rose 5 × in “real” terms."]
    d = decode_body(page(*en))
    for p in en:
        assert p in d.text, d.text
    assert d.flags == []


@pytest.mark.parametrize("name", RARE_VI)
def test_rare_vietnamese_letters(name: str) -> None:
    d = decode_body(page(VI, f"Ông {name} phát biểu tại hội nghị.", VI2))
    assert f"Ông {name} phát biểu" in d.text and d.flags == []


def test_c1_controls_become_their_characters() -> None:
    """A Windows-1252 page declared ISO-8859-1: \\x85 is "…", \\x93/\\x94 curly quotes, \\x96 a dash."""
    body = ('<html><head><meta charset="iso-8859-1"><title>News</title></head><body>'
            "<p>Caf\xe9 \x93d\xe9j\xe0 vu\x94 \x96 wait\x85</p></body></html>").encode("latin-1")
    d = decode_body(body)
    text, _ = normalise_text(d.text)
    assert "Café “déjà vu” – wait…" in text
    assert "\x85" not in text and "\x93" not in text


def test_c1_control_inside_utf8_text_is_an_ellipsis() -> None:
    text, _ = normalise_text(f"{VI}\u0085 Tiếp theo")
    assert "tiêu hóa; các" in text and "đêm.… Tiếp theo" in text


def test_foreign_line_page_extracts_clean_article() -> None:
    body = page(VI, FOREIGN[0], VI2, VI, VI2)
    res = extract_page(body, "https://example.vn/tin-tuc/bai-1.html")
    assert "tiêu hóa" in res.text and "đàn ông" in res.text and "Äpfel" in res.text
    assert not any(f.startswith(("legacy-encoding", "mojibake", "mixed-encoding")) for f in res.quality_flags)


def test_only_the_broken_block_is_repaired() -> None:
    """One double-encoded paragraph in a clean page: that paragraph is repaired, the rest untouched."""
    broken = "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in VI2.encode("utf-8"))
    d = decode_body(page(VI, broken, FOREIGN[1]))
    assert VI in d.text and VI2 in d.text and FOREIGN[1] in d.text, d.text
    assert "mojibake-repaired" in d.flags
