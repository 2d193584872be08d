"""The running demo web over real HTTP on 127.0.0.1: proxy forms, families, feeds, sitemaps, robots, 304, nights."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
import urllib.parse
import urllib.robotparser
import xml.etree.ElementTree as ET

import feedparser
import pytest

from demoweb.server import DemoWeb
from demoweb.world import BAD_FEED_HOST, FLAKY_HOST, SLOW_HOST
from tests.demoweb.conftest import fetch, fetch_tls, get_ok

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def links(html: bytes) -> list[str]:
    return re.findall(r'href="([^"]+)"', html.decode("utf-8", "replace"))


def test_starts_fast_and_builds_pages_lazily():
    t0 = time.monotonic()
    w = DemoWeb()
    port = w.start(0)
    try:
        assert time.monotonic() - t0 < 5
        assert port == w.port and w.proxy_url == f"http://127.0.0.1:{port}"
        assert w.app._cache == {}  # nothing rendered before the first request
        assert fetch(w, "http://baodaklak.vn/").status == 200
        assert len(w.app._cache) == 1
    finally:
        w.stop()


def test_every_registry_site_answers_by_host_name(web):
    truth = web.truth()
    sites = [u for u in truth["units"] if u["site"]]
    assert len(sites) == len(web.hosts) == 40
    for u in sites:
        if u["unreachable"] == "site-down":  # down every night: 503, and up again when asked
            assert fetch(web, u["site"]).status == 503
            web.set_site_down(urllib.parse.urlsplit(u["site"]).hostname, False)
        r = get_ok(web, u["site"])
        assert r.status == 200, u["site"]
        assert b"<nav" in r.body
    assert fetch(web, "http://unknown.example.vn/").status == 502


def test_direct_host_header_and_connect_tls(web):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    c.request("GET", "/robots.txt", headers={"Host": "stttt.daklak.gov.vn"})
    r = c.getresponse()
    assert r.status == 200 and b"User-agent: *" in r.read()
    c.request("GET", "/", headers={"Host": "nowhere.invalid"})
    r = c.getresponse()
    r.read()
    assert r.status == 404
    c.close()
    r = fetch_tls(web, "baodaklak.vn", "/thoi-su/")
    assert r.status == 200 and b'class="story__title"' in r.body
    vias = {(s["host"], s["via"]) for s in web.stats()}
    assert ("baodaklak.vn", "connect") in vias and ("stttt.daklak.gov.vn", "direct") in vias


def test_every_truth_article_is_served(web):
    truth = web.truth()
    big = {f["url"] for f in truth["faults"] if f["kind"] == "huge-page"}
    for a in truth["articles"]:
        if a["url"] in big:
            r = get_ok(web, a["url"], method="HEAD")
        else:
            r = get_ok(web, a["url"])
        assert r.status == 200, a["url"]
        if a["url"] not in big and a.get("fault") not in ("legacy-encoding", "mojibake"):
            assert a["title"] in html.unescape(r.body.decode("utf-8")), a["url"]


def test_liferay_family_markup(web):
    r = fetch(web, "http://stttt.daklak.gov.vn/")
    html = r.body.decode()
    truth = web.truth()
    unit = next(u for u in truth["units"] if u["unit_id"] == "so-tttt")
    assert "<title>Sở Thông tin và Truyền thông tỉnh Đắk Lắk</title>" in html or "<title>" in html
    assert 'class="portlet-layout"' in html and "p_p_id_101_" in html
    if unit["column"]:
        assert f'href="{unit["column"]["href"]}"' in html
    lst = fetch(web, "http://stttt.daklak.gov.vn/web/guest/tin-tuc-su-kien").body.decode()
    assert re.search(r"Ngày đăng \d\d/\d\d/\d{4} \| \d\d:\d\d [AP]M", lst)
    assert 'class="asset-title"' in lst
    # pagination through _101_cur on the busiest Liferay category
    site = web.world.sites["daklak.gov.vn"]
    arts = web.app.visible(site, web.as_of)
    n = len([a for a in arts if a.category == "tin-tuc-su-kien"])
    assert n > 10
    p1 = fetch(web, "http://daklak.gov.vn/web/guest/tin-tuc-su-kien").body.decode()
    assert "_101_cur=2" in p1
    p2 = fetch(web, "http://daklak.gov.vn" + site.category_path("tin-tuc-su-kien", 2))
    assert p2.status == 200 and p2.body.count(b'class="asset-title"') == min(10, n - 10)
    title = re.search(r"<title>(.*?)</title>", lst).group(1)
    assert title == web.world.sites["stttt.daklak.gov.vn"].name


def test_paper_family_markup(web):
    home = fetch(web, "http://baodaklak.vn/").body.decode()
    assert 'type="application/rss+xml"' in home and 'href="/thoi-su/"' in home
    cat = fetch(web, "http://baodaklak.vn/thoi-su/").body.decode()
    assert re.search(r"\d\d/\d\d/\d{4} - \d\d:\d\d", cat)
    href = re.search(r'class="story__title"><a href="([^"]+)"', cat).group(1)
    art = fetch(web, "http://baodaklak.vn" + href).body.decode()
    assert 'class="article__sapo' in art and 'class="article__author"' in art
    assert re.search(r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật), \d\d/\d\d/\d{4} \d\d:\d\d", art)
    assert f'<link rel="canonical" href="https://baodaklak.vn{href}">' in art
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', art).group(1))
    assert ld["@type"] == "NewsArticle" and ld["datePublished"].endswith("+07:00")
    site = web.world.sites["baodaklak.vn"]
    arts = web.app.visible(site, web.as_of)
    slug = max((c.slug for c in site.categories), key=lambda c: sum(a.category == c for a in arts))
    assert sum(a.category == slug for a in arts) > 10
    assert f'href="/{slug}/?page=2"' in fetch(web, f"http://baodaklak.vn/{slug}/").body.decode()
    p2 = fetch(web, f"http://baodaklak.vn/{slug}/?page=2")
    assert p2.status == 200 and b'class="story__title"' in p2.body
    assert fetch(web, f"http://baodaklak.vn/{slug}/?page=99").status == 404


def test_wordpress_family_markup(web):
    site = max((s for s in web.world.sites.values() if s.family == "wp" and s.host not in (FLAKY_HOST, SLOW_HOST)),
               key=lambda s: len([a for a in web.app.visible(s, web.as_of) if a.category == "tin-tuc"]))
    home = fetch(web, f"http://{site.host}/").body.decode()
    assert 'id="site-navigation"' in home and "/category/" in home
    cat = fetch(web, f"http://{site.host}/category/tin-tuc/").body.decode()
    assert re.search(r'<time class="entry-date published" datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:00\+07:00">', cat)
    assert re.search(r"(Ngày|ngày) \d{1,2} tháng \d{1,2} năm \d{4}", cat)
    big = max((s for s in web.world.sites.values() if s.family == "wp"),
              key=lambda s: len([a for a in web.app.visible(s, web.as_of) if a.category == "tin-tuc"]))
    first = fetch(web, f"http://{big.host}/category/tin-tuc/").body.decode()
    if "/category/tin-tuc/page/2/" in first:
        assert get_ok(web, f"http://{big.host}/category/tin-tuc/page/2/").status == 200


def test_feeds_parse_with_feedparser(web):
    feeds = [s for s in web.world.sites.values() if s.feed_path]
    assert len(feeds) >= 5
    families = set()
    for s in feeds:
        if s.host == SLOW_HOST:
            continue
        r = get_ok(web, f"http://{s.host}{s.feed_path}")
        assert r.status == 200 and r.header("etag") and r.header("last-modified")
        f = feedparser.parse(r.body)
        if s.host == BAD_FEED_HOST:
            assert f.bozo
            continue
        assert not f.bozo, (s.host, f.bozo_exception)
        assert f.entries and all(e.link.startswith(f"https://{s.host}/") for e in f.entries)
        assert f.entries[0].published_parsed >= f.entries[-1].published_parsed
        home = get_ok(web, f"http://{s.host}/").body.decode()
        assert f'type="application/rss+xml" title="{html.escape(s.name)}" href="{s.feed_path}"' in home
        families.add(s.family)
    assert families == {"liferay", "paper", "wp"}


def test_robots_and_sitemaps_with_lastmod(web):
    truth = web.truth()
    disallowed = {a["url"] for a in truth["articles"] if not a["robots_allowed"]}
    assert disallowed
    with_sitemap = 0
    for s in web.world.sites.values():
        if s.host in (SLOW_HOST,):
            continue
        web.set_site_down(s.host, False)
        robots = get_ok(web, f"http://{s.host}/robots.txt").body.decode()
        rp = urllib.robotparser.RobotFileParser()
        rp.parse(robots.splitlines())
        for a in truth["articles"]:
            if a["url"].startswith(f"https://{s.host}/"):
                assert rp.can_fetch("chuyenmuc", a["url"]) == a["robots_allowed"], a["url"]
        if not s.sitemap_path:
            assert "Sitemap:" not in robots
            continue
        with_sitemap += 1
        assert f"Sitemap: https://{s.host}{s.sitemap_path}" in robots
        root = ET.fromstring(get_ok(web, f"http://{s.host}{s.sitemap_path}").body)
        locs = {u.find(f"{SM}loc").text: u.find(f"{SM}lastmod").text for u in root}
        mine = [a for a in truth["articles"] if a["url"].startswith(f"https://{s.host}/") and a["robots_allowed"]]
        for a in mine:
            assert locs[a["url"]] == a["published_at"]
    assert 5 <= with_sitemap < len(web.hosts)
    # disallowed articles are still linked, so a crawler ignoring robots.txt would fetch them
    host = next(iter(disallowed)).split("/")[2]
    home = get_ok(web, f"http://{host}/").body.decode()
    assert any(u.split(host, 1)[1] in home for u in disallowed)


def test_conditional_get_answers_304(web):
    for url in ("http://baodaklak.vn/", "http://baodaklak.vn/rss/home.rss", "http://baodaklak.vn/sitemap.xml",
                "http://baodaklak.vn/thoi-su/", "http://stttt.daklak.gov.vn/web/guest/tin-tuc-su-kien"):
        r = fetch(web, url)
        etag, lm = r.header("etag"), r.header("last-modified")
        assert r.status == 200 and etag and lm
        assert fetch(web, url, headers={"If-None-Match": etag}).status == 304
        assert fetch(web, url, headers={"If-Modified-Since": lm}).status == 304
        assert fetch(web, url, headers={"If-None-Match": '"stale"'}).status == 200
        assert fetch(web, url, headers={"If-Modified-Since": "Mon, 01 Mar 2021 00:00:00 GMT"}).status == 200
    a = web.truth()["articles"][-1]
    r = fetch(web, a["url"])
    assert dt.datetime.strptime(r.header("last-modified"), "%a, %d %b %Y %H:%M:%S GMT").replace(
        tzinfo=dt.UTC) == dt.datetime.fromisoformat(a["published_at"])
    assert fetch(web, a["url"], headers={"If-None-Match": r.header("etag")}).status == 304


def test_second_night_shows_new_articles_in_feeds_listings_and_sitemaps():
    with DemoWeb(as_of="2022-12-30", slow_seconds=0) as w:
        before = {a["url"] for a in w.truth()["articles"]}
        feed1 = fetch(w, "http://baodaklak.vn/rss/home.rss")
        sm1 = fetch(w, "http://baodaklak.vn/sitemap.xml")
        home1 = fetch(w, "http://daklak.gov.vn/")
        w.set_as_of("2022-12-31")
        new = [a for a in w.truth()["articles"] if a["url"] not in before]
        assert len(new) >= 5 and len({a["unit_id"] for a in new}) >= 3
        for a in new:
            assert fetch(w, a["url"]).status == 200
        assert fetch(w, "http://baodaklak.vn/rss/home.rss", headers={"If-None-Match": feed1.header("etag")}).status == 200
        feed2 = fetch(w, "http://baodaklak.vn/rss/home.rss")
        new_urls = {a["url"] for a in new}
        assert {e.link for e in feedparser.parse(feed2.body).entries} & new_urls
        assert not {e.link for e in feedparser.parse(feed1.body).entries} & new_urls
        sm2 = fetch(w, "http://baodaklak.vn/sitemap.xml")
        assert sm2.body != sm1.body and any(u.encode() in sm2.body for u in new_urls)
        assert fetch(w, "http://daklak.gov.vn/", headers={"If-Modified-Since": home1.header("last-modified")}).status == 200
        w.set_as_of("2022-12-30")
        for a in new:
            assert fetch(w, a["url"]).status == 404


def test_faults_are_served_as_listed(web):
    truth = web.truth()
    faults = {f["kind"]: f for f in truth["faults"]}
    # flaky: every other request fails, a retry succeeds
    statuses = [fetch(web, f"http://{FLAKY_HOST}/").status for _ in range(4)]
    assert statuses.count(500) == 2 and statuses.count(200) == 2
    # slow
    t0 = time.monotonic()
    assert fetch(web, f"http://{SLOW_HOST}/robots.txt").status == 200
    assert time.monotonic() - t0 >= web.slow_seconds
    # charset declared Latin-1, bytes are UTF-8
    r = fetch(web, faults["charset-mismatch"]["url"])
    assert "iso-8859-1" in r.header("content-type")
    assert "Nghị" in r.body.decode("utf-8") or "ị" in r.body.decode("utf-8")
    # legacy Windows-1258
    r = fetch(web, faults["legacy-encoding"]["url"])
    assert "windows-1258" in r.header("content-type")
    with pytest.raises(UnicodeDecodeError):
        r.body.decode("utf-8")
    import unicodedata
    legacy = unicodedata.normalize("NFC", r.body.decode("cp1258"))
    title = next(a["title"] for a in truth["articles"] if a["url"] == faults["legacy-encoding"]["url"])
    assert title in legacy
    # mojibake: UTF-8 read as Latin-1 and saved again
    r = fetch(web, faults["mojibake"]["url"])
    moj = r.body.decode("utf-8")
    assert title not in moj and "Ã" in moj
    assert moj.encode("latin-1").decode("utf-8").count("<p>") >= 2
    # huge pages: one a few MB, one over the 8 MB download cap
    for f in truth["faults"]:
        if f["kind"] == "huge-page":
            r = fetch(web, f["url"], method="HEAD")
            size = int(r.header("content-length"))
            assert size >= f["bytes_at_least"]
            assert (size > 8_000_000) == f["over_download_cap"]
    # empty body, only a PDF link that works
    r = fetch(web, faults["empty-body-pdf"]["url"])
    pdf = re.search(r'href="(/documents/[^"]+\.pdf)"', r.body.decode()).group(1)
    host = faults["empty-body-pdf"]["url"].split("/")[2]
    p = fetch(web, f"http://{host}{pdf}")
    assert p.status == 200 and p.body.startswith(b"%PDF") and p.header("content-type") == "application/pdf"
    assert 'class="sapo"><strong></strong>' in r.body.decode()
    # hostile titles are escaped text, never markup
    r = fetch(web, faults["script-title"]["url"]).body.decode()
    assert "<script>alert(1)</script>" not in r and "&lt;script&gt;alert(1)&lt;/script&gt;" in r
    r = fetch(web, faults["formula-title"]["url"]).body.decode()
    assert "=HYPERLINK(&quot;" in r
    # malformed feed
    assert feedparser.parse(fetch(web, faults["malformed-feed"]["url"]).body).bozo
    # syndicated: reposts credit the provincial portal and link the original
    syn = faults["syndicated"]
    for rp in syn["reposts"]:
        body = get_ok(web, rp).body.decode()
        assert "Theo Cổng TTĐT tỉnh" in body and f'href="{syn["url"]}"' in body


def test_crawler_traps_never_end(web):
    truth = web.truth()
    for f in (f for f in truth["faults"] if f["kind"] == "crawler-trap"):
        url = f["url"]
        host = url.split("/")[2]
        seen = set()
        for _ in range(6):
            r = get_ok(web, url)
            assert r.status == 200
            seen.add(url)
            nxt = [h for h in links(r.body) if ("/en" in h and f["trap"] == "language-switch")
                   or ("month=" in h and f["trap"] == "calendar")]
            nxt = [f"https://{host}{h.replace('&amp;', '&')}" for h in nxt if h.startswith("/")]
            fresh = [u for u in nxt if u not in seen]
            assert fresh, url
            url = max(fresh, key=len) if f["trap"] == "language-switch" else fresh[-1]
        assert len(seen) == 6


def test_site_down_and_back():
    with DemoWeb(slow_seconds=0) as w:
        host = "stttt.daklak.gov.vn"
        assert fetch(w, f"http://{host}/").status == 200
        w.set_site_down(host, True)
        assert fetch(w, f"http://{host}/").status == 503
        assert fetch(w, "http://baodaklak.vn/").status == 200
        w.set_site_down(host, True, mode="reset")
        import http.client
        with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
            fetch(w, f"http://{host}/", timeout=5)
        w.set_site_down(host, False)
        assert fetch(w, f"http://{host}/").status == 200


def test_stats_and_control_endpoint():
    with DemoWeb(slow_seconds=0) as w:
        fetch(w, "http://baodaklak.vn/")
        fetch(w, "http://baodaklak.vn/nope")
        st = w.stats()
        assert [(s["host"], s["path"], s["status"], s["via"]) for s in st] == [
            ("baodaklak.vn", "/", 200, "proxy"), ("baodaklak.vn", "/nope", 404, "proxy")]
        assert all({"host", "path", "method", "status", "bytes", "via", "ts"} <= set(s) for s in st)
        remote = json.loads(fetch(w, "http://demo.control/stats").body)
        assert [s["path"] for s in remote] == ["/", "/nope"]
        assert json.loads(fetch(w, "http://demo.control/as-of?date=2022-12-31").body)["as_of"] == "2022-12-31"
        assert w.as_of == dt.date(2022, 12, 31)
        fetch(w, "http://demo.control/down?host=baodaklak.vn&down=1")
        assert fetch(w, "http://baodaklak.vn/").status == 503
        fetch(w, "http://demo.control/reset-stats")
        assert w.stats() == []


def test_home_menu_links_every_category_and_the_column(web):
    import unicodedata
    truth = {u["unit_id"]: u for u in web.truth()["units"]}
    for site in web.world.sites.values():
        if site.host == SLOW_HOST:
            continue
        web.set_site_down(site.host, False)  # the site that is down every night, brought up to look at
        home = html.unescape(get_ok(web, f"http://{site.host}/").body.decode())
        nav = home[home.index("<nav"):home.index("</nav>")]
        for c in site.categories:
            assert f'href="{site.category_path(c.slug)}"' in home, (site.host, c.slug)
            if not c.is_column:
                assert f'href="{site.category_path(c.slug)}"' in nav
        col = truth[site.unit_id]["column"]
        if col:
            assert col["name"] in home and f'href="{col["href"]}"' in home
            assert unicodedata.normalize("NFC", col["name"]) in unicodedata.normalize("NFC", home)
    names = [u["column"]["name"] for u in truth.values() if u["column"]]
    assert any(not unicodedata.is_normalized("NFC", n) for n in names)  # decomposed accents, as some editors store
    assert any(n.isupper() for n in names) and any("XIII" in n for n in names) and any("XIII" not in n for n in names)


def test_trailing_slash_and_head_requests(web):
    a = next(a for a in web.truth()["articles"] if "/2022/" in a["url"] and not a["fault"])
    assert get_ok(web, a["url"] + "/").status == 200
    r = get_ok(web, a["url"], method="HEAD")
    assert r.status == 200 and r.body == b"" and int(r.header("content-length")) > 1000
    assert fetch(web, "http://baodaklak.vn/khong-co-trang-nay/").status == 404


def test_unreachable_sites_answer_as_the_truth_says(web):
    """The site down every night answers 503 to everything (robots.txt too); the refusing one's
    robots.txt disallows everything to our crawler."""
    from demoweb.world import DOWN_HOST, REFUSING_HOST
    web.set_site_down(DOWN_HOST, True)
    for path in ("/", "/robots.txt", "/feed/"):
        assert fetch(web, f"http://{DOWN_HOST}{path}").status == 503
    robots = get_ok(web, f"http://{REFUSING_HOST}/robots.txt").body.decode()
    rp = urllib.robotparser.RobotFileParser()
    rp.parse(robots.splitlines())
    assert not rp.can_fetch("chuyenmuc/0.1", f"https://{REFUSING_HOST}/")
    assert get_ok(web, f"http://{REFUSING_HOST}/").status == 200  # the site itself is up
