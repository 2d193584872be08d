"""The real crawler (Scrapy engine, child process) against a tiny web on 127.0.0.1, twice: a first
night and a next night with two new articles. No demo web needed."""
from __future__ import annotations

from pathlib import Path

import pytest

from registry import load_plan, load_units
from registry.config import Config
from tests.conftest import PLAN
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
site_verified = true

[[units]]
unit_id = "so-b"
name = "Sở B"
kind = "department"
valid_from = 2021-01-01
site = "http://www.b.test/"
site_verified = true

[[units]]
unit_id = "so-c"
name = "Sở C"
kind = "department"
valid_from = 2021-01-01
site = "http://c.test/"
site_verified = true
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


def _crawl(db: Path, reg, proxy: str, **kw) -> dict:
    from pipeline.crawl_job import run_crawl
    return run_crawl(db, load_plan(PLAN), reg, Config(), proxy=proxy, settings=FAST, timeout=120, **kw)


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
