"""One bad page costs only itself (issue 22, item 1), and web text is sanitised once where it enters.

Real DuckDB files, real extraction (trafilatura/lxml and the CMS families), real underthesea. The
pages are the repository's extraction fixtures, stored through the crawler's own store; the hostile
page is the same article with lone surrogates in its JSON-LD headline and author (`"\\ud800"`), which
made the whole batch roll back and every night's extraction stop.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawlers.store import CrawlStore
from nlp.extract import extract_page
from nlp.sanitize import clean_web_text
from pipeline.extract_job import run_extract
from pipeline.setup_db import init_db
from registry import load_plan, load_units
from tests.conftest import PLAN, ROOT, UNITS
from tests.reliability.fuzz_settings import RELIABILITY

FIX = ROOT / "tests" / "fixtures" / "extract"
ARTICLE = (FIX / "news_cms" / "article_jsonld.html").read_bytes()
BASE = "https://baodaklak.vn/chinh-tri/bai-{}.html"
BAD_CHARS = ["\ud800", "\udfff", "\x00", "\x1b", "\u202e", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f",
             "\u200b", "\ufeff", "\u2060", "\x81", "\x9d"]

# the hostile page: the healthy article with lone surrogates as JSON escapes (valid JSON, valid UTF-8)
SURROGATE_PAGE = ARTICLE.replace(b'"headline": "H', b'"headline": "\\ud800H', 1).replace(
    b'"name": "Thu H', b'"name": "\\udfffThu H', 1)


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


# bidi overrides, zero-width and control characters in the visible title, body and JSON-LD
HIDDEN_PAGE = ARTICLE.replace(
    "Hội nghị học tập Chỉ thị 05".encode(), _bytes("\u202eHội nghị\u200b học tập\u2066 Chỉ thị 05\u2069\ufeff")).replace(
    "Hội nghị được tổ chức".encode(), _bytes("\x00Hội nghị\x07 được\u200d tổ chức\x85"))


def _db(tmp_path: Path, pages: list[tuple[str, bytes]]) -> Path:
    db = tmp_path / "w.duckdb"
    init_db(db, load_plan(PLAN), load_units(UNITS))
    con = duckdb.connect(str(db))
    store = CrawlStore(con, run_id=1)
    for url, body in pages:
        store.add_page(url=url, fetched_url=url, unit_id="bao-daklak", source_id=None, column=None, status=200,
                       headers={"Content-Type": "text/html; charset=utf-8"}, body=body,
                       content_type="text/html; charset=utf-8", charset="utf-8")
    store.close()
    con.close()
    return db


def _healthy(n: int, start: int = 0) -> list[tuple[str, bytes]]:
    # distinct bodies (an extra paragraph each), so no page is another's copy
    return [(BASE.format(i), ARTICLE.replace(b"</article>", f"<p>Tin số {i}.</p></article>".encode()))
            for i in range(start, start + n)]


def _no_bad(text: str | None) -> bool:
    return text is None or not any(c in text for c in BAD_CHARS)


def test_lone_surrogate_page_does_not_stop_extraction(tmp_path: Path) -> None:
    pages = _healthy(3) + [(BASE.format("xau"), SURROGATE_PAGE)] + _healthy(3, start=3)
    db = _db(tmp_path, pages)
    con = duckdb.connect(str(db))
    try:
        counts = run_extract(con, run_id=2)
        assert counts["pages"] == 7 and counts["article"] == 7, counts
        rows = con.execute("SELECT url, title, author FROM articles ORDER BY url").fetchall()
        assert len(rows) == 7
        bad = next(r for r in rows if r[0] == BASE.format("xau"))
        # the title comes from the visible <h1>; the JSON-LD author keeps its lone half as U+FFFD
        # (replaced, not deleted: a deletion could join what it separated)
        assert bad[1] == "Hội nghị học tập Chỉ thị 05 của Bộ Chính trị", bad
        assert bad[2] == "\ufffdThu Hà", bad
        assert all(_no_bad(t) and _no_bad(a) for _, t, a in rows)
        assert con.execute("SELECT count(*) FROM pages WHERE extract_status IS NULL").fetchone()[0] == 0
    finally:
        con.close()


def test_extract_all_cli_with_a_surrogate_page(tmp_path: Path, cli) -> None:
    db = _db(tmp_path, _healthy(2) + [(BASE.format("xau"), SURROGATE_PAGE)])
    r = cli("extract", "--all", "--db", str(db))
    assert r.code == 0, r.err[-2000:]
    assert "Traceback" not in r.err
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    con.close()


def test_a_page_that_cannot_be_stored_is_recorded_and_skipped(tmp_path: Path) -> None:
    """A write that fails for one page's row (here: an older article row holds the page's URL under
    another id, so the unique URL key refuses it) used to roll back the batch and stop the stage."""
    pages = _healthy(5)
    db = _db(tmp_path, pages)
    victim = pages[2][0]
    con = duckdb.connect(str(db))
    try:
        con.execute("INSERT INTO articles (article_id, url, unit_id, title, text) VALUES (1, ?, 'bao-daklak', 'cũ', 'cũ')",
                    [victim])
        counts = run_extract(con, run_id=7)
        assert counts["article"] == 4 and counts["error"] == 1, counts
        stored = {u for (u,) in con.execute("SELECT url FROM articles WHERE article_id <> 1").fetchall()}
        assert stored == {u for u, _ in pages} - {victim}
        st, err = con.execute("SELECT extract_status, extract_error FROM pages WHERE url = ?", [victim]).fetchone()
        assert st == "error" and "store-ConstraintException" in err
        errs = con.execute("SELECT run_id, stage, url, kind, message FROM run_errors").fetchall()
        assert len(errs) == 1
        assert errs[0][:4] == (7, "extract", victim, "store-ConstraintException")
        assert "url" in errs[0][4].lower() or "constraint" in errs[0][4].lower()
        # the next run does not stumble on it again (its status is set), and a fresh page still goes in
        assert run_extract(con, run_id=8)["pages"] == 0
    finally:
        con.close()


def test_hidden_characters_never_reach_the_warehouse(tmp_path: Path) -> None:
    db = _db(tmp_path, [(BASE.format("an"), HIDDEN_PAGE)])
    con = duckdb.connect(str(db))
    try:
        run_extract(con, run_id=2)
        title, text = con.execute("SELECT title, text FROM articles").fetchone()
        assert title == "Hội nghị học tập Chỉ thị 05 của Bộ Chính trị"
        # (the HTML parser itself turns a NUL in text into U+FFFD, as HTML5 says)
        assert "Hội nghị được tổ chức trực tiếp" in text, text[:300]
        assert _no_bad(title) and _no_bad(text) and "\u200d" not in text
    finally:
        con.close()


def test_crawler_store_cleans_names_and_messages(tmp_path: Path) -> None:
    db = _db(tmp_path, [])
    con = duckdb.connect(str(db))
    try:
        store = CrawlStore(con, run_id=3)
        store.column("bao-daklak", "https://baodaklak.vn/chuyen-muc", "\u202eChuyên\u200b mục\x00 Nghị quyết\u2069",
                     True, None)
        store.error("bao-daklak", "https://baodaklak.vn/x", "feed-parse", "bad \ud800 feed \u202e")
        store.close()
        name = con.execute("SELECT name FROM unit_columns").fetchone()[0]
        msg = con.execute("SELECT message FROM run_errors").fetchone()[0]
        assert name == "Chuyên mục Nghị quyết"
        assert msg == "bad \ufffd feed "
    finally:
        con.close()


@pytest.mark.parametrize(("raw", "clean"), [
    ("Đắk Lắk", "Đắk Lắk"),
    ("a\ud800b", "a\ufffdb"),
    ("\ud83d\ude00", "\U0001f600"),                 # a surrogate pair is its character
    ("x\x00y\x01z", "xyz"),
    ("dòng\x0btrang\x0c", "dòng trang "),           # VT/FF are layout: a space
    ("tab\tLF\nCR\r", "tab\tLF\nCR\r"),
    ("Xem thêm\x85", "Xem thêm…"),                   # C1 read as Windows-1252: \x85 is an ellipsis
    ("\x93trích\x94", "“trích”"),
    ("a\x81b\x9dc", "abc"),                          # C1 with no Windows-1252 character
    ("\u202eabc\u202c \u2066x\u2069 \u200fy\u200e", "abc x y"),
    ("\u200bĐắk\u2060Lắk\ufeff", "ĐắkLắk"),
    ("\u200d đầu\u200c cuối \u200d", " đầu cuối "),  # joiners outside words go
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),     # inside an emoji sequence they stay
])
def test_clean_web_text(raw: str, clean: str) -> None:
    assert clean_web_text(raw) == clean
    assert clean_web_text(clean) == clean  # idempotent


def test_clean_text_is_untouched() -> None:
    """Clean input is never harmed: every fixture's extracted text passes unchanged (same object)."""
    for html in sorted(FIX.glob("*/*.html")):
        res = extract_page(html.read_bytes(), "https://baodaklak.vn/" + html.stem + ".html")
        for t in (res.title, res.text, res.author):
            if t:
                assert clean_web_text(t) is t
                assert unicodedata.is_normalized("NFC", t)


