"""Against the demo province web (skipped when the demoweb package is not importable): every family's
articles get their true title and date, its faults are handled, the syndicated article's reposts are
linked to the original through the extract job."""
from __future__ import annotations

import http.client
import json
import zlib
from datetime import datetime
from urllib.parse import urlsplit

import pytest

demoweb_server = pytest.importorskip("demoweb.server", reason="demoweb (the demo web) is not on this branch")

from nlp.extract import extract_page  # noqa: E402
from pipeline.extract_job import run_extract  # noqa: E402
from warehouse.batch import write_rows  # noqa: E402
from warehouse.db import connect, migrate  # noqa: E402
from warehouse.ids import url_id  # noqa: E402

FETCHED = datetime.fromisoformat("2023-01-01T00:00:00+07:00")


@pytest.fixture(scope="module")
def web():
    with demoweb_server.DemoWeb(scale=1, seed=7) as w:
        yield w


def fetch(web, url: str) -> tuple[int, dict, bytes]:
    """GET through the demo server; a flaky site's 500 is retried, as the crawler does."""
    for _ in range(3):
        status, headers, body = _get(web, url)
        if status < 500:
            break
    return status, headers, body


def _get(web, url: str) -> tuple[int, dict, bytes]:
    u = urlsplit(url)
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
    try:
        c.request("GET", u.path + (f"?{u.query}" if u.query else ""), headers={"Host": u.hostname})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def sample(truth: dict) -> list[dict]:
    """Every fault article, every syndicated copy, and up to 12 plain articles per site family."""
    arts = [a for a in truth["articles"] if a.get("robots_allowed", True)]
    picked = [a for a in arts if a.get("fault") and a["fault"] not in ("huge-page", "oversized-page")]
    picked += [a for a in arts if a.get("repost_of")]
    originals = {a["repost_of"] for a in picked if a.get("repost_of")}
    picked += [a for a in arts if a["url"] in originals]
    per_host: dict[str, int] = {}
    for a in arts:
        h = urlsplit(a["url"]).hostname
        if not a.get("fault") and per_host.get(h, 0) < 2:
            per_host[h] = per_host.get(h, 0) + 1
            picked.append(a)
    return list({a["url"]: a for a in picked}.values())


def test_demo_articles_title_date_and_faults(web) -> None:
    truth = web.truth()
    families = set()
    for a in sample(truth):
        status, headers, body = fetch(web, a["url"])
        assert status == 200, a["url"]
        res = extract_page(body, a["url"], headers, FETCHED)
        families.add(res.family)
        if a.get("fault") == "empty-body-pdf":
            assert res.kind == "document" and "pdf-only" in res.quality_flags and not res.is_article
            continue
        assert res.is_article, (a["url"], res.kind)
        assert res.title == a["title"], a["url"]
        assert res.published_at == datetime.fromisoformat(a["published_at"]), a["url"]
        assert res.lang == "vi"
        for label in ("Tin khác", "Cơ quan chủ quản", "Ghi rõ nguồn", "Trang chủ"):
            assert label not in res.text, (a["url"], label)
        flag = {"legacy-encoding": "legacy-encoding:windows-1258", "mojibake": "mojibake-repaired",
                "charset-mismatch": "charset-mismatch"}.get(a.get("fault") or "")
        if flag:
            assert flag in res.quality_flags, (a["url"], res.quality_flags)
            assert "Ã" not in res.text and "á»" not in res.text
    assert families >= {"liferay", "news_cms", "wordpress"}


def test_demo_home_and_listings_are_not_articles(web) -> None:
    truth = web.truth()
    for unit in truth["units"]:
        if not unit.get("site"):
            continue
        status, headers, body = fetch(web, unit["site"])
        if unit.get("unreachable") == "site-down":  # the demo's dead site answers 503 every night
            assert status == 503, unit["site"]
            continue
        assert status == 200, unit["site"]
        assert not extract_page(body, unit["site"], headers).is_article, unit["site"]
        col = unit.get("column")
        if col:
            status, headers, body = fetch(web, col["url"])
            if status == 200:
                assert not extract_page(body, col["url"], headers).is_article, col["url"]


def test_demo_syndicated_reposts_linked_by_the_job(web, tmp_path) -> None:
    truth = web.truth()
    reposts = [a for a in truth["articles"] if a.get("repost_of")]
    assert reposts
    originals = {a["repost_of"] for a in reposts}
    wanted = [a for a in truth["articles"] if a["url"] in originals] + reposts
    rows = []
    for a in wanted:
        status, headers, body = fetch(web, a["url"])
        rows.append({"page_id": url_id(a["url"]), "url": a["url"], "fetched_url": a["url"], "unit_id": a["unit_id"],
                     "fetched_at": datetime(2023, 1, 1), "http_status": status, "headers": json.dumps(headers),
                     "body_zlib": zlib.compress(body), "body_size": len(body)})
    con = connect(tmp_path / "demo.duckdb")
    migrate(con)
    write_rows(con, "pages", rows[::-1])  # reposts stored before their original: the link must still form
    counts = run_extract(con, batch_size=2)
    assert counts["article"] == len(wanted)
    got = dict(con.execute("SELECT url, repost_of FROM articles").fetchall())
    for a in reposts:
        assert got[a["url"]] == url_id(a["repost_of"]), a["url"]
    for u in originals:
        assert got[u] is None
    con.close()
