"""The real crawler (Scrapy engine, child process) against a tiny web on 127.0.0.1, twice: a first
night and a next night with two new articles. No demo web needed."""
from __future__ import annotations

from pathlib import Path

import pytest

from registry import load_plan, load_units
from registry.config import Config
from tests.conftest import PLAN, query
from tests.crawlers.minisite import MiniSite, MiniWeb
from warehouse.db import connect

FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_BACKOFF_BASE": 0.05, "DOWNLOAD_TIMEOUT": 5,
        "LOG_LEVEL": "WARNING"}

UNITS = """
schema = 1
registry_id = "mini"
plan = "daklak-2021"

[[units]]
unit_id = "so-a"
name = "Sở A"
kind = "department"
valid_from = 2021-01-01
site = "http://a.test/"
site_verified = false

[[units]]
unit_id = "so-b"
name = "Sở B"
kind = "department"
valid_from = 2021-01-01
site = "http://www.b.test/"
site_verified = false

[[units]]
unit_id = "so-c"
name = "Sở C"
kind = "department"
valid_from = 2021-01-01
site = "http://c.test/"
site_verified = false
"""


def _sites() -> list[MiniSite]:
    a = MiniSite("a.test", {"tin-tuc": "Tin tức", "dua-nq": "ĐƯA NGHỊ QUYẾT ĐẠI HỘI XIII VÀO CUỘC SỐNG",
                            "noi-bo": "Nội bộ"}, disallow=("/noi-bo/",))
    for i in range(1, 13):
        a.add(i, "tin-tuc" if i % 3 else "dua-nq", f"Bài số {i} của sở A")
    a.add(50, "noi-bo", "Tin nội bộ không được thu thập")
    b = MiniSite("www.b.test", {"tin-tuc": "Tin tức"}, down=True)
    c = MiniSite("c.test", {"thong-bao": "Thông báo"}, feed=False, sitemap=True)
    for i in range(1, 4):
        c.add(100 + i, "thong-bao", f"Thông báo {i}")
    c.add(200, "khac", "Chỉ có trong sitemap")
    return [a, b, c]


@pytest.fixture
def mini(tmp_path: Path):
    web = MiniWeb(_sites())
    proxy = web.start()
    units = tmp_path / "units.toml"
    units.write_text(UNITS, encoding="utf-8")
    yield web, proxy, load_units(units), tmp_path / "w.duckdb"
    web.stop()


def _crawl(db: Path, reg, proxy: str, settings_extra: dict | None = None, **kw) -> dict:
    from pipeline.crawl_job import run_crawl
    return run_crawl(db, load_plan(PLAN), reg, Config(), proxy=proxy, settings=dict(FAST, **(settings_extra or {})),
                     timeout=120, **kw)


