"""A parsed page and what its head says: meta tags, JSON-LD, canonical URL, declared dates.

Families and the dispatcher read metadata from here so each family module only deals with the
body markup of its CMS.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from nlp.dates import parse_with_time
from nlp.extract.errors import ParseError
from nlp.urls import canonical_url

ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
                 "report"}
LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage"}
DATE_META = ("article:published_time", "datepublished", "pubdate", "publishdate", "dc.date.issued",
             "dc.date", "date", "og:published_time", "article:published", "sailthru.date")
_WS = re.compile(r"\s+")


def squash(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


@dataclass
class Page:
    html: str
    url: str
    fetched_at: datetime | None = None
    flags: list[str] = field(default_factory=list)

    @cached_property
    def doc(self) -> lxml.html.HtmlElement:
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", self.html)
        try:
            doc = lxml.html.fromstring(text)
        except (etree.ParserError, ValueError) as e:
            raise ParseError(f"cannot parse markup: {e}", self.url) from None
        return doc

    @cached_property
    def meta(self) -> dict[str, str]:
        """<meta> name/property/itemprop (lower-cased) -> first non-empty content."""
        out: dict[str, str] = {}
        for m in self.doc.iter("meta"):
            content = squash(m.get("content"))
            if not content:
                continue
            for attr in ("property", "name", "itemprop"):
                k = (m.get(attr) or "").strip().lower()
                if k and k not in out:
                    out[k] = content
        return out

    @cached_property
    def jsonld(self) -> list[dict]:
        """Top-level JSON-LD objects (and @graph members); nested list items are not the page."""
        out: list[dict] = []
        for s in self.doc.xpath('//script[@type="application/ld+json"]'):
            raw = (s.text or "").strip()
            if not raw:
                continue
            try:
                data = json.loads(raw)
            except json.JSONDecodeError:
                try:
                    data = json.loads(re.sub(r"[\x00-\x1f]", " ", raw))
                except json.JSONDecodeError:
                    continue
            items = data if isinstance(data, list) else [data]
            for it in items:
                if isinstance(it, dict):
                    out.append(it)
                    for g in it.get("@graph", []) or []:
                        if isinstance(g, dict):
                            out.append(g)
        return out

    def ld_types(self) -> set[str]:
        out = set()
        for it in self.jsonld:
            t = it.get("@type")
            for x in t if isinstance(t, list) else [t]:
                if isinstance(x, str):
                    out.add(x.lower())
        return out

    @cached_property
    def ld_article(self) -> dict | None:
        for it in self.jsonld:
            t = it.get("@type")
            types = {x.lower() for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)}
            if types & ARTICLE_TYPES:
                return it
        return None

    @cached_property
    def canonical(self) -> str:
        href = None
        for link in self.doc.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                href = link.get("href").strip()
                break
        href = href or self.meta.get("og:url")
        base = self.url
        if href:
            try:
                full = urljoin(base, href)
                # an HTTrack mirror or a relative canonical to another host: trust the fetched URL's host
                if urlsplit(full).scheme in ("http", "https"):
                    return canonical_url(full)
            except ValueError:  # a broken canonical link (InvalidUrl is a ValueError): use the fetched URL
                pass
        try:
            return canonical_url(base)
        except ValueError as e:
            from nlp.extract.errors import BadUrlError
            raise BadUrlError(str(e), base) from None

    @property
    def og_type(self) -> str:
        return self.meta.get("og:type", "").lower()

    @cached_property
    def title_tag(self) -> str:
        t = self.doc.find(".//title")
        return squash(t.text_content()) if t is not None else ""

    def declared_date(self) -> tuple[datetime, bool] | None:
        """JSON-LD datePublished, then article:published_time and friends (ISO strings)."""
        cands = []
        if self.ld_article and isinstance(self.ld_article.get("datePublished"), str):
            cands.append(self.ld_article["datePublished"])
        for k in DATE_META:
            if k in self.meta:
                cands.append(self.meta[k])
        for el in self.doc.xpath('//*[@itemprop="datePublished"]'):
            cands.append(el.get("content") or el.get("datetime") or el.text_content())
        best = None
        for c in cands:
            got = parse_with_time(c, self.fetched_at)
            if got and (best is None or (got[1] and not best[1])):
                best = got
                if got[1]:
                    break
        return best

    def declared_author(self, persons_only: bool = False) -> str | None:
        """JSON-LD author (a Person before an Organization), then meta author."""
        art = self.ld_article or {}
        a = art.get("author")
        people, orgs = [], []
        for x in a if isinstance(a, list) else [a]:
            if isinstance(x, dict) and isinstance(x.get("name"), str) and squash(x["name"]):
                (orgs if str(x.get("@type", "")).lower() == "organization" else people).append(squash(x["name"]))
            elif isinstance(x, str) and squash(x):
                people.append(squash(x))
        if people:
            return people[0]
        if persons_only:
            return None
        return orgs[0] if orgs else (self.meta.get("author") or self.meta.get("article:author") or None)

    def first_h1(self, root=None) -> str:
        for h in (root if root is not None else self.doc).iter("h1"):
            t = squash(h.text_content())
            if t:
                return t
        return ""
