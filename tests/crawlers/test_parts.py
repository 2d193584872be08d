"""The crawler's pure parts: URL shapes, pagination numbers, traps, feeds, sitemaps, error kinds, ids."""
from __future__ import annotations

import gzip

import pytest
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.error import ConnectionRefusedError, TCPTimedOutError

from crawlers import links as L
from crawlers.feeds import FeedError, parse_feed, parse_sitemap
from crawlers.middlewares import CrawlIgnored
from crawlers.settings import build_settings
from crawlers.spiders.units import error_kind
from crawlers.store import column_id


@pytest.mark.parametrize("url,article", [
    ("https://x.gov.vn/web/guest/tin-tuc/-/view_content/102049-ky-luat-dang-vien", True),
    ("https://baodaklak.vn/kinh-te/gia-ca-phe-hom-nay-42434.html", True),
    ("https://huyen.daklak.gov.vn/2022/12/31/huyen-so-ket-thuc-hien-chi-thi-58063", True),
    ("https://x.vn/mot-bai-viet-rat-dai-khong-co-so-hieu-nao-ca", True),
    ("https://x.gov.vn/web/guest/dua-nghi-quyet-dai-hoi-xiii-vao-cuoc-song", False),  # a Liferay page
    ("https://x.vn/category/chao-mung-dai-hoi-dang-cac-cap-tinh-nha/", False),
    ("https://x.vn/thoi-su/?page=2", False),
    ("https://x.vn/tai-lieu/quyet-dinh-so-125-2022.pdf", False),
    ("https://x.vn/", False),
])
def test_looks_like_article(url: str, article: bool) -> None:
    assert L.looks_like_article(url) is article


@pytest.mark.parametrize("url,n", [("https://x.vn/a?_101_cur=3&p_p_id=101", 3), ("https://x.vn/a/?page=2", 2),
                                   ("https://x.vn/category/a/page/4/", 4), ("https://x.vn/a/trang-5", 5),
                                   ("https://x.vn/a", None), ("https://x.vn/lich?month=2022-12", None)])
def test_page_number(url: str, n: int | None) -> None:
    assert L.page_number(url) == n


def test_next_page_prefers_rel_next_and_ignores_other_listings() -> None:
    html = ('<html><head><link rel="next" href="/tin?page=2"></head><body>'
            '<a href="/khac?page=2">2</a></body></html>')
    assert L.next_page(html, "https://x.vn/tin") == "https://x.vn/tin?page=2"
    html = '<html><body><a href="/khac?page=2">2</a><a href="/tin?page=3">3</a></body></html>'
    assert L.next_page(html, "https://x.vn/tin") is None  # neither is page 2 of /tin


def test_menu_skips_language_switch_and_offsite_links() -> None:
    html = ('<html><body><nav><a href="/">Trang chủ</a><a href="/tin-tuc">Tin tức</a>'
            '<a href="/en" hreflang="en">English</a><a href="https://other.vn/x">Liên kết</a></nav></body></html>')
    assert [m.text for m in L.menu_links(html, "https://x.vn/", ("x.vn",))] == ["Tin tức"]


def test_feed_and_robots_discovery() -> None:
    html = ('<html><head><link rel="alternate" type="application/rss+xml" href="/rss">'
            '<link rel="alternate" hreflang="en" href="/en"></head></html>')
    assert L.feed_links(html, "https://x.vn/") == ["https://x.vn/rss"]
    assert L.robots_sitemaps("User-agent: *\nSitemap: /sm.xml\nsitemap: https://x.vn/b.xml\n", "https://x.vn/") == \
        ["https://x.vn/sm.xml", "https://x.vn/b.xml"]


def test_suspicious_urls() -> None:
    assert L.suspicious_url("https://x.vn/a/en/vi/en")
    assert L.suspicious_url("https://x.vn/a/b/a/c/a.html")
    assert L.suspicious_url("https://x.vn/" + "a" * 500)
    assert not L.suspicious_url("https://x.vn/web/guest/tin/-/view_content/1-abc")


def test_feed_problems_are_reported_not_fatal() -> None:
    good = b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>https://x.vn/a-1234</link></item></channel></rss>'
    entries, problem = parse_feed(good, "https://x.vn/rss", "application/rss+xml")
    assert [e.url for e in entries] == ["https://x.vn/a-1234"] and problem is None
    broken = good.replace(b"</channel></rss>", "<item><title>Tin & <b>mới</title>".encode())
    entries, problem = parse_feed(broken, "https://x.vn/rss", "application/rss+xml")
    assert problem and "malformed" in problem
    with pytest.raises(FeedError):
        parse_feed(b"<html><body>not a feed", "https://x.vn/rss", "text/html")


def test_sitemaps_plain_gzip_and_index() -> None:
    body = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://x.vn/a-1234</loc><lastmod>2022-12-30T08:00:00+07:00</lastmod></url></urlset>")
    kind, entries = parse_sitemap(body)
    assert kind == "urlset" and entries[0].url == "https://x.vn/a-1234"
    assert entries[0].published is not None and entries[0].published.hour == 1  # in UTC
    assert parse_sitemap(gzip.compress(body)) == (kind, entries)
    idx = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://x.vn/s1.xml</loc></sitemap></sitemapindex>'
    assert parse_sitemap(idx)[0] == "sitemapindex"
    with pytest.raises(FeedError):
        parse_sitemap(b"<html></html>")