def test_two_nights_on_a_mini_web(mini) -> None:
    web, proxy, reg, db = mini
    c1 = _crawl(db, reg, proxy)
    a, b, c = (web.sites[h] for h in ("a.test", "www.b.test", "c.test"))
    con = connect(db, read_only=True)
    try:
        stored = {r[0]: r[1] for r in con.execute("SELECT url, column_id FROM pages").fetchall()}
        expected = {f"https://a.test/{cat}/{p}.html" for p, cat, _ in a.articles if cat != "noi-bo"}
        expected |= {f"https://c.test/{cat}/{p}.html" for p, cat, _ in c.articles}
        assert set(stored) == expected  # every allowed article once, the sitemap-only one too
        cols = con.execute("SELECT unit_id, url, is_dedicated, matched_pattern FROM unit_columns").fetchall()
        dedicated = [(u, url) for u, url, d, _ in cols if d]
        assert dedicated == [("so-a", "https://a.test/dua-nq")]
        col_id = con.execute("SELECT column_id FROM unit_columns WHERE is_dedicated").fetchone()[0]
        in_col = {u for u, cid in stored.items() if cid == col_id}
        assert in_col == {f"https://a.test/dua-nq/{p}.html" for p, cat, _ in a.articles if cat == "dua-nq"}
        health = {(r[0], r[1]): r[2] for r in con.execute("SELECT unit_id, kind, status FROM source_health").fetchall()}
        assert health[("so-b", "site")] in ("failing", "dead")
        assert health[("so-a", "column")] in ("ok", "disallowed")
        assert ("so-a", "feed") in health and ("so-c", "sitemap") in health
        disallowed = con.execute("SELECT count(*) FROM source_health WHERE status = 'disallowed'").fetchone()[0]
        assert disallowed == 1
        kinds = {r[0] for r in con.execute("SELECT kind FROM run_errors").fetchall()}
        assert "robots-disallowed" in kinds
        body = con.execute("SELECT body_zlib, body_size, extract_status FROM pages LIMIT 1").fetchone()
        import zlib
        assert len(zlib.decompress(body[0])) == body[1] and body[2] is None
    finally:
        con.close()
    # the disallowed listing and article were never asked for
    assert not [e for e in web.log if e["path"].startswith("/noi-bo")]
    assert c1["new_articles"] == len(expected)

    # next night: two new articles, one in the column; robots.txt comes from the warehouse cache
    web.reset()
    new = {a.add(13, "dua-nq", "Bài mới trong chuyên mục"), c.add(104, "thong-bao", "Thông báo mới")}
    c2 = _crawl(db, reg, proxy)
    log = list(web.log)
    assert not [e for e in log if e["path"] == "/robots.txt"]
    con = connect(db, read_only=True)
    try:
        n_sources = con.execute("SELECT count(*) FROM source_health").fetchone()[0]
        now_stored = {r[0] for r in con.execute("SELECT url FROM pages").fetchall()}
    finally:
        con.close()
    assert now_stored - stored.keys() == {u.replace("http://", "https://") for u in new}
    assert c2["new_articles"] == 2
    assert len(log) <= n_sources + 1.1 * 2, log
    assert sum(1 for e in log if e.get("status") == 304) >= 1, log
    assert c2["not_modified"] >= 1


def test_page_budget_stops_a_site_and_says_so(mini) -> None:
    web, proxy, reg, db = mini
    counts = _crawl(db, reg, proxy, unit_ids=["so-a"], settings_extra={"CHUYENMUC_PAGE_BUDGET": 6})
    asked = [e for e in web.log if e["host"] == "a.test" and e["path"] != "/robots.txt"]
    assert len(asked) <= 6
    con = connect(db, read_only=True)
    try:
        kinds = {r[0] for r in con.execute("SELECT kind FROM run_errors WHERE unit_id = 'so-a'").fetchall()}
        n = con.execute("SELECT count(*) FROM pages").fetchone()[0]
    finally:
        con.close()
    assert "page-budget" in kinds
    assert n == counts["new_articles"] < len(web.sites["a.test"].articles)


def test_cli_crawl_with_units_and_proxy(mini, cli, tmp_path: Path) -> None:
    web, proxy, reg, db = mini
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(f'[paths]\nplan = "{PLAN}"\n\n[crawl]\ndownload_delay = 0\nretries = 0\n'
                   f'contact_url = "https://example.invalid/who"\n', encoding="utf-8")
    r = cli("crawl", "--config", str(cfg), "--units-file", reg.source_path, "--db", str(db),
            "--units", "so-c", "--proxy", proxy, "--json")
    assert r.code == 0, r.err
    import json
    counts = json.loads(r.out.strip().splitlines()[-1])
    assert counts["new_articles"] == len(web.sites["c.test"].articles)
    assert {e["host"] for e in web.log} == {"c.test"}
    assert all(e["ua"].startswith("chuyenmuc/") and "https://example.invalid/who" in e["ua"] for e in web.log)
    r = cli("crawl", "--config", str(cfg), "--units-file", reg.source_path, "--db", str(db), "--units", "nope")
    assert r.code == 2 and "nope" in r.err


