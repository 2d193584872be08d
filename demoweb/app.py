"""Routing one request (host, path, night) to a page of the demo web: the web without the sockets.

Pure and deterministic: the same world, host, path and as_of always give the same bytes, which is
what the server caches and what the determinism test hashes.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from demoweb import render
from demoweb.world import BAD_FEED_HOST, CAL_TRAP_HOST, LANG_TRAP_HOST, TZ, Article, Site, World


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes
    last_modified: dt.datetime | None = None

    @property
    def conditional(self) -> bool:
        """Pages that carry validators (ETag, Last-Modified) and may answer 304."""
        return self.status == 200 and self.last_modified is not None


def to_cp1258(s: str) -> bytes:
    """Windows-1258 bytes: base letters precomposed where the code page has them, tones as combining marks."""
    out = bytearray()
    for ch in s:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        shape = "".join(m for m in d[1:] if m in _SHAPE_MARKS)  # circumflex, breve, horn stay on the letter
        tones = "".join(m for m in d[1:] if m not in _SHAPE_MARKS)  # tones become combining marks
        try:
            out += unicodedata.normalize("NFC", d[0] + shape).encode("cp1258") + tones.encode("cp1258")
        except UnicodeEncodeError:
            out += b"?"
    return bytes(out)


_SHAPE_MARKS = "\u0302\u0306\u031b"
_LANG = re.compile(r"(?:/(?:en|vi))+$")
_WP_PAGE = re.compile(r"^/category/([a-z0-9-]+)/page/(\d+)$")


class App:
    def __init__(self, world: World):
        self.world = world
        self._by_path: dict[str, dict[str, Article]] = {}
        for host, site in world.sites.items():
            self._by_path[host] = {a.path.rstrip("/"): a for a in site.articles}
        self._visible: dict[tuple[str, dt.date], list[Article]] = {}
        self._cache: dict[tuple[str, str, dt.date], Page] = {}
        self._lock = threading.Lock()

    def visible(self, site: Site, as_of: dt.date) -> list[Article]:
        key = (site.host, as_of)
        got = self._visible.get(key)
        if got is None:
            got = [a for a in site.articles if a.published.date() <= as_of]
            self._visible[key] = got
        return got

    def get(self, host: str, target: str, as_of: dt.date) -> Page | None:
        """The page, or None when the host is not part of the demo web."""
        site = self.world.sites.get(host)
        if site is None:
            return None
        key = (host, target, as_of)
        page = self._cache.get(key)
        if page is None:
            page = self._route(site, target, as_of)
            with self._lock:
                if len(self._cache) > 20000:
                    self._cache.clear()
                self._cache[key] = page
        return page

    # ---- routing -----------------------------------------------------------------------------
    def _route(self, site: Site, target: str, as_of: dt.date) -> Page:
        parts = urlsplit(target)
        path = parts.path or "/"
        query = parse_qs(parts.query)
        arts = self.visible(site, as_of)
        newest = arts[0].published if arts else None
        col = site.column
        if col is not None and col.opened is not None and col.opened <= as_of:  # the menu changed that day
            opened = dt.datetime(col.opened.year, col.opened.month, col.opened.day, tzinfo=TZ)
            newest = max(newest, opened) if newest else opened
        if path == "/robots.txt":
            return Page(200, "text/plain; charset=utf-8", render.robots(site).encode())
        if site.feed_path and path.rstrip("/") == site.feed_path.rstrip("/"):
            body = render.feed(site, arts, broken=site.host == BAD_FEED_HOST)
            return Page(200, "application/rss+xml; charset=utf-8", body.encode(), newest)
        if site.sitemap_path and path == site.sitemap_path:
            return Page(200, "application/xml; charset=utf-8", render.sitemap(site, arts, as_of).encode(), newest)
        if path.startswith("/documents/") and path.endswith(".pdf"):
            for a in arts:
                if a.fault == "empty-body-pdf" and render.pdf_path(a) == path:
                    return Page(200, "application/pdf", render.pdf_bytes(site, a), a.published)
            return self._404(site)
        if site.host == CAL_TRAP_HOST and path.rstrip("/") == "/lich-cong-tac":
            m = re.fullmatch(r"(\d{4})-(\d{2})", (query.get("month") or ["2022-12"])[0])
            if not m or not 1 <= int(m.group(2)) <= 12:
                return self._404(site)
            return self._html(render.calendar(site, int(m.group(1)), int(m.group(2)), as_of))
        stripped = path.rstrip("/") or "/"
        shown = path
        switched = False
        if site.host == LANG_TRAP_HOST and _LANG.search(stripped):
            stripped = _LANG.sub("", stripped) or "/"  # the language switch serves the same page again
            switched = True
        if stripped == "/":
            return self._html(render.home(site, arts, as_of), newest)
        a = self._by_path[site.host].get(stripped)
        if a is not None and not switched:
            if a.published.date() > as_of:
                return self._404(site)
            return self._article(site, a, arts, as_of)
        slug, page = self._category_target(site, stripped, query)
        cat = site.category(slug) if slug else None
        if cat is not None and not (cat.is_column and cat.opened and cat.opened > as_of):
            html = render.category(site, cat, page, arts, as_of, shown)
            if html is None:
                return self._404(site)
            in_cat = [x for x in arts if x.category == cat.slug]
            return self._html(html, in_cat[0].published if in_cat else newest)
        return self._404(site)

    @staticmethod
    def _category_target(site: Site, path: str, query: dict) -> tuple[str | None, int]:
        def num(v: list[str] | None) -> int:
            try:
                return int((v or ["1"])[0])
            except ValueError:
                return 0
        if site.family == "liferay":
            m = re.fullmatch(r"/web/guest/([a-z0-9-]+)", path)
            return (m.group(1), num(query.get("_101_cur"))) if m else (None, 1)
        if site.family == "paper":
            m = re.fullmatch(r"/([a-z0-9-]+)", path)
            return (m.group(1), num(query.get("page"))) if m else (None, 1)
        m = _WP_PAGE.fullmatch(path)
        if m:
            return m.group(1), int(m.group(2))
        m = re.fullmatch(r"/category/([a-z0-9-]+)", path)
        return (m.group(1), 1) if m else (None, 1)

    def _article(self, site: Site, a: Article, arts: list[Article], as_of: dt.date) -> Page:
        html = render.article(site, a, arts, as_of)
        if a.fault == "charset-mismatch":  # says Latin-1, sends UTF-8
            html = html.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
            return Page(200, "text/html; charset=iso-8859-1", html.encode("utf-8"), a.published)
        if a.fault == "legacy-encoding":
            html = html.replace('<meta charset="utf-8">',
                                '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
            return Page(200, "text/html; charset=windows-1258", to_cp1258(html), a.published)
        if a.fault == "mojibake":  # UTF-8 read as Latin-1 by an old import script, saved again as UTF-8
            return Page(200, "text/html; charset=utf-8", html.encode("utf-8").decode("latin-1").encode("utf-8"),
                        a.published)
        return Page(200, "text/html; charset=utf-8", html.encode("utf-8"), a.published)

    @staticmethod
    def _html(html: str, last_modified: dt.datetime | None = None) -> Page:
        return Page(200, "text/html; charset=utf-8", html.encode("utf-8"), last_modified)

    @staticmethod
    def _404(site: Site) -> Page:
        return Page(404, "text/html; charset=utf-8", render.not_found(site).encode("utf-8"))

    # ---- enumeration (tests, determinism checks) -------------------------------------------------
    def targets(self, site: Site, as_of: dt.date) -> list[str]:
        """Every page a complete crawl of the site would fetch, in a fixed order."""
        arts = self.visible(site, as_of)
        out = ["/", "/robots.txt"]
        if site.feed_path:
            out.append(site.feed_path)
        if site.sitemap_path:
            out.append(site.sitemap_path)
        for _h, _n, c in render._menu_items(site, as_of):
            n = len([a for a in arts if a.category == c.slug])
            for p in range(1, max(1, -(-n // render.PER_PAGE)) + 1):
                out.append(site.category_path(c.slug, p))
        out += [a.path for a in arts]
        return out
