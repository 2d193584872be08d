"""Link, pagination, menu and feed extraction on real saved pages (../shared/data; skipped when absent).

Each saved page carries its original URL (HTTrack's "Mirrored from" comment, or the SOURCE.txt), which
is used as the page URL so relative links resolve as they did on the live site.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawlers import links as L
from crawlers.feeds import parse_feed
from nlp.urls import same_site

HANOI = ("sotttt.hanoi.gov.vn",)


def _liferay(shared: Path, name: str) -> tuple[str, str]:
    html = (shared / "pages" / "hanoi-sotttt-liferay-2022" / "pages" / name).read_text("utf-8", "replace")
    m = re.search(r"Mirrored from (\S+)", html)
    assert m, name
    return html, "https://" + m.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("name,first_page", [("pctn1377.html", True), ("phong-chong-dich-benh-covid-19.html", True),
                                             ("pctn511b.html", False), ("phong-chong-dich-benh-covid-1917b6.html", False)])
def test_liferay_listing_items_and_101_cur_pagination(shared_data: Path, name: str, first_page: bool) -> None:
    html, url = _liferay(shared_data, name)
    arts = L.article_links(html, url, HANOI)
    assert len(arts) >= 5
    assert all("/-/view_content/" in a for a in arts)
    assert len({a for a in arts}) == len(arts)
    pages = L.pagination_links(html, url)
    assert set(pages) == {1, 2}
    assert all("_101_cur=" in u for u in pages.values())
    nxt = L.next_page(html, url)
    if first_page:
        assert nxt is not None and L.page_number(nxt) == 2
    else:
        assert L.page_number(url) == 2 and nxt is None  # the last page: pagination stops


def test_liferay_menu_is_categories_not_articles(shared_data: Path) -> None:
    html, url = _liferay(shared_data, "pctn.html")
    menu = L.menu_links(html, url, HANOI)
    names = {m.text for m in menu}
    assert {"Giới thiệu", "Cơ cấu tổ chức"} <= names
    assert not [m for m in menu if "/-/view_content/" in m.url]
    assert all(same_site(m.url, HANOI) for m in menu)


def test_liferay_language_trap_paths_are_suspicious(shared_data: Path) -> None:
    paths = [p.strip() for p in (shared_data / "pages" / "hanoi-sotttt-liferay-2022" /
                                 "crawler_trap_paths_sample.txt").read_text("utf-8").splitlines() if p.strip()]
    deep = [p for p in paths if p.count("/en") >= 3]
    assert deep
    assert all(L.suspicious_url("https://sotttt.hanoi.gov.vn/" + p) for p in deep)
    assert not L.suspicious_url("https://sotttt.hanoi.gov.vn/pctn/-/view_content/2606828-ha-noi.html")


def test_baocantho_category_items_and_pagination(shared_data: Path) -> None:
    html = (shared_data / "pages" / "provincial-and-national-papers" / "tmp_baocantho_category.html").read_text("utf-8")
    url = "https://baocantho.com.vn/thoi-su/"
    dom = ("baocantho.com.vn",)
    arts = L.article_links(html, url, dom)
    ids = [a for a in arts if re.search(r"-a\d{5,}\.html$", a)]
    assert len(ids) >= 20
    assert all(urlsplit(a).hostname == "baocantho.com.vn" for a in arts)
    assert L.next_page(html, url) == "https://baocantho.com.vn/thoi-su?p=2"
    assert set(L.pagination_links(html, url)) >= {2, 3}
    menu = {m.text for m in L.menu_links(html, url, dom)}
    assert {"Chính trị", "Kinh tế"} <= menu
    # a page URL is never mistaken for an article
    assert not L.looks_like_article("https://baocantho.com.vn/thoi-su?p=2")


def test_znews_category_items(shared_data: Path) -> None:
    html = (shared_data / "pages" / "provincial-and-national-papers" / "znews_kinhdoanh.html").read_text("utf-8")
    arts = L.article_links(html, "https://znews.vn/kinh-doanh-tai-chinh.html", ("znews.vn",))
    assert len([a for a in arts if re.search(r"-post\d+\.html$", a)]) >= 20


def test_real_rss_feeds(shared_data: Path) -> None:
    for p in sorted((shared_data / "feeds" / "vnexpress-2017").glob("*.xml")):
        entries, problem = parse_feed(p.read_bytes(), "https://vnexpress.net/rss/tin-moi-nhat.rss",
                                      "application/rss+xml")
        assert len(entries) >= 20 and problem is None
        assert all(e.url.startswith("http") for e in entries)
