"""Fuzzing extraction: the date parser, the encoding repair, and extract_page on mutated real pages.

Whatever a page holds, extract_page returns a result or raises an ExtractError (typed, with a kind);
the date parser returns None or a +07:00 datetime in its valid window; decoding never raises.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, SHARED_DATA, run_cli
from tests.reliability import known_bugs
from tests.reliability.fuzz_settings import RELIABILITY

pytest.importorskip("nlp.extract", reason="the extract branch is not merged")

from nlp.dates import parse_vietnamese_date, parse_with_time  # noqa: E402
from nlp.encoding import decode_body, normalise_text, repair_mojibake  # noqa: E402
from nlp.extract import ExtractError, extract_page  # noqa: E402

ICT = dt.timezone(dt.timedelta(hours=7))
FETCHED = dt.datetime(2021, 6, 1, 9, 0, tzinfo=ICT)

# ---- the date parser ------------------------------------------------------------------------------
_DATE_WORDS = ["ngày", "tháng", "năm", "lúc", "giờ", "phút", "trước", "hôm qua", "hôm nay", "Thứ hai", "Chủ nhật",
               "cập nhật", "GMT+7", "SA", "CH", "AM", "PM", "/", "-", ".", ":", ",", " ", "(", ")", "|", "T", "Z",
               "+07:00", "tuần", "giây", "0", "1", "12", "29", "30", "31", "02", "13", "99", "2021", "1995", "1900",
               "2099", "99999999999999999999", "-1", "٣", "２０２１", "\u200b", "\x00"]
date_text = st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_DATE_WORDS), max_size=20).map("".join),
                      st.lists(st.sampled_from(_DATE_WORDS), max_size=20).map(" ".join))
fetched_times = st.one_of(st.none(), st.just(FETCHED),
                          st.datetimes(min_value=dt.datetime(1996, 1, 1), max_value=dt.datetime(2090, 1, 1)),
                          st.datetimes(min_value=dt.datetime(1996, 1, 1), max_value=dt.datetime(2090, 1, 1),
                                       timezones=st.sampled_from([dt.UTC, ICT])))


@RELIABILITY
@given(date_text, fetched_times)
def test_date_parser_never_raises_and_stays_in_window(text: str, fetched: dt.datetime | None) -> None:
    r = parse_vietnamese_date(text, fetched)
    if r is None:
        return
    assert r.tzinfo is not None
    ref = fetched if fetched is not None else dt.datetime.now(ICT)
    if ref.tzinfo is None:
        ref = ref.replace(tzinfo=ICT)
    assert dt.datetime(1995, 1, 1, tzinfo=ICT) - dt.timedelta(days=1) <= r <= ref + dt.timedelta(days=2), (text, r)
    assert parse_with_time(text, fetched) is not None


@RELIABILITY
@given(st.integers(-10**6, 10**6), st.integers(-100, 100), st.integers(-100, 100))
def test_date_parser_numeric_garbage(y: int, m: int, d: int) -> None:
    for s in (f"{d}/{m}/{y}", f"ngày {d} tháng {m} năm {y}", f"{y}-{m}-{d}", f"{d}/{m}/{y} {m}:{d}"):
        parse_vietnamese_date(s, FETCHED)


# ---- encoding ------------------------------------------------------------------------------------
CHARSETS = ["utf-8", "UTF-8", "windows-1258", "cp1252", "tcvn3", "x-viet-tcvn5712", "vni", "utf-16", "utf-32",
            "utf-7", "x-bogus-42", "", "rot13", "base64", "zlib", "bz2", "idna", "punycode", "hex", "uu",
            "quopri", "utf-8\x00", '"utf-8', "utf-8; charset=utf-16", "iso-8859-1", "gb18030", "shift_jis"]
headers_st = st.one_of(st.none(), st.builds(lambda c: {"Content-Type": f"text/html; charset={c}"},
                                            st.sampled_from(CHARSETS)),
                       st.dictionaries(st.text(max_size=15), st.text(max_size=40), max_size=3))
VI_SAMPLE = "Đưa Nghị quyết Đại hội XIII của Đảng vào cuộc sống: tuyên truyền sâu rộng đến cán bộ, đảng viên."


@st.composite
def page_bytes(draw: st.DrawFn) -> bytes:
    enc = draw(st.sampled_from(["utf-8", "cp1258", "utf-16", "latin-1-mojibake", "raw"]))
    text = VI_SAMPLE * draw(st.integers(0, 3))
    if enc == "utf-8":
        body = text.encode()
    elif enc == "cp1258":
        body = text.encode("cp1258", "replace")
    elif enc == "utf-16":
        body = text.encode("utf-16")
    elif enc == "latin-1-mojibake":
        body = text.encode().decode("latin-1").encode("utf-8")
    else:
        body = draw(st.binary(max_size=300))
    meta = draw(st.sampled_from(["", "<meta charset='{c}'>", '<meta http-equiv="Content-Type" content="text/html; charset={c}">']))
    prefix = meta.format(c=draw(st.sampled_from(CHARSETS))).encode("latin-1", "replace")
    return prefix + body + draw(st.binary(max_size=20))


def _decode(body: bytes, headers: dict | None):
    try:
        return decode_body(body, headers)
    except ValueError as e:
        if known_bugs.match(e):
            return None
        raise


@RELIABILITY
@given(page_bytes(), headers_st)
def test_decode_body_never_raises(body: bytes, headers: dict | None) -> None:
    d = _decode(body, headers)
    if d is None:
        return
    assert isinstance(d.text, str)
    assert isinstance(d.flags, list)


NUL_BUG = ("extract: nlp/encoding.py _codec() calls codecs.lookup(name) on the charset named by a Content-Type "
           "header or <meta>; a name with a NUL byte raises ValueError ('embedded null character'), which "
           "escapes decode_body and extract_page (the extract job then marks the page an error)")


@pytest.mark.parametrize("where", ["header",
                                   "meta"])
def test_charset_with_nul_is_ignored(where: str) -> None:
    body = VI_SAMPLE.encode() * 3
    headers = None
    if where == "header":
        headers = {"Content-Type": "text/html; charset=utf-8\x00"}
    else:
        body = b"<meta charset='utf-8\x00'>" + body
    assert "Nghị quyết" in decode_body(body, headers).text


@RELIABILITY
@given(st.text(max_size=300))
def test_repair_and_normalise_never_raise(text: str) -> None:
    r = repair_mojibake(text)
    assert r is None or isinstance(r, str)
    n, changed = normalise_text(text)
    assert isinstance(n, str) and isinstance(changed, bool)


def test_mojibake_repair_round_trip() -> None:
    """Text that went UTF-8 -> Latin-1 (once or twice) comes back whole."""
    once = VI_SAMPLE.encode().decode("latin-1")
    assert repair_mojibake(once) == VI_SAMPLE
    assert repair_mojibake(once.encode().decode("latin-1")) == VI_SAMPLE
    d = decode_body(VI_SAMPLE.encode("utf-8").decode("latin-1").encode("utf-8"), None)
    assert "Nghị quyết" in d.text


# ---- extract_page on mutated pages ---------------------------------------------------------------
def _seed_pages() -> list[tuple[str, bytes]]:
    out = []
    fx = ROOT / "tests" / "fixtures" / "extract"
    for p in sorted(fx.rglob("*")):
        if p.suffix in (".html", ".md"):
            out.append((f"https://fixture.daklak.gov.vn/{p.parent.name}/{p.stem}-1000.html", p.read_bytes()))
    pages = SHARED_DATA / "pages"
    if pages.is_dir():
        for p in sorted(pages.rglob("*.html"))[:20]:
            out.append((f"https://shared.example.vn/{p.stem}-1000.html", p.read_bytes()[:300_000]))
    return out


SEEDS = _seed_pages()
HOSTILE_SNIPPETS = [
    b"<div>" * 5000, b"</div>" * 5000, b"<table><tr><td>" * 2000,
    b"<script>alert('x')</script>", b"<meta charset='x-bogus'>", b"<meta charset='utf-16'>",
    b"\x00\x00\x00", b"\xff\xfe\xfd", b"\xed\xa0\x80", b"<!--", b"<![CDATA[", b"<?xml version='1.0'?>",
    b'<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"99999-99-99T99:99"}</script>',
    b'<script type="application/ld+json">{"@type":["NewsArticle",{}],"datePublished":[1,2],"headline":{"a":1}}</script>',
    b'<script type="application/ld+json">[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]</script>',
    b'<meta property="article:published_time" content="ngay 31 thang 2 nam 2021">',
    b'<meta property="article:published_time" content="-0001-01-01T00:00:00Z">',
    b'<link rel="canonical" href="http://[::1/x">', b'<link rel="canonical" href="http://a:99999/x">',
    b'<base href="javascript:alert(1)">', b'<a href="http://[::1">x</a>',
    b"<p>" + "Nghị quyết ".encode() * 20000 + b"</p>",
    b'<img src="x" alt="' + b"A" * 100000 + b'">',
    b"&#0;&#xD800;&#x110000;&#99999999999;&amp;&lol;",
    b"---\ntitle: [unclosed\ndate: 31/02/2021\n---\n",
    b"%PDF-1.4", b"PK\x03\x04",
]


@st.composite
def mutated_page(draw: st.DrawFn) -> tuple[str, bytes]:
    url, body = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "snippet", "snippet", "cut"]))
        i = draw(st.integers(0, max(0, len(body))))
        if op == "flip" and body:
            i = min(i, len(body) - 1)
            body = body[:i] + bytes([draw(st.integers(0, 255))]) + body[i + 1:]
        elif op == "truncate":
            body = body[:i]
        elif op == "insert":
            body = body[:i] + draw(st.binary(max_size=50)) + body[i:]
        elif op == "snippet":
            body = body[:i] + draw(st.sampled_from(HOSTILE_SNIPPETS)) + body[i:]
        elif op == "cut":
            j = draw(st.integers(i, len(body)))
            body = body[:i] + body[j:]
    return url, body


def _extract_typed(url: str, body: bytes, headers: dict | None = None) -> None:
    try:
        res = extract_page(body, url, headers, FETCHED)
    except ExtractError as e:
        assert e.kind and isinstance(e.kind, str)
        return
    except Exception as e:
        if known_bugs.match(e):
            return
        raise
    assert isinstance(res.text, str)
    assert res.kind in ("article", "listing", "page", "document", "empty", "not-vietnamese")
    if res.published_at is not None:
        assert res.published_at.tzinfo is not None
        assert res.published_at <= FETCHED + dt.timedelta(days=2)


@pytest.mark.skipif(not SEEDS, reason="no seed pages")
@settings(RELIABILITY, max_examples=int(os.environ.get("RELIABILITY_EXTRACT_EXAMPLES", "60")))
@given(mutated_page(), headers_st)
def test_extract_page_on_mutated_pages(page: tuple[str, bytes], headers: dict | None) -> None:
    _extract_typed(page[0], page[1], headers)


@pytest.mark.parametrize("i", range(len(HOSTILE_SNIPPETS)))
def test_extract_page_hostile_snippet_alone_and_in_page(i: int) -> None:
    snippet = HOSTILE_SNIPPETS[i]
    _extract_typed("https://x.daklak.gov.vn/tin-tuc/a-1000.html", snippet)
    if SEEDS:
        url, body = SEEDS[i % len(SEEDS)]
        mid = len(body) // 2
        _extract_typed(url, body[:mid] + snippet + body[mid:])


@pytest.mark.parametrize("url", ["", "not a url", "http://[::1/x", "http://a:99999/x", "javascript:alert(1)",
                                 "https://x.daklak.gov.vn/" + "a/" * 5000])
def test_extract_page_with_hostile_url(url: str) -> None:
    _extract_typed(url, ("<html><body><h1>Tiêu đề</h1><p>" + VI_SAMPLE * 10 + "</p></body></html>").encode())


CANON_BUG = ("extract: a page's own <link rel=canonical> with a bad netloc or port escapes extract_page as a bare "
             "ValueError (nlp/extract/page.py Page.canonical: urljoin(base, href) and canonical_url(full) are "
             "not guarded), so `chuyenmuc extract-page` prints a traceback instead of a typed error")
BAD_CANONICAL = {"ipv6": b'<link rel="canonical" href="http://[::1/x">',
                 "port": b'<link rel="canonical" href="http://x.daklak.gov.vn:99999/x">',
                 "og-url": b'<meta property="og:url" content="http://[::1/x">'}


@pytest.mark.parametrize("name", sorted(BAD_CANONICAL))
def test_extract_page_bad_rel_canonical_is_typed(name: str) -> None:
    body = (b"<html><head>" + BAD_CANONICAL[name] + b"</head><body><h1>T</h1><p>"
            + VI_SAMPLE.encode() * 10 + b"</p></body></html>")
    try:
        extract_page(body, "https://x.daklak.gov.vn/tin-tuc/a-1000.html", None, FETCHED)
    except ExtractError:
        pass


def test_cli_extract_page_bad_rel_canonical_no_traceback(tmp_path: Path) -> None:
    f = tmp_path / "canon.html"
    f.write_bytes(b"<html><head>" + BAD_CANONICAL["ipv6"] + b"</head><body><p>" + VI_SAMPLE.encode() * 10
                  + b"</p></body></html>")
    r = run_cli("extract-page", str(f), "--url", "https://x.daklak.gov.vn/tin-tuc/a-1000.html")
    assert "Traceback" not in r.err and r.code in (0, 1), (r.code, r.err[-500:])


def test_extract_page_deep_nesting_is_bounded() -> None:
    """100,000 nested <div>s (1.1 MB): extraction ends (result or typed error) in bounded time."""
    body = b"<html><body>" + b"<div>" * 100_000 + VI_SAMPLE.encode() * 20 + b"</div>" * 100_000 + b"</body></html>"
    code = (f"import sys, datetime as dt; sys.path.insert(0, {str(ROOT)!r})\n"
            "from nlp.extract import extract_page, ExtractError\n"
            "body = sys.stdin.buffer.read()\n"
            "try:\n    extract_page(body, 'https://x.daklak.gov.vn/a-1000.html')\n"
            "except ExtractError:\n    pass\n")
    t = time.monotonic()
    p = subprocess.run([sys.executable, "-c", code], input=body, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert time.monotonic() - t < 120


CLI_PAGES = {
    "empty": b"",
    "binary": b"\x89PNG\r\n\x1a\n" + bytes(100),
    "invalid-utf8": b"<html><body><p>\xff\xfe\xc3\x28 " + VI_SAMPLE.encode() * 5 + b"</p></body></html>",
    "nul-bytes": b"<html>\x00<body>\x00" + VI_SAMPLE.encode() * 5 + b"</body></html>",
    "script-only": b"<script>alert(1)</script>",
}


@pytest.mark.parametrize("name", sorted(CLI_PAGES))
def test_cli_extract_page_typed_exit(name: str, tmp_path: Path) -> None:
    f = tmp_path / f"{name}.html"
    f.write_bytes(CLI_PAGES[name])
    r = run_cli("extract-page", str(f), "--url", "https://x.daklak.gov.vn/tin-tuc/a-1000.html")
    assert r.code in (0, 1), (r.code, r.err)
    assert "Traceback" not in r.err
    if r.code == 1:
        assert str(f.name) in r.err or "x.daklak.gov.vn" in r.err
