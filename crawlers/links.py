"""Reading a fetched HTML page: its categories (menus), feeds, article links, pagination, canonical URL.

Pure functions of (html, url) so they are tested on real saved pages without a crawler.
Heuristics are the ones that hold on the portals we monitor (Liferay gov portals, provincial papers):
- categories are the links of navigation menus (nav/header/menu-classed lists);
- article links are on-site links whose last path segment is a long slug or carries a numeric id;
- pagination is a link to the same listing with the page number one higher (`_101_cur`, `page`, `p`,
  `trang`, `/page/N`, `/trang-N`) or a `rel=next` link.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector
from w3lib.html import get_base_url

from nlp.urls import canonical_url, same_site

PAGE_PARAMS = ("page", "p", "trang", "pg", "paged", "pageindex", "page_no", "cur")
_PAGE_PATH = re.compile(r"/(?:page|trang|p)[/-](\d{1,4})/?$", re.I)
_NUMERIC_ID = re.compile(r"(?:^|[-_.])(?:[a-z]{0,4})(\d{4,})(?:$|[-_.])", re.I)
_SKIP_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|ico|css|js|pdf|docx?|xlsx?|pptx?|zip|rar|mp[34]|avi|"
                       r"wmv|flv|xml|rss|json|txt)$", re.I)
# paths that are listings whatever their slug: WordPress/CMS category and tag pages, Liferay pages
_LISTING_PATH = re.compile(r"^/(?:category|categories|tag|tags|chuyen-muc|danh-muc|chu-de)/|^/web/[^/]+/[^/]+/?$", re.I)
_STRIP_EXT = re.compile(r"\.(?:html?|aspx?|php|jsp)$", re.I)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
               "application/feed+json")
_MENU_XPATH = ("//nav//a | //*[@role='navigation']//a"
               " | //*[contains(concat(' ', translate(@class, 'MENUAV', 'menuav'), ' '), 'menu')]//a"
               " | //*[contains(translate(@id, 'MENUAV', 'menuav'), 'menu')]//a"
               " | //*[contains(concat(' ', translate(@class, 'MENUAV', 'menuav'), ' '), ' nav')]//a")
# page chrome (not a listing's items); an <article>'s own <header> (WordPress teasers) is content
_LANG_SEGMENTS = {"en", "vi", "fr", "zh", "ja", "ko", "ru", "de", "lo", "km"}
_CHROME_XPATH = ("//nav[not(ancestor::article)] | //header[not(ancestor::article) and not(ancestor::main)]"
                 " | //footer[not(ancestor::article)] | //*[@role='navigation']")


@dataclass(frozen=True)
class Link:
    url: str        # absolute URL as found (not canonicalised)
    text: str       # anchor text (or title attribute), whitespace-collapsed
    hreflang: str = ""  # set on language-switch links, which are never categories


def _text(a: Selector) -> str:
    t = " ".join(a.xpath(".//text()").getall())
    t = " ".join(t.split())
    if not t:
        t = " ".join((a.attrib.get("title") or " ".join(a.xpath(".//img/@alt").getall())).split())
    return t


def _abs(href: str | None, base: str) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        u = urljoin(base, href)
        parts = urlsplit(u)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:  # a broken href (bad port, bad IPv6 literal) is skipped, never kills the page
        return None
    return u if parts.scheme in ("http", "https") and parts.hostname else None


def _sel(html: str | bytes) -> Selector:
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    return Selector(text=html)


def parse_page(html: str | bytes, url: str) -> tuple[Selector, str]:
    """One lxml parse and the page's base URL, shared by the checks an article page gets (parsing
    it once per check was 5 % of the crawl's CPU, py-spy, 2026-12-03)."""
    text = html if isinstance(html, str) else html.decode("utf-8", "replace")
    return Selector(text=text), get_base_url(text, url)