def test_error_kinds() -> None:
    assert error_kind(CrawlIgnored("page-budget", "x")) == "page-budget"
    assert error_kind(IgnoreRequest("Forbidden by robots.txt")) == "robots-disallowed"
    assert error_kind(TCPTimedOutError()) == "timeout"
    assert error_kind(ConnectionRefusedError()) == "connection-refused"
    assert error_kind(CannotResolveHostError("DNS lookup failed: no results")) == "dns"


def test_column_ids_are_stable_and_per_unit() -> None:
    assert column_id("a", "https://x.vn/c") == column_id("a", "https://x.vn/c")
    assert column_id("a", "https://x.vn/c") != column_id("b", "https://x.vn/c")


def test_settings_from_config() -> None:
    s = build_settings({"user_agent": "chuyenmuc/9 (+{contact_url})", "contact_url": "https://u.vn/c",
                        "concurrent_per_site": 2, "proxy": "http://127.0.0.1:9"})
    assert s["USER_AGENT"] == "chuyenmuc/9 (+https://u.vn/c)"
    assert s["CHUYENMUC_PROXY"] == "http://127.0.0.1:9" and s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert s["ROBOTSTXT_OBEY"] and s["AUTOTHROTTLE_ENABLED"]
    assert s["TELNETCONSOLE_ENABLED"] is False and s["REMOTE_CONTROL_ENABLED"] is False
    assert build_settings({}, proxy="http://p:1")["CHUYENMUC_PROXY"] == "http://p:1"


def test_pages_stored_under_an_older_canonical_form_stay_known(tmp_path) -> None:
    """A page stored before the Liferay parameters were dropped from canonical URLs is still known,
    under today's form, so the crawl does not fetch it again."""
    import datetime as dt
    import zlib

    from crawlers.store import CrawlStore
    from pipeline.setup_db import init_db
    from registry import load_plan, load_units
    from tests.conftest import PLAN, UNITS
    from warehouse.batch import write_rows
    from warehouse.db import connect
    from warehouse.ids import url_id
    db = tmp_path / "w.duckdb"
    init_db(db, load_plan(PLAN), load_units(UNITS))
    old = ("https://x.gov.vn/web/guest/tt/-/view_content/38-bai.html?p_p_col_id=column-1"
           "&redirect=https%3A%2F%2Fx.gov.vn%2Fweb%2Fguest%2Ftt")
    con = connect(db)
    try:
        write_rows(con, "pages", [dict(page_id=url_id(old), url=old, fetched_url=old, unit_id="so-nnptnt",
                                       source_id=None, column_id=None, run_id=None, fetched_at=dt.datetime(2022, 1, 1),
                                       http_status=200, headers="{}", content_type="text/html",
                                       declared_charset=None, body_zlib=zlib.compress(b"x"), body_size=1,
                                       body_sha1="x", extract_status=None)])
        known = CrawlStore(con, None).load(["so-nnptnt"]).page_urls
    finally:
        con.close()
    assert old in known
    assert "https://x.gov.vn/web/guest/tt/-/view_content/38-bai.html" in known


def test_crawl_defaults_come_from_the_config_model() -> None:
    """One place for a crawl default (registry/config.py): the settings module and a config that leaves
    a key out both take the typed model's value, so the two cannot drift apart."""
    import crawlers.settings as module
    from registry.config import CrawlSection

    d = CrawlSection()
    for s in (build_settings({}), {k: getattr(module, k) for k in dir(module) if k.isupper()}):
        assert s["DOWNLOAD_DELAY"] == d.download_delay and s["DOWNLOAD_TIMEOUT"] == d.timeout
        assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == d.concurrent_per_site and s["RETRY_TIMES"] == d.retries
        assert s["CHUYENMUC_PAGE_BUDGET"] == d.page_budget_per_site and s["DOWNLOAD_MAXSIZE"] == d.download_maxsize
        assert s["DEPTH_LIMIT"] == d.max_depth + d.listing_max_pages + 2
    assert build_settings({"download_delay": 3})["DOWNLOAD_DELAY"] == 3.0


def test_one_page_budget_and_one_site_rule() -> None:
    """The spider and the scope middleware spend the same PageBudget, and the middleware's offsite
    check is the spider's `same_site` (www./m. aliases in, other subdomains out)."""
    import asyncio

    import pytest
    from scrapy import Request

    from crawlers.middlewares import CrawlIgnored, PageBudget, UnitScopeMiddleware

    b = PageBudget(2)
    assert [b.spend("u"), b.spend("u"), b.spend("u"), b.spend("v")] == [True, True, False, True]
    mw = UnitScopeMiddleware(budget=1, max_url=400)

    def ask(url: str) -> None:
        asyncio.run(mw.process_request(Request(url, meta={"unit_id": "u", "unit_domains": ("www.x.vn",)})))

    ask("https://x.vn/a")  # the bare domain of www.x.vn is the same site
    with pytest.raises(CrawlIgnored) as e:
        ask("https://www.x.vn/b")
    assert e.value.kind == "page-budget"
    mw.budget = PageBudget(10)
    for url in ("https://other.x.vn/c", "https://y.vn/"):
        with pytest.raises(CrawlIgnored) as e:
            ask(url)
        assert e.value.kind == "offsite"
