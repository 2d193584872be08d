"""Tokenization with the real underthesea: NFC, compounds joined by '_', stopwords, bulk = serial."""
from __future__ import annotations

import unicodedata

from nlp.tokenize import stopwords, tokenize, tokenize_article, tokenize_articles, tokenizer_version, truncate_body


def test_compounds_joined_and_case_kept():
    toks = tokenize("Đắk Lắk tiêm vắc xin phòng COVID-19 cho cử tri").split()
    assert "vắc_xin" in toks
    assert "cử_tri" in toks
    assert "COVID-19" in toks


def test_nfd_input_tokenizes_like_nfc():
    text = "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIII"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert tokenize(nfd) == tokenize(text)


def test_empty_and_lines():
    assert tokenize("") == ""
    assert tokenize("  \n ") == ""
    assert tokenize_article(None, None) == ("", "")
    two = tokenize("Bầu cử đại biểu Quốc hội.\nCử tri đi bầu.").split()
    assert "Bầu_cử" in two and "Cử_tri" in two


def test_stopwords_in_token_form():
    sw = stopwords()
    assert "và" in sw and "của" in sw and "tuy_nhiên" in sw
    for content in ("đảng", "dịch", "bầu_cử", "covid-19"):
        assert content not in sw


def test_truncate_keeps_whole_words():
    body = "một hai ba " * 1000
    cut = truncate_body(body, 100)
    assert len(cut) <= 100 and not cut.endswith(("mộ", "ha", "b"))
    assert truncate_body("ngắn", 100) == "ngắn"
    assert truncate_body(body, None) == body


def test_bulk_over_processes_equals_serial():
    items = [(f"Tin số {i}: phòng, chống dịch", f"Ngày {i}, tỉnh tổ chức tiêm vắc xin cho người dân.")
             for i in range(45)]
    serial = tokenize_articles(items, processes=1)
    bulk = tokenize_articles(items, processes=2)
    assert bulk == serial
    assert "vắc_xin" in bulk[7][1]


def test_version_names_tokenizer():
    assert "underthesea" in tokenizer_version()