def test_refetch_downloads_again_without_duplicates(mini) -> None:
    web, proxy, reg, db = mini
    _crawl(db, reg, proxy, unit_ids=["so-c"])
    con = connect(db, read_only=True)
    try:
        before = dict(con.execute("SELECT url, run_id FROM pages").fetchall())
    finally:
        con.close()
    web.reset()
    c = _crawl(db, reg, proxy, unit_ids=["so-c"], refetch=True)
    con = connect(db, read_only=True)
    try:
        after = dict(con.execute("SELECT url, run_id FROM pages").fetchall())
        dup = con.execute("SELECT count(*) - count(DISTINCT url) FROM pages").fetchone()[0]
    finally:
        con.close()
    assert set(after) == set(before) and dup == 0
    assert all(after[u] == c["run_id"] != before[u] for u in after)  # every page re-downloaded
    assert not [e for e in web.log if e["inm"]]  # and unconditionally
    assert c["new_articles"] == len(before)


def test_redirects_and_a_registry_column(tmp_path: Path) -> None:
    d = MiniSite("d.test", {"tin-tuc": "Tin tức", "chuyen-trang": "Chuyên trang"}, feed=False,
                 hidden=("chuyen-trang",), extra_nav={"/tin": "Tin"},
                 redirects={"/tin": "/tin-tuc/", "/cu/bai-cu-9999.html": "/tin-tuc/tin-bai-so-1-tin-tuc-1007.html"},
                 home_links=("/cu/bai-cu-9999.html",))
    d.add(1, "tin-tuc", "Bài một")
    d.add(2, "chuyen-trang", "Bài trong chuyên trang")
    web = MiniWeb([d])
    proxy = web.start()
    try:
        units = tmp_path / "units.toml"
        units.write_text(UNITS.split("[[units]]")[0] + """
[[units]]
unit_id = "so-d"
name = "Sở D"
kind = "department"
valid_from = 2021-01-01
site = "http://d.test/"
site_verified = false
sources = [{kind = "column", url = "http://d.test/chuyen-trang/", verified = false, name = "Chuyên trang"}]
""", encoding="utf-8")
        db = tmp_path / "d.duckdb"
        _crawl(db, load_units(units), proxy)
    finally:
        web.stop()
    con = connect(db, read_only=True)
    try:
        pages = dict(con.execute("SELECT url, fetched_url FROM pages").fetchall())
        cols = con.execute("SELECT url, is_dedicated, matched_pattern FROM unit_columns WHERE is_dedicated").fetchall()
        col_pages = con.execute("SELECT p.url FROM pages p JOIN unit_columns c USING (column_id)").fetchall()
    finally:
        con.close()
    # the redirected article is stored once, under its final URL; the redirected menu item was listed
    assert set(pages) == {"https://d.test/tin-tuc/tin-bai-so-1-tin-tuc-1007.html",
                          "https://d.test/chuyen-trang/tin-bai-so-2-chuyen-trang-2007.html"}
    assert cols == [("https://d.test/chuyen-trang", True, "(registry)")]
    assert col_pages == [("https://d.test/chuyen-trang/tin-bai-so-2-chuyen-trang-2007.html",)]
    assert any(e["status"] == 301 for e in web.log)


def test_column_found_later_claims_already_stored_articles(tmp_path: Path) -> None:
    e = MiniSite("e.test", {"tin-tuc": "Tin tức", "dua-nq": "Đưa Nghị quyết vào cuộc sống"}, hidden=("dua-nq",))
    e.add(1, "tin-tuc", "Bài một")
    in_col = {e.add(2, "dua-nq", "Bài hai"), e.add(3, "dua-nq", "Bài ba")}  # reachable via the feed only
    web = MiniWeb([e])
    proxy = web.start()
    try:
        units = tmp_path / "units.toml"
        units.write_text(UNITS.split("[[units]]")[0] + """
[[units]]
unit_id = "so-e"
name = "Sở E"
kind = "department"
valid_from = 2021-01-01
site = "http://e.test/"
site_verified = false
""", encoding="utf-8")
        db = tmp_path / "e.duckdb"
        reg = load_units(units)
        _crawl(db, reg, proxy)
        first = dict(_q(db, "SELECT url, column_id FROM pages"))
        e.hidden = ()  # the column appears in the menu the next night
        c2 = _crawl(db, reg, proxy)
    finally:
        web.stop()
    want = {u.replace("http://", "https://") for u in in_col}
    assert want <= set(first) and all(first[u] is None for u in want)
    col = _q(db, "SELECT column_id FROM unit_columns WHERE is_dedicated")
    after = dict(_q(db, "SELECT url, column_id FROM pages"))
    assert len(col) == 1 and {u for u, c in after.items() if c == col[0][0]} == want
    assert c2["new_articles"] == 0


