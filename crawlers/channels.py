"""Reading the units' registered official channels (issue #21): a video channel's public Atom feed
(YouTube `/feeds/videos.xml?channel_id=...`) or another official RSS/Atom feed.

A channel is read like a feed source: one conditional GET a night (If-None-Match / If-Modified-Since
from its `source_health` row, so an unchanged feed answers 304 and nothing is stored), robots.txt
obeyed (cached in robots_cache like the site crawl's), the same proxy, user agent, timeout, retries and size cap as the site crawl. Each item (title,
description, date, URL) becomes a `channel_items` row of the unit, keyed by its canonical URL, so a
feed read again never stores an item twice. Whatever goes wrong with one channel (a malformed feed,
an HTTP error, a timeout) is that channel's health row and a run_errors row, never a failure of the
night. Only feeds the registry names are read: nothing is discovered, no login, no API token.

Certificates are not verified, as in the site crawl (Scrapy's default): the feeds are public, no
credential is ever sent. The demo web terminates TLS with a self-signed certificate for that reason.
"""
from __future__ import annotations

import datetime as dt
import http.client
import logging
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import duckdb
import feedparser
from protego import Protego

from crawlers.feeds import _BENIGN, FeedError
from crawlers.settings import from_config
from crawlers.store import CrawlStore
from nlp.encoding import visible_text
from nlp.sanitize import clean_web_text
from nlp.urls import canonical_url
from warehouse import clock
from warehouse.batch import write_rows
from warehouse.db import transaction
from warehouse.ids import url_id

log = logging.getLogger("chuyenmuc.channels")

HEALTH_KIND = "channel"          # source_health.kind of every channel: the column views leave these out
MAX_ITEMS_PER_FEED = 500         # a feed is a window on the newest items (YouTube shows 15)
MAX_TEXT = 5000                  # characters of a description kept


@dataclass(frozen=True)
class ChannelSource:
    """One registered channel, as the crawl needs it (built from registry.units.Channel)."""
    channel_id: str
    unit_id: str
    kind: str
    name: str
    url: str


@dataclass(frozen=True)
class Item:
    url: str
    guid: str | None
    title: str | None
    description: str | None
    published_at: dt.datetime | None   # aware, UTC


@dataclass
class Fetched:
    status: int | None
    body: bytes = b""
    headers: dict[str, str] | None = None
    error_kind: str | None = None
    message: str = ""


@dataclass(frozen=True)
class FetchSettings:
    """What a channel read shares with the site crawl: proxy, user agent, timeout, size cap, retries."""
    proxy: str | None
    timeout: float
    user_agent: str
    max_bytes: int
    retries: int

    @classmethod
    def from_crawl(cls, crawl: dict[str, Any], proxy: str | None = None) -> FetchSettings:
        """From a `[crawl]` config section, through the crawl's own settings (crawlers.settings.from_config):
        the defaults and the user agent's {contact_url} are decided there, once."""
        s = from_config(crawl, proxy)
        return cls(proxy=s["CHUYENMUC_PROXY"] or None, timeout=float(s["DOWNLOAD_TIMEOUT"]), user_agent=s["USER_AGENT"],
                   max_bytes=int(s["DOWNLOAD_MAXSIZE"]), retries=int(s["RETRY_TIMES"]))