def looks_like_article(url: str) -> bool:
    """A URL whose last segment is a long slug or carries a numeric id, and is not a file or a page number."""
    parts = urlsplit(url)
    path = parts.path
    if _SKIP_EXT.search(path) or _PAGE_PATH.search(path) or path in ("", "/"):
        return False
    if "/-/view_content/" in path or "/-/asset_publisher/" in path and "/content/" in path:
        return True
    if _LISTING_PATH.match(path) or page_number(url) is not None:
        return False
    last = _STRIP_EXT.sub("", path.rstrip("/").rsplit("/", 1)[-1])
    tokens = [t for t in re.split(r"[-_]+", last) if t]
    if len(tokens) >= 7:  # a title-long slug; shorter id-less slugs are usually menu pages
        return True
    if _NUMERIC_ID.search(last) and len(tokens) >= 2:
        return True
    q = dict(parse_qsl(parts.query))
    return any(k.lower() in ("id", "newsid", "articleid", "itemid", "postid") for k in q) and not page_number(url)


def page_number(url: str) -> int | None:
    """The page number a listing URL asks for, if it carries one."""
    parts = urlsplit(url)
    for k, v in parse_qsl(parts.query):
        kl = k.lower()
        if (kl in PAGE_PARAMS or kl.endswith("_cur")) and v.isdigit():
            return int(v)
    m = _PAGE_PATH.search(parts.path)
    return int(m.group(1)) if m else None


def _listing_key(url: str) -> tuple[str, str, tuple]:
    """The listing a paginated URL belongs to: host, path without page part, non-page query params."""
    parts = urlsplit(url)
    path = _PAGE_PATH.sub("", parts.path).rstrip("/")
    q = tuple(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                     if not (k.lower() in PAGE_PARAMS or k.lower().endswith("_cur") or k.lower().endswith("resetcur"))))
    return ((parts.hostname or "").lower(), path, q)


def _liferay_pager(url: str) -> bool:
    return any(k.endswith("_cur") for k, _ in parse_qsl(urlsplit(url).query)) and "p_p_id=" in url


def links(html: str | bytes, url: str, xpath: str = "//a") -> list[Link]:
    sel, base = parse_page(html, url)
    out = []
    for a in sel.xpath(xpath):
        u = _abs(a.attrib.get("href"), base)
        if u:
            out.append(Link(u, _text(a), a.attrib.get("hreflang", "")))
    return out


def menu_links(html: str | bytes, url: str, domains: tuple[str, ...]) -> list[Link]:
    """Category candidates: on-site links of navigation menus, excluding the home page and files."""
    seen: set[str] = set()
    out = []
    home = canonical_url(url)
    for lk in links(html, url, _MENU_XPATH):
        if lk.hreflang or not same_site(lk.url, domains) or _SKIP_EXT.search(urlsplit(lk.url).path):
            continue
        c = canonical_url(lk.url)
        if c == home or urlsplit(c).path in ("", "/") or c in seen or not lk.text:
            continue
        seen.add(c)
        out.append(lk)
    return out


def content_links(html: str | bytes, url: str) -> list[Link]:
    """Links outside navigation, header and footer: where a listing's items are."""
    sel, base = parse_page(html, url)  # a parse of its own: the chrome is dropped from it below
    for node in sel.xpath(_CHROME_XPATH):
        node.drop()
    out = []
    for a in sel.xpath("//a"):
        u = _abs(a.attrib.get("href"), base)
        if u:
            out.append(Link(u, _text(a)))
    return out


def article_links(html: str | bytes, url: str, domains: tuple[str, ...]) -> list[str]:
    """On-site article URLs in a listing's content area, in page order, each once (as found)."""
    seen: set[str] = set()
    out = []
    for lk in content_links(html, url):
        if not same_site(lk.url, domains) or not looks_like_article(lk.url):
            continue
        c = canonical_url(lk.url)
        if c in seen:
            continue
        seen.add(c)
        out.append(lk.url)
    return out


