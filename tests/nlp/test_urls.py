"""canonical_url on the forms real Vietnamese portals link with (the fuzz tests in tests/reliability
check that it never raises and is idempotent)."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from nlp.urls import canonical_url


@pytest.mark.parametrize(("a", "b"), [
    ("http://www.baodaklak.vn/thoi-su/bai-42112.html?utm_source=zalo&fbclid=x#top",
     "https://baodaklak.vn/thoi-su/bai-42112.html"),
    ("https://m.baodaklak.vn/thoi-su/", "https://baodaklak.vn/thoi-su"),
    ("https://x.gov.vn/web/guest/tt/-/view_content/38-bai.html?redirect=https%3A%2F%2Fx.gov.vn%2Fweb%2Fguest%2Ftt",
     "https://x.gov.vn/web/guest/tt/-/view_content/38-bai.html"),
    ("https://x.gov.vn/dang-nhap?redirect=/tin", "https://x.gov.vn/dang-nhap?redirect=%2Ftin"),
    ("https://snnptnt.daklak.gov.vn/web/guest/tin-tuc?p_p_id=101&p_p_lifecycle=0&p_p_state=normal"
     "&p_p_mode=view&p_p_col_id=column-1&p_p_col_pos=1&p_p_col_count=2&_101_cur=2",
     "https://snnptnt.daklak.gov.vn/web/guest/tin-tuc?_101_cur=2&p_p_id=101"),
])
def test_canonical_forms(a: str, b: str) -> None:
    assert canonical_url(a) == b


def test_liferay_links_from_two_columns_are_one_page() -> None:
    one = ("https://x.gov.vn/web/guest/tt?p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
           "&p_p_col_id=column-1&p_p_col_pos=1&p_p_col_count=2&_101_cur=2")
    two = one.replace("column-1", "column-2").replace("p_p_col_pos=1", "p_p_col_pos=5")
    assert canonical_url(one) == canonical_url(two)
    # what the portlet shows is kept: another page, another portlet, a non-default state
    assert canonical_url(one) != canonical_url(one.replace("_101_cur=2", "_101_cur=3"))
    assert canonical_url(one) != canonical_url(one.replace("p_p_id=101", "p_p_id=73"))
    assert "p_p_state=maximized" in canonical_url(one.replace("p_p_state=normal", "p_p_state=maximized"))


def test_real_liferay_pagination_links_keep_their_page_numbers(shared_data) -> None:
    folder = shared_data / "pages" / "hanoi-sotttt-liferay-2022" / "pages"
    hrefs = {html.unescape(h) for p in folder.glob("*.html")
             for h in re.findall(r'href="([^"]*p_p_id[^"]*)"', p.read_text(encoding="utf-8", errors="replace"))}
    assert hrefs
    base = "https://sotttt.hanoi.gov.vn/"
    canon = {canonical_url(h, base) for h in hrefs}
    keys = {k for c in canon for k, _ in parse_qsl(urlsplit(c).query)}
    assert not keys & {"p_p_col_id", "p_p_col_pos", "p_p_col_count"} and "p_p_id" in keys
    # links that differ only in layout collapse, pages of a listing stay apart
    assert len(canon) <= len(hrefs)
    articles = {canonical_url(h, base) for p in folder.glob("*.html")
                for h in map(html.unescape, re.findall(r'href="([^"]*view_content[^"]*)"',
                                                       p.read_text(encoding="utf-8", errors="replace")))}
    assert articles and not [a for a in articles if "redirect=" in a]
    pages = {re.search(r"_cur=(\d+)", c).group(1) for c in canon if re.search(r"_cur=(\d+)", c)}
    assert len(pages) >= 2