def test_an_article_that_cannot_be_tokenized_costs_only_itself() -> None:
    """underthesea raises on a lone surrogate (a text that reached tokenizing without the boundary's
    cleaning, e.g. from an older extractor or another loader): the batch is tokenized article by
    article and only that one is reported, by id, with underthesea's reason."""
    from pipeline.tag_job import tokenize_rows
    rows = [(1, "Tiêm vắc xin", "Ngành y tế tổ chức tiêm vắc xin."), (2, "Hỏng \ud800", "Văn bản \ud800 lỗi."),
            (3, "Lễ hội", "Người dân tham gia lễ hội đường phố.")]
    done, failed = tokenize_rows(rows, processes=1)
    assert [r[0] for r, _ in done] == [1, 3]
    assert done[0][1][0] == "Tiêm vắc_xin"
    assert [(aid, type(e).__name__) for aid, e in failed] == [(2, "UnicodeEncodeError")]


def test_hidden_characters_do_not_reach_the_weekly_report(tmp_path: Path) -> None:
    """A column name and an article from the web, both full of bidi and zero-width characters, as the
    weekly summary (Markdown and HTML) shows them: clean."""
    from pipeline.reports.settings import set_setting
    from pipeline.reports.weekly import write_weekly
    from warehouse import refresh_views
    url = BASE.format("an")
    db = _db(tmp_path, [(url, HIDDEN_PAGE)])
    con = duckdb.connect(str(db))
    try:
        store = CrawlStore(con, run_id=1)
        cid = store.column("bao-daklak", "https://baodaklak.vn/dua-nghi-quyet-vao-cuoc-song",
                           "\u202eĐưa Nghị quyết\u200b vào cuộc sống\u2069\u200f", True, "(registry)")
        store.attribute(url, cid)
        store.close()
        run_extract(con, run_id=2)
        refresh_views(con)
        set_setting(con, "as_of", "2021-12-31")  # the column, last fed in March, is dormant: the report names it
        out = write_weekly(con, tmp_path / "reports", "2021-W52")
        texts = [Path(p).read_text(encoding="utf-8") for p in out.values()]
        assert any("Đưa Nghị quyết vào cuộc sống" in t for t in texts), texts[0][:2000]
        for t in texts:
            assert _no_bad(t), [c for c in BAD_CHARS if c in t]
    finally:
        con.close()


@RELIABILITY
@given(st.text(alphabet=st.characters(codec=None), max_size=200))
def test_clean_web_text_fuzz(s: str) -> None:
    """Any string at all (lone surrogates included): a result every UTF-8 writer accepts, with no
    control, bidi or invisible character left, and cleaning it again changes nothing."""
    out = clean_web_text(s)
    out.encode("utf-8")
    assert _no_bad(out)
    assert not any(0x80 <= ord(c) <= 0x9F or (ord(c) < 0x20 and c not in "\t\n\r") for c in out)
    assert clean_web_text(out) == out
