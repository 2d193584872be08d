"""Feeds and sitemaps -> article links. feedparser reads the body Scrapy fetched (it never fetches)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import feedparser
from scrapy.utils.sitemap import Sitemap

from warehouse import clock


class FeedError(ValueError):
    """The body is not a usable feed or sitemap; the message says why."""


@dataclass(frozen=True)
class Entry:
    url: str
    published: dt.datetime | None = None   # aware (UTC): compared with the warehouse's TIMESTAMPTZ values


# feedparser "bozo" reasons that are about HTTP metadata, not a broken document
_BENIGN = ("NonXMLContentType", "CharacterEncodingOverride")


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> tuple[list[Entry], str | None]:
    """(entries, problem) of an RSS/Atom body: problem names malformed XML that feedparser's
    lenient parser still read. Raises FeedError when it is not a feed at all."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        d = feedparser.parse(body, response_headers=headers)
    except (ValueError, LookupError, UnicodeError) as e:  # e.g. a NUL or junk in the XML encoding declaration
        raise FeedError(f"not a feed: {type(e).__name__}: {e}") from None
    bad = d.bozo and type(d.bozo_exception).__name__ not in _BENIGN
    problem = f"malformed feed: {type(d.bozo_exception).__name__}: {d.bozo_exception}" if bad else None
    if not d.entries:
        if bad:
            raise FeedError(f"not a feed: {type(d.bozo_exception).__name__}: {d.bozo_exception}")
        if not d.get("version") and not d.feed:
            raise FeedError("not a feed: no channel and no entries")
        return [], problem
    out = []
    for e in d.entries:
        link = e.get("link") or next((ln.get("href") for ln in e.get("links", []) if ln.get("href")), None)
        if not link:
            continue
        t = e.get("published_parsed") or e.get("updated_parsed")
        out.append(Entry(link, dt.datetime(*t[:6], tzinfo=dt.UTC) if t else None))  # feedparser gives UTC
    return out, problem


MAX_SITEMAP_BYTES = 50_000_000  # the sitemaps.org limit for one uncompressed file


def parse_sitemap(body: bytes) -> tuple[str, list[Entry]]:
    """('sitemapindex' | 'urlset', entries). lastmod, when given, is parsed to a datetime.
    A gzipped body (sitemap.xml.gz served as a file, not as Content-Encoding) is unpacked first."""
    if body[:2] == b"\x1f\x8b":
        import gzip
        import io
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
                body = f.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError) as e:
            raise FeedError(f"not a sitemap: bad gzip: {e}") from None
        if len(body) > MAX_SITEMAP_BYTES:
            raise FeedError(f"sitemap larger than {MAX_SITEMAP_BYTES} bytes uncompressed")
    try:
        sm = Sitemap(body)
    except Exception as e:  # lxml raises several types on garbage
        raise FeedError(f"not a sitemap: {e}") from None
    kind = sm.type or ""
    if kind not in ("sitemapindex", "urlset"):
        raise FeedError(f"not a sitemap: root element {kind or '(none)'}")
    out = []
    for d in sm:
        loc = d.get("loc")
        if loc:
            out.append(Entry(loc.strip(), _lastmod(d.get("lastmod"))))
    return kind, out


def _lastmod(s: str | None) -> dt.datetime | None:
    """An aware datetime in UTC. A lastmod without a zone (a bare date) is the province's time: the
    sites are the province's, and their dates are local."""
    if not s:
        return None
    s = s.strip().replace("Z", "+00:00")
    try:
        v = dt.datetime.fromisoformat(s)
    except ValueError:
        try:
            v = dt.datetime.strptime(s[:10], "%Y-%m-%d")
        except ValueError:
            return None
    try:
        return (v if v.tzinfo else v.replace(tzinfo=clock.TZ)).astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01 or 9999-12-31 moved across midnight: out of datetime's range
        return None