_q = query  # tests.conftest: read-only rows of the warehouse


def test_failed_reread_is_not_retried_the_same_night_and_catches_up(tmp_path: Path) -> None:
    """Next night the column listing answers 500 once. The conditional re-read is not retried that night
    (one request, a failing health row that says why); the new article still comes in through the
    sitemap, and the night after, the listing is read again and the column claims it."""
    site = MiniSite("busy.test", {"dua-nq": "Đưa Nghị quyết vào cuộc sống", "tin": "Tin tức"}, feed=False,
                    sitemap=True)
    for i in range(1, 4):
        site.add(i, "dua-nq", f"Bài {i}")
    web = MiniWeb([site])
    proxy = web.start()
    try:
        units = tmp_path / "units.toml"
        units.write_text('schema = 1\nregistry_id = "mini"\nplan = "daklak-2021"\n[[units]]\nunit_id = "busy"\n'
                         'name = "Sở B"\nkind = "department"\nvalid_from = 2021-01-01\nsite = "http://busy.test/"\n'
                         'site_verified = false\n', encoding="utf-8")
        reg, db = load_units(units), tmp_path / "w.duckdb"
        _crawl(db, reg, proxy)
        web.reset()
        new = site.add(9, "dua-nq", "Bài mới").replace("http://", "https://")
        site.fail_once.add("/dua-nq/")
        c2 = _crawl(db, reg, proxy)
        assert [e["status"] for e in web.log if e["path"] == "/dua-nq/"] == [500]
        assert c2["new_articles"] == 1
        assert _q(db, f"SELECT column_id IS NULL FROM pages WHERE url = '{new}'") == [(True,)]
        health = _q(db, "SELECT status, consecutive_failures, last_error FROM source_health "
                        "WHERE url LIKE '%/dua-nq%'")
        assert health[0][:2] == ("failing", 1) and "read again next night" in health[0][2]
        assert _q(db, "SELECT count(*) FROM run_errors WHERE message LIKE '%read again next night%'") == [(1,)]
        web.reset()
        c3 = _crawl(db, reg, proxy)
        assert [e["status"] for e in web.log if e["path"] == "/dua-nq/"] == [200]
        assert c3["new_articles"] == 0
        assert _q(db, f"SELECT column_id IS NOT NULL FROM pages WHERE url = '{new}'") == [(True,)]
        assert _q(db, "SELECT status FROM source_health WHERE url LIKE '%/dua-nq%'") == [("ok",)]
    finally:
        web.stop()


def test_plain_scrapy_crawl_units_reads_the_config(mini, tmp_path: Path) -> None:
    """`scrapy crawl units -a units=ID` from the repo root: scrapy.cfg's project (pipeline.scrapy_project)
    applies chuyenmuc.toml's [crawl] section, creates the warehouse and hands the spider its store."""
    import os
    import subprocess
    import sys

    web, proxy, reg, db = mini
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(f'[paths]\nplan = "{PLAN}"\nunits = "{reg.source_path}"\ndb = "{db}"\n\n'
                   f'[crawl]\ndownload_delay = 0\nretries = 0\nproxy = "{proxy}"\n'
                   f'contact_url = "https://example.invalid/plain"\n', encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, CHUYENMUC_CONFIG=str(cfg))
    env.pop("CHUYENMUC_DB", None)
    r = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "units", "-a", "units=so-c", "-s", "LOG_LEVEL=WARNING",
                        "-s", "AUTOTHROTTLE_ENABLED=0"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert {e["host"] for e in web.log} == {"c.test"}
    assert all("https://example.invalid/plain" in e["ua"] for e in web.log)
    assert {u for (u,) in _q(db, "SELECT url FROM pages")} == {
        f"https://c.test/{cat}/{p}.html" for p, cat, _ in web.sites["c.test"].articles}
    # a writer like every other: it wrote the working database and published it, read-only on disk
    from warehouse.publish import work_path
    assert work_path(db).exists()
    assert not (db.stat().st_mode & 0o222), oct(db.stat().st_mode)