class _NoOddRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed only to http(s) URLs (a feed moved to https is fine, file:// is not)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.HTTPError(newurl, code, f"redirect to a non-http(s) URL {newurl!r}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(s: FetchSettings) -> urllib.request.OpenerDirector:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    proxies = urllib.request.ProxyHandler({"http": s.proxy, "https": s.proxy} if s.proxy else None)
    return urllib.request.build_opener(proxies, urllib.request.HTTPSHandler(context=ctx), _NoOddRedirects())


def _error_kind(e: BaseException) -> str:
    """The crawl's error kinds (the weekly report turns them into Vietnamese)."""
    reason = getattr(e, "reason", e)
    if isinstance(reason, socket.timeout | TimeoutError):
        return "timeout"
    if isinstance(reason, socket.gaierror):
        return "dns"
    if isinstance(reason, ConnectionRefusedError):
        return "connection-refused"
    if isinstance(reason, ssl.SSLError):
        return "tls"
    return "connection"


def fetch(opener: urllib.request.OpenerDirector, url: str, s: FetchSettings, etag: str | None = None,
          last_modified: str | None = None) -> Fetched:
    """One GET (conditional when validators are given), retried on 5xx and network errors."""
    headers = {"User-Agent": s.user_agent, "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    out = Fetched(None, error_kind="connection", message="not tried")
    for _ in range(s.retries + 1):
        try:
            with opener.open(urllib.request.Request(url, headers=headers), timeout=s.timeout) as r:
                body = r.read(s.max_bytes + 1)
                hdrs = {k.lower(): v for k, v in r.headers.items()}
                if len(body) > s.max_bytes:
                    return Fetched(r.status, b"", hdrs, "too-large", f"feed larger than {s.max_bytes} bytes")
                return Fetched(r.status, body, hdrs)
        except urllib.error.HTTPError as e:
            if e.code == 304:
                return Fetched(304, b"", {k.lower(): v for k, v in e.headers.items()})
            out = Fetched(e.code, b"", None, f"http-{e.code}", f"HTTP {e.code} {e.reason}")
            if e.code < 500:
                return out
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
            out = Fetched(None, b"", None, _error_kind(e), f"{type(e).__name__}: {getattr(e, 'reason', e)}")
    return out


def _text(v: str | None, limit: int) -> str | None:
    if not v:
        return None
    t = clean_web_text(" ".join(visible_text(v).split()))
    return t[:limit] or None


def parse_items(body: bytes, url: str, content_type: str | None = None) -> tuple[list[Item], str | None]:
    """(items, problem) of an RSS/Atom body; problem names malformed XML that the lenient parser still
    read. Raises FeedError when it is not a feed at all (nothing readable)."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        d = feedparser.parse(body, response_headers=headers)
    except (ValueError, LookupError, UnicodeError) as e:
        raise FeedError(f"not a feed: {type(e).__name__}: {e}") from None
    bad = d.bozo and type(d.bozo_exception).__name__ not in _BENIGN
    problem = f"malformed feed: {type(d.bozo_exception).__name__}: {d.bozo_exception}" if bad else None
    if not d.entries:
        if bad:
            raise FeedError(problem or "not a feed")
        if not d.get("version"):  # an HTML page (a consent or error page) answered instead of the feed
            raise FeedError("not a feed: no RSS/Atom document and no entries")
        return [], problem
    out: dict[str, Item] = {}
    for e in d.entries[:MAX_ITEMS_PER_FEED]:
        link = e.get("link") or next((ln.get("href") for ln in e.get("links", []) if ln.get("href")), None)
        if not link or urlsplit(link).scheme not in ("http", "https"):
            continue
        t = e.get("published_parsed") or e.get("updated_parsed")
        when = dt.datetime(*t[:6], tzinfo=dt.UTC) if t else None
        canon = canonical_url(link)
        out.setdefault(canon, Item(canon, (e.get("id") or None), _text(e.get("title"), 1000),
                                   _text(e.get("summary") or e.get("description"), MAX_TEXT), when))
    return list(out.values()), problem


ROBOTS_TTL = 86400  # seconds a robots.txt is reused without a request, as in the site crawl


class _Robots:
    """robots.txt per host, as the site crawl reads it: kept in `robots_cache`, reused for a day, then
    asked again conditionally; a missing file or a server error means no rules (everything allowed)."""

    def __init__(self, opener: urllib.request.OpenerDirector, s: FetchSettings, store: CrawlStore):
        self.opener, self.s, self.store = opener, s, store
        self._rules: dict[str, Protego] = {}

    def allowed(self, url: str) -> bool:
        p = urlsplit(url)
        key = f"{p.scheme}://{p.netloc}"
        rules = self._rules.get(key)
        if rules is None:
            rules = self._rules[key] = Protego.parse(self._body(key))
        return rules.can_fetch(url, self.s.user_agent)

    def _body(self, key: str) -> str:
        cached = self.store.known.robots.get(key)
        if cached and (clock.now() - cached["fetched_at"]).total_seconds() < ROBOTS_TTL:
            return cached["body"] or ""
        f = fetch(self.opener, key + "/robots.txt", self.s, cached.get("etag") if cached else None,
                  cached.get("last_modified") if cached else None)
        if f.status is None:  # the host is down: no rules now, nothing cached, asked again next run
            self.store.error(None, key + "/robots.txt", "robots-unreachable", f.message, stage="channels")
            return ""
        if f.status == 304 and cached:
            body, etag, lm = cached["body"] or "", cached.get("etag"), cached.get("last_modified")
        else:
            body = f.body.decode("utf-8", "replace") if 200 <= f.status < 300 else ""
            etag, lm = (f.headers or {}).get("etag"), (f.headers or {}).get("last-modified")
        self.store.robots_seen(key, f.status, body, etag, lm)
        return body


def _health_store(con: duckdb.DuckDBPyConnection, run_id: int | None, ids: list[str]) -> CrawlStore:
    """A CrawlStore holding only these channels' health rows and the cached robots.txt (not the whole
    crawl's state)."""
    store = CrawlStore(con, run_id)
    cols = [d[0] for d in con.execute("SELECT * FROM source_health LIMIT 0").description]
    for r in con.execute("SELECT * FROM source_health WHERE list_contains(?, source_id)", [ids]).fetchall():
        row = dict(zip(cols, r, strict=True))
        store.known.health[row["source_id"]] = row
    cols = [d[0] for d in con.execute("SELECT * FROM robots_cache LIMIT 0").description]
    for r in con.execute("SELECT * FROM robots_cache").fetchall():
        row = dict(zip(cols, r, strict=True))
        store.known.robots[row["host"]] = row
    return store


def store_items(con: duckdb.DuckDBPyConnection, ch: ChannelSource, items: list[Item], run_id: int | None) -> int:
    """Upsert a channel's items in one transaction (first_seen kept); returns how many are new."""
    if not items:
        return 0
    now = clock.now()
    ids = [url_id(i.url) for i in items]
    seen = dict(con.execute("SELECT item_id, first_seen FROM channel_items WHERE list_contains(?, item_id)", [ids]).fetchall())
    rows = [dict(item_id=iid, url=i.url, channel_id=ch.channel_id, unit_id=ch.unit_id, kind=ch.kind, guid=i.guid,
                 title=i.title, description=i.description, published_at=i.published_at, run_id=run_id,
                 first_seen=seen.get(iid, now), last_seen=now) for iid, i in zip(ids, items, strict=True)]
    with transaction(con):
        write_rows(con, "channel_items", rows, mode="replace")
    return sum(1 for iid in ids if iid not in seen)


def read_channels(con: duckdb.DuckDBPyConnection, channels: Iterable[ChannelSource], settings: FetchSettings,
                  run_id: int | None = None, refetch: bool = False) -> dict[str, Any]:
    """Read every channel once; store new and changed items; keep each channel's health. Returns counts."""
    chans = list(channels)
    store = _health_store(con, run_id, [c.channel_id for c in chans])
    opener = _opener(settings)
    robots = _Robots(opener, settings, store)
    counts: dict[str, Any] = {"channels": len(chans), "requests": 0, "not_modified": 0, "items_seen": 0,
                              "new_items": 0, "channels_failing": 0, "per_unit": {}}
    for ch in chans:
        h = store.health(ch.channel_id, ch.unit_id, HEALTH_KIND, ch.url)
        if not robots.allowed(ch.url):
            store.source_failed(h, "robots-disallowed", f"{ch.url}: refused by the host's robots.txt")
            store.error(ch.unit_id, ch.url, "robots-disallowed", f"channel {ch.name}: refused by robots.txt", stage="channels")
            counts["channels_failing"] += 1
            continue
        etag, lm = (None, None) if refetch else (h.get("etag"), h.get("last_modified"))
        f = fetch(opener, ch.url, settings, etag, lm)
        counts["requests"] += 1
        if f.status == 304:
            store.source_ok(h, 304, None, None)
            counts["not_modified"] += 1
            continue
        if f.error_kind:
            store.source_failed(h, f.error_kind, f.message, f.status)
            store.error(ch.unit_id, ch.url, f.error_kind, f"channel {ch.name}: {f.message}", stage="channels")
            counts["channels_failing"] += 1
            continue
        try:
            items, problem = parse_items(f.body, ch.url, (f.headers or {}).get("content-type"))
        except Exception as e:  # noqa: BLE001 - whatever a hostile feed makes the parser raise is that feed's fault
            e = e if isinstance(e, FeedError) else FeedError(f"not a feed: {type(e).__name__}: {e}")
            store.source_failed(h, "feed-parse", str(e), f.status)
            h.update(etag=None, last_modified=None)
            store.error(ch.unit_id, ch.url, "feed-parse", f"channel {ch.name}: {e}", stage="channels")
            counts["channels_failing"] += 1
            log.warning("channel %s (%s) of %s: %s", ch.name, ch.url, ch.unit_id, e)
            continue
        new = store_items(con, ch, items, run_id)
        counts["items_seen"] += len(items)
        counts["new_items"] += new
        if new:
            counts["per_unit"][ch.unit_id] = counts["per_unit"].get(ch.unit_id, 0) + new
        if problem:  # read what could be read, and say so; validators dropped so it is read in full again
            store.source_failed(h, "feed-malformed", problem, f.status)
            h.update(etag=None, last_modified=None)
            store.error(ch.unit_id, ch.url, "feed-malformed", f"channel {ch.name}: {problem}", stage="channels")
            counts["channels_failing"] += 1
            if new:
                h["last_new_article_at"] = h["last_attempt_at"]
            continue
        hd = f.headers or {}
        store.source_ok(h, f.status or 200, hd.get("etag"), hd.get("last-modified"), new)
    store.close()
    return counts