def pagination_links(html: str | bytes, url: str) -> dict[int, str]:
    """Page number -> URL for every link that pages through the same listing as `url`."""
    key = _listing_key(url)
    out: dict[int, str] = {}
    for lk in links(html, url):
        n = page_number(lk.url)
        if n is None:
            continue
        if _listing_key(lk.url) == key or (_liferay_pager(lk.url) and _liferay_pager(url) or
                                           _liferay_pager(lk.url) and page_number(url) is None):
            out.setdefault(n, lk.url)
    return out


def next_page(html: str | bytes, url: str) -> str | None:
    """The next page of this listing: rel=next, else the pagination link numbered current + 1."""
    sel, base = parse_page(html, url)
    for href in sel.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href").getall():
        u = _abs(href, base)
        if u and canonical_url(u) != canonical_url(url):
            return u
    cur = page_number(url) or 1
    return pagination_links(html, url).get(cur + 1)


def feed_links(html: str | bytes, url: str) -> list[str]:
    """Feeds announced by <link rel=alternate type=rss/atom>."""
    sel, base = parse_page(html, url)
    out = []
    for ln in sel.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"):
        t = (ln.attrib.get("type") or "").lower().strip()
        if t in _FEED_TYPES:
            u = _abs(ln.attrib.get("href"), base)
            if u and u not in out:
                out.append(u)
    return out


_DOCUMENT = re.compile(r"(?i)\.(?:pdf|docx?)$")
# an href that can name such a path: resolving every href of every article page was a twentieth of
# the crawl process's samples at scale 20 (py-spy), and most pages link no file at all
_MAYBE_DOCUMENT = re.compile(r"(?i)\.(?:pdf|docx?)")


def document_links(page: tuple[Selector, str], domains: Iterable[str], max_text: int = 2000,
                   limit: int = 3) -> list[str]:
    """Links to PDF/DOC/DOCX files of the unit's own site on a page with little text of its own (a
    decision or plan published as a page whose body is the file): the file is the publication's text.
    Pages with text of their own keep their attachments unfetched (they would cost a request each).
    `page` is what `parse_page` returns."""
    sel, base = page
    out: list[str] = []
    for href in sel.xpath("//a/@href | //iframe/@src | //embed/@src | //object/@data").getall():
        if not _MAYBE_DOCUMENT.search(href) and not href.lstrip().startswith("?"):
            continue  # joining cannot give it a file's path: only a bare query keeps the base's path
        absolute = _abs(href.strip(), base)
        if not absolute or not _DOCUMENT.search(urlsplit(absolute).path) or not same_site(absolute, domains):
            continue
        if absolute not in out:
            out.append(absolute)
        if len(out) >= limit:
            break
    if out:  # the page's own text is counted only where it links a file (most pages link none)
        words = " ".join(" ".join(sel.xpath("//body//p//text()").getall()).split())
        if len(words) > max_text:
            return []
    return out


def rel_canonical(page: tuple[Selector, str]) -> str | None:
    """The page's `<link rel="canonical">`, made absolute; `page` is what `parse_page` returns."""
    sel, base = page
    href = sel.xpath("//link[@rel='canonical']/@href").get()
    return _abs(href, base) if href else None


def robots_sitemaps(robots_txt: str, base: str) -> list[str]:
    """`Sitemap:` lines of a robots.txt body."""
    out = []
    for line in robots_txt.splitlines():
        k, _, v = line.partition(":")
        if k.strip().lower() == "sitemap" and v.strip():
            u = urljoin(base, v.strip())
            if u not in out:
                out.append(u)
    return out


def suspicious_url(url: str, max_len: int = 400) -> bool:
    """Trap-shaped URLs: very long, or a path segment repeated three times (e.g. /en/en/en/)."""
    if len(url) > max_len:
        return True
    segs = [_STRIP_EXT.sub("", s).lower() for s in urlsplit(url).path.split("/") if s]
    if any(segs.count(s) >= 3 for s in set(segs)):
        return True
    return sum(1 for s in segs if s in _LANG_SEGMENTS) >= 3  # /en/vi/en: a language switch loop
