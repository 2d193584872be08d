"""The `units` spider: for each unit, discover its columns, feeds and sitemaps, and collect new articles.

Per unit it requests the home page (discovery: menus -> categories, <link rel=alternate> -> feeds,
robots.txt Sitemap: lines -> sitemaps) plus every feed, sitemap and category listing already known
from earlier runs, each conditionally (If-None-Match/If-Modified-Since; 304 = unchanged, not parsed).
Article links from listings, feeds and sitemaps are canonicalised and fetched only when not stored
yet. A listing is paged on only while its last item is new (listings are newest first), up to
CHUYENMUC_LISTING_MAX_PAGES. Every failure ends as a source_health update or a run_errors row.
A source read before gets one attempt a night, without retries; articles are retried (with backoff,
then once more at the end of the night). A source whose articles could not all be fetched is read in
full the next night.

The spider writes nothing itself: it yields typed items (crawlers/items.py) and the item pipelines
chosen in ITEM_PIPELINES store them (DuckDB in one process, a Parquet spool in scale-out workers).
Pages are yielded as they are fetched; the crawl's state (health, columns, sources, robots,
attributions, errors) is kept in a CrawlState while the crawl runs, because the spider reads it back
(validators, known columns), and yielded as items when the spider closes (`closing_items`), which is
also when the store wrote it before. The rules are in crawlers/policy.py; counts go to crawler.stats.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from crawlers import links as L
from crawlers import policy
from crawlers.feeds import FeedError, parse_feed, parse_sitemap
from crawlers.items import (
    AttributionItem,
    ColumnItem,
    CrawlItem,
    ErrorItem,
    HealthItem,
    PageItem,
    RobotsItem,
    SourceItem,
)
from crawlers.middlewares import CrawlIgnored
from crawlers.policy import PageBudget
from crawlers.store import CrawlState
from nlp.column_match import match_column
from nlp.datauri import strip_data_uris
from nlp.urls import canonical_url, same_site
from registry.units import Unit
from registry.units import source_id as make_source_id

SOURCE_ROLES = ("site", "feed", "sitemap", "column")
# statuses the callbacks see themselves (to record health); 3xx are left to RedirectMiddleware, which
# `handle_httpstatus_all` would switch off
HANDLED = [304, *range(400, 600)]
_NEXT_NIGHT = " (a re-read of a known source is not retried the same night; it is read again next night)"


def error_kind(exc: BaseException) -> str:
    """A short, stable name for what went wrong, used in run_errors.kind and source_health."""
    if isinstance(exc, CrawlIgnored):
        return exc.kind
    msg = str(exc).lower()
    if isinstance(exc, IgnoreRequest):
        return "robots-disallowed" if "robots" in msg else "ignored"
    name = type(exc).__name__
    if "maxsize" in msg or "warnsize" in msg or "cancel" in name.lower():
        return "too-large"
    if "timeout" in name.lower() or "timed out" in msg:
        return "timeout"
    if "dns" in name.lower() or "cannotresolve" in name.lower() or "dns lookup" in msg:
        return "dns"
    if "refused" in name.lower() or "refused" in msg:
        return "connection-refused"
    if "ssl" in name.lower() or "tls" in msg:
        return "tls"
    if "connection" in name.lower() or "responsenever" in name.lower() or "lost" in name.lower():
        return "connection"
    return name


class UnitsSpider(scrapy.Spider):
    name = "units"
    custom_settings: dict[str, Any] = {}
    # a document page waits for its files in this process (see parse_article); off where another
    # process may fetch the file (scale-out workers share one request queue)
    hold_document_pages = True

    def __init__(self, units: Iterable[Unit] | str | None = None, patterns: Iterable[str] | None = None,
                 state: CrawlState | None = None, refetch: bool = False, **kw: Any):
        super().__init__(**kw)
        if units is None or isinstance(units, str) or state is None:
            raise TypeError("UnitsSpider needs units and a CrawlState: run it by crawlers.run.crawl, or by `scrapy "
                            "crawl units` with a CHUYENMUC_STANDALONE_STORE setting (scrapy.cfg's project has one)")
        self.units = [u for u in units if u.site is not None or u.sources]  # type: ignore[union-attr]
        self.patterns = tuple(patterns or ())
        self.state = state  # read-only for the pipelines: they store what the spider yields
        self.refetch = bool(refetch) and refetch not in ("0", "false", "no")
        self.known_at_start: set[str] = set() if self.refetch else set(state.known.page_urls)
        self.scheduled: set[tuple[str, str]] = set()
        self.articles_seen: set[str] = set()
        self.store_error: str | None = None  # set (by the item pipeline) when the database stopped taking writes
        self.late: list[Request] = []
        self.refresh_sources: set[str] = set()  # sources whose links were not all fetched tonight
        # requests for what a source listed (articles, next listing pages) not settled yet: key -> the
        # sources that listed it. Settled = stored, or recorded as failed. What is still here when the
        # spider closes (a SIGTERM, a shutdown, a request dropped on the way) was never fetched.
        self.pending: dict[str, set[str]] = {}
        self.listing_urls: dict[str, set[str]] = defaultdict(set)  # canonical URLs of categories, per unit
        # document pages waiting for their files: canonical URL -> (its item, its request meta, files left)
        self.held: dict[str, tuple[PageItem, dict[str, Any], set[str]]] = {}
        for col in state.known.columns.values():
            self.listing_urls[col["unit_id"]].add(col["url"])
        self.allowed_domains = sorted({d for u in self.units for d in u.domains})

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> UnitsSpider:
        if kwargs.get("state") is None and crawler.settings.get("CHUYENMUC_STANDALONE_STORE"):
            # plain `scrapy crawl units [-a units=a,b]`: the application (named by the setting, so the
            # crawler imports none of it) reads the config and opens the warehouse
            ids = kwargs.get("units") if isinstance(kwargs.get("units"), str) else None
            open_store = load_object(crawler.settings["CHUYENMUC_STANDALONE_STORE"])
            kwargs["units"], kwargs["patterns"], kwargs["state"] = open_store(ids)
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.max_pages = s.getint("CHUYENMUC_LISTING_MAX_PAGES")
        # article pages may be larger than listings (base64 images pasted into the body), never smaller
        spider.article_maxsize = max(s.getint("CHUYENMUC_ARTICLE_MAXSIZE"), s.getint("DOWNLOAD_MAXSIZE"))
        crawler.signals.connect(spider._idle, signal=scrapy.signals.spider_idle)
        return spider

    def _idle(self, spider: Any = None) -> None:
        """Late retry: requests that met a server error or a network fault get one more round at the
        end of the crawl, when the site is no longer busy with our other requests."""
        if not self.late:
            return
        batch, self.late = self.late, []
        for req in batch:
            meta = dict(req.meta, late_retry=True, dont_retry=False)
            meta.pop("retry_times", None)
            self.crawler.engine.crawl(req.replace(meta=meta, dont_filter=True))
        raise DontCloseSpider("late retries scheduled")

    def _late_retry(self, request: Request) -> bool:
        """Queue a failed request for the late round (once; not for a source already failing before, nor
        for a re-read of a source read before: see source_request)."""
        if not policy.late_retry_allowed(request.meta):
            return False
        self.late.append(request)
        return True

    def count(self, name: str, unit_id: str | None = None, n: int = 1) -> None:
        """A count of the crawl in crawler.stats (`chuyenmuc/NAME`, per unit `chuyenmuc/unit/UNIT/NAME`);
        crawlers.counts assembles the run's counts from them."""
        stats = self.crawler.stats
        if unit_id is None:
            stats.inc_value(f"chuyenmuc/{name}", n)
        else:
            stats.inc_value(f"chuyenmuc/unit/{unit_id}/{name}", n)

    def closing_items(self, reason: str = "") -> Iterator[CrawlItem]:
        """The items of the end of the night: errors kept, and the state rows touched tonight, after the
        validator rule below. The item pipelines call this on spider_closed (see crawlers/pipelines.py)."""
        # Validators are kept only for sources whose listed articles are all stored or recorded as
        # failed. A source whose articles (or next listing pages) could not be fetched tonight, or were
        # never fetched because the crawl stopped first (SIGTERM, shutdown: `reason`), was read, but what
        # it listed is not all stored: forget its validators so the next night reads it in full (not a
        # 304) and finds those links again. Its other sources stay conditional. (A crawl killed outright
        # writes no health row at all: the validators of the last complete night stay, which is as safe.)
        st = self.state
        unsettled = {sid for sids in self.pending.values() for sid in sids}
        if self.pending:
            self.logger.info("crawl closed (%s) with %d listed links not fetched: %d sources will be read in "
                             "full next night", reason or "?", len(self.pending), len(unsettled - self.refresh_sources))
        self.refresh_sources |= unsettled
        if reason and reason != "finished":
            st.error(None, None, "crawl-stopped",
                     f"the crawl stopped before its end ({reason}): {len(self.pending)} listed links not "
                     f"fetched; the {len(unsettled)} sources that listed them are read in full next night")
        st.forget_validators(self.refresh_sources)
        if self.store_error:  # pages of tonight were lost with the failed batch: re-read every source next night
            st.forget_validators(set(st.touched_health))
        health, columns, sources, attrib = st.pending_rows()
        stats = self.crawler.stats
        stats.set_value("chuyenmuc/columns_found", sum(1 for c in columns if c["is_dedicated"]))
        stats.set_value("chuyenmuc/categories_seen", len(columns))
        stats.set_value("chuyenmuc/sources_failing", sum(1 for h in health if h["status"] in ("failing", "dead")))
        yield from (HealthItem(h) for h in health)
        yield from (ColumnItem(c) for c in columns)
        yield from (SourceItem(x) for x in sources)
        yield from (RobotsItem(r) for r in st._robots.values())
        yield from (AttributionItem(a) for a in attrib)
        yield from (ErrorItem(e) for e in st.errors)

    # ---- start
    async def start(self) -> AsyncIterator[Request]:
        for unit in self.units:
            for req in self.unit_requests(unit):
                yield req

    def unit_requests(self, unit: Unit) -> list[Request]:
        out: list[Request] = []
        if unit.site is not None:
            r = self.source_request(unit, "site", unit.site.url, unit.site.source_id, self.parse_home)
            if r:
                out.append(r)
        known = [s for s in self.state.known.sources.values() if s["unit_id"] == unit.unit_id]
        reg = {s.source_id for s in unit.sources}
        for s in [dict(source_id=x.source_id, kind=x.kind, url=x.url) for x in unit.sources] + \
                 [s for s in known if s["source_id"] not in reg]:
            if s["kind"] == "site":
                continue
            if s["kind"] == "column" and s["source_id"] in reg:
                # a column named in the registry is the unit's column even if its name matches no pattern
                reg_src = next(x for x in unit.sources if x.source_id == s["source_id"])
                r = self._category(unit, reg_src.url, reg_src.name)
                if r:
                    out.append(r)
                continue
            r = self.source_request(unit, s["kind"], s["url"], s["source_id"], None)
            if r:
                out.append(r)
        return out

    def source_request(self, unit: Unit, kind: str, url: str, sid: str | None, callback: Any,
                       **meta: Any) -> Request | None:
        c = canonical_url(url)
        if (kind, c) in self.scheduled:
            return None
        self.scheduled.add((kind, c))
        cb = callback or {"feed": self.parse_feed, "sitemap": self.parse_sitemap, "column": self.parse_listing,
                          "site": self.parse_home}[kind]
        headers: dict[str, str] = {}
        dont_retry = False
        if sid:
            h = self.state.known.health.get(sid)
            headers = policy.conditional_headers(h, self.refetch)
            # one attempt a night, no retries, for a source that already failed and for a re-read of a
            # source read before (policy.source_attempts); a column claims articles already stored when
            # its listing is read again
            meta["was_failing"], meta["reread"] = policy.source_attempts(h, self.refetch)
            dont_retry = meta["was_failing"] or meta["reread"]
        if kind == "column":
            meta.setdefault("page_no", 1)
            meta.setdefault("column_id", self._dedicated_id(unit, c))
        return Request(url, callback=cb, errback=self.on_error, headers=headers, dont_filter=True,
                       priority=10 if kind != "column" else 5,
                       meta=dict(unit_id=unit.unit_id, unit_domains=unit.domains, role=kind, source_id=sid,
                                 source_kind=kind, handle_httpstatus_list=HANDLED, dont_retry=dont_retry, **meta))

    def _dedicated_id(self, unit: Unit, c: str) -> str | None:
        for col in self.state.known.columns.values():
            if col["unit_id"] == unit.unit_id and col["url"] == c and col["is_dedicated"]:
                return col["column_id"]
        return None

    def article_request(self, unit: Unit, url: str, via: Response, column: str | None) -> Request | None:
        c = canonical_url(url)
        if column:
            self.state.attribute(c, column)
        sid = via.meta.get("source_id") or via.meta.get("parent_source")
        if c in self.articles_seen and f"a:{c}" in self.pending and sid:
            self.pending[f"a:{c}"].add(sid)  # listed here too: this source is complete only once it is fetched
        if c in self.known_at_start or c in self.articles_seen or c in self.listing_urls[unit.unit_id]:
            return None
        if not same_site(url, unit.domains):
            return None
        # the page budget is enforced here too, before a request exists: a page of a million links
        # then costs one error row, not a million refused requests
        budget = self.__dict__.setdefault("_budget", PageBudget.from_settings(self.settings))
        if not budget.spend(unit.unit_id):
            reported = self.__dict__.setdefault("_budget_reported", set())
            if unit.unit_id not in reported:
                reported.add(unit.unit_id)
                self.state.error(unit.unit_id, url, "page-budget",
                                 f"unit {unit.unit_id} reached its page budget of {budget.limit} article requests; "
                                 "its other links wait for the next night")
                self.count("errors")
            if sid:
                self.refresh_sources.add(sid)  # they wait for the next night: which must read this source in full
            return None
        self.articles_seen.add(c)
        key = f"a:{c}"
        self.pending[key] = {sid} if sid else set()
        return Request(url, callback=self.parse_article, errback=self.on_error, dont_filter=True, priority=0,
                       meta=dict(unit_id=unit.unit_id, unit_domains=unit.domains, role="article",
                                 source_id=sid, column_id=column, link_canonical=c, pending_key=key,
                                 handle_httpstatus_list=HANDLED, **self._article_caps()))

    def _article_caps(self) -> dict[str, int]:
        """Per-request size caps of an article page (Scrapy's download handler and decompression
        middleware both read them): only article pages get the larger cap, up to which a gzip bomb
        is still cut off."""
        cap = getattr(self, "article_maxsize", None)
        if not cap:
            return {}
        return {"download_maxsize": cap, "download_warnsize": max(cap // 2, self.settings.getint("DOWNLOAD_WARNSIZE", 0))}

    # ---- helpers
    def unit(self, response: Response) -> Unit:
        uid = response.meta["unit_id"]
        return next(u for u in self.units if u.unit_id == uid)

    def _source_status(self, response: Response) -> dict[str, Any] | None:
        """Health bookkeeping shared by all source callbacks; returns the health row or None if done."""
        sid = response.meta.get("source_id")
        unit = self.unit(response)
        kind = response.meta["source_kind"]
        self.count("requests", unit.unit_id)
        self._transient(response)
        if sid is None:
            return {}
        h = self.state.health(sid, unit.unit_id, kind, response.meta.get("source_url") or response.request.url)
        if response.status == 304:
            self.count("not_modified")
            self.state.source_ok(h, 304, None, None)
            return None
        if response.status >= 500 and self._late_retry(response.request):
            return None
        if response.status >= 400:
            kind_e = f"http-{response.status}"
            later = _NEXT_NIGHT if response.status >= 500 and response.meta.get("reread") else ""
            self.state.source_failed(h, kind_e, f"HTTP {response.status} for {response.url}{later}", response.status)
            self.state.error(unit.unit_id, response.url, kind_e,
                             f"{kind} source answered HTTP {response.status}{later}")
            return None
        return h

    def _transient(self, response: Response) -> None:
        """A request that succeeded only after retries leaves a trace: flaky servers show up in reports."""
        n = int(response.meta.get("retry_times") or 0) + (1 if response.meta.get("late_retry") else 0)
        if n and response.status < 500:
            self.state.error(response.meta.get("unit_id"), response.url, "transient",
                             f"answered HTTP {response.status} after {n} retr{'y' if n == 1 else 'ies'}")

    def _ok(self, h: dict[str, Any], response: Response, new: int) -> None:
        if h:
            self.state.source_ok(h, response.status, _hdr(response, b"ETag"), _hdr(response, b"Last-Modified"), new)

    # ---- callbacks
    def parse_home(self, response: Response) -> Iterable[Request]:
        h = self._source_status(response)
        if h is None:
            # unchanged or failing: known categories still get their own requests
            yield from self._known_listings(self.unit(response))
            return
        unit = self.unit(response)
        if not isinstance(response, TextResponse):
            self.state.source_failed(h, "not-html", f"home page is {response.headers.get(b'Content-Type')!r}")
            return
        html = response.text
        new = 0
        key = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
        robots = self.state.known.robots.get(key)
        for sm in L.robots_sitemaps((robots or {}).get("body") or "", response.url):
            if same_site(sm, unit.domains):
                r = self._discovered(unit, "sitemap", sm)
                if r:
                    yield r
        for feed in L.feed_links(html, response.url):
            if same_site(feed, unit.domains):
                r = self._discovered(unit, "feed", feed)
                if r:
                    yield r
        for lk in L.menu_links(html, response.url, unit.domains):
            if L.looks_like_article(lk.url) and L._NUMERIC_ID.search(urlsplit(lk.url).path):
                continue  # an article teaser inside a mega-menu, not a category
            r = self._category(unit, lk.url, lk.text)
            if r:
                yield r
        yield from self._known_listings(unit)
        for url in L.article_links(html, response.url, unit.domains):
            r = self.article_request(unit, url, response, None)
            if r:
                new += 1
                yield r
        self._ok(h, response, new)

    def _known_listings(self, unit: Unit) -> Iterable[Request]:
        for col in list(self.state.known.columns.values()):
            if col["unit_id"] == unit.unit_id:
                # unit_columns keeps the canonical URL; the source row keeps the URL as found (scheme!)
                src = self.state.known.sources.get(make_source_id(unit.unit_id, "column", col["url"]))
                r = self._category(unit, src["url"] if src else col["url"], col["name"] or "")
                if r:
                    yield r

    def _discovered(self, unit: Unit, kind: str, url: str, name: str | None = None, **meta: Any) -> Request | None:
        """A feed, sitemap or listing found on the site: id from its canonical URL, fetched as found."""
        c = canonical_url(url)
        sid = make_source_id(unit.unit_id, kind, c)
        self.state.source(sid, unit.unit_id, kind, url, name)
        return self.source_request(unit, kind, url, sid, None, source_url=url, **meta)

    def _category(self, unit: Unit, url: str, name: str) -> Request | None:
        c = canonical_url(url)
        self.listing_urls[unit.unit_id].add(c)
        pattern = match_column(name, self.patterns) if name else None
        reg_col = next((s for s in unit.sources if s.kind == "column" and canonical_url(s.url) == c), None)
        if reg_col is not None:
            # a column named in the registry is the unit's column even if its name matches no pattern;
            # its source id is the registry's, not a discovered one
            name = name or reg_col.name
            cid = self.state.column(unit.unit_id, c, name, True, pattern or "(registry)")
            return self.source_request(unit, "column", reg_col.url, reg_col.source_id, None, source_url=reg_col.url,
                                       column_id=cid, column_name=name)
        prev = next((x for x in self.state.known.columns.values()
                     if x["unit_id"] == unit.unit_id and x["url"] == c), None)
        if pattern is None and prev is not None and prev["is_dedicated"] and (prev.get("name") or "") == name:
            pattern = prev["matched_pattern"]
        cid = self.state.column(unit.unit_id, c, name, pattern is not None, pattern)
        return self._discovered(unit, "column", url, name, column_id=cid if pattern else None, column_name=name)

    def parse_listing(self, response: Response) -> Iterable[Request]:
        h = self._source_status(response) if response.meta.get("source_id") else {}
        if response.meta.get("source_id") is None:
            self.count("requests", response.meta["unit_id"])
            if response.status >= 500 and self._late_retry(response.request):
                return
            if response.status >= 400:
                self.state.error(response.meta["unit_id"], response.url, f"http-{response.status}",
                                 "listing page failed")
                self._links_missed(response.meta)
                self._settle(response.meta)
                return
            self._settle(response.meta)  # its own links are pending in their own right from here on
        if h is None or not isinstance(response, TextResponse):
            return
        unit = self.unit(response)
        html = response.text
        column = response.meta.get("column_id")
        if column is None and response.meta.get("page_no", 1) == 1 and response.meta.get("source_id"):
            # the menu label may be an image or truncated: the listing's own heading can name it
            heading = " ".join(" ".join(response.xpath("//h1//text()").getall()).split())
            pattern = match_column(heading, self.patterns) if heading else None
            if pattern:
                column = self.state.column(unit.unit_id, canonical_url(response.meta.get("source_url") or response.url),
                                           heading, True, pattern)
        arts = L.article_links(html, response.url, unit.domains)
        new = 0
        for url in arts:
            r = self.article_request(unit, url, response, column)
            if r:
                new += 1
                yield r
        self._ok(h, response, new)
        page_no = int(response.meta.get("page_no", 1))
        if arts and canonical_url(arts[-1]) not in self.known_at_start and page_no < self.max_pages:
            nxt = L.next_page(html, response.url)
            if nxt and same_site(nxt, unit.domains) and ("page", canonical_url(nxt)) not in self.scheduled:
                self.scheduled.add(("page", canonical_url(nxt)))
                parent = response.meta.get("source_id") or response.meta.get("parent_source")
                key = f"p:{canonical_url(nxt)}"
                self.pending[key] = {parent} if parent else set()
                yield Request(nxt, callback=self.parse_listing, errback=self.on_error, dont_filter=True, priority=5,
                              meta=dict(unit_id=unit.unit_id, unit_domains=unit.domains, role="page",
                                        source_id=None, source_kind="column", column_id=column,
                                        parent_source=parent, pending_key=key,
                                        page_no=page_no + 1, handle_httpstatus_list=HANDLED))
        elif page_no >= self.max_pages and arts:
            self.state.error(unit.unit_id, response.url, "listing-max-pages",
                             f"stopped paging after {self.max_pages} pages")

    def parse_feed(self, response: Response) -> Iterable[Request]:
        h = self._source_status(response)
        if h is None:
            return
        unit = self.unit(response)
        try:
            entries, problem = parse_feed(response.body, response.url, _hdr(response, b"Content-Type"))
        except FeedError as e:
            self.state.source_failed(h, "feed-parse", str(e), response.status)
            self.state.error(unit.unit_id, response.url, "feed-parse", str(e))
            return
        new = 0
        for e in entries:
            r = self.article_request(unit, e.url, response, None)
            if r:
                new += 1
                yield r
        if problem:
            # what the lenient parser recovered is used, but the feed is broken and must show as such
            self.state.source_failed(h, "feed-malformed", problem, response.status)
            self.state.error(unit.unit_id, response.url, "feed-malformed", problem)
            if new:
                h["last_new_article_at"] = h["last_attempt_at"]
        else:
            self._ok(h, response, new)

    def parse_sitemap(self, response: Response) -> Iterable[Request]:
        h = self._source_status(response)
        if h is None:
            return
        unit = self.unit(response)
        try:
            kind, entries = parse_sitemap(response.body)
        except FeedError as e:
            self.state.source_failed(h, "sitemap-parse", str(e), response.status)
            self.state.error(unit.unit_id, response.url, "sitemap-parse", str(e))
            return
        new = 0
        since = h.get("last_success_at") if not self.refetch else None
        for e in entries:
            if not same_site(e.url, unit.domains):
                continue
            if kind == "sitemapindex":
                r = self._discovered(unit, "sitemap", e.url)
            elif not L.looks_like_article(e.url):
                continue  # sitemaps also list category pages: those are found through the menus
            else:
                # lastmod filter: entries unchanged since this sitemap was last read were seen then
                if since and e.published and e.published < since - dt.timedelta(days=1) \
                        and canonical_url(e.url) in self.known_at_start:
                    continue
                r = self.article_request(unit, e.url, response, None)
                new += bool(r)
            if r:
                yield r
        self._ok(h, response, new)

    def parse_article(self, response: Response) -> Iterator[PageItem]:
        unit = self.unit(response)
        self.count("requests", unit.unit_id)
        self._transient(response)
        if response.status >= 500 and self._late_retry(response.request):
            return
        if response.status >= 500:  # the article is still to fetch: re-read its source in full next night
            self._links_missed(response.meta)
        if response.status != 200:
            self._settle(response.meta)  # recorded as failed
            self.state.error(unit.unit_id, response.url, f"http-{response.status}",
                             f"article page answered HTTP {response.status}")
            self.count("errors")
            return
        c = response.meta["link_canonical"]
        body, stripped, page = response.body, 0, None
        if isinstance(response, TextResponse):
            body, stripped = strip_data_uris(body)  # megabytes of pasted images: neither parsed nor stored
            page = L.parse_page(body if stripped else response.text, response.url)
            rel = L.rel_canonical(page)
            if rel and same_site(rel, unit.domains) and not L.suspicious_url(rel):
                c = canonical_url(rel)
            elif response.meta.get("redirect_urls") and same_site(response.url, unit.domains):
                # a moved article: store it under where it lives now (Scrapy keeps the chain in redirect_urls)
                c = canonical_url(response.url)
        if c != response.meta["link_canonical"] and (c in self.state.known.page_urls):
            self._settle(response.meta)
            self.count("duplicates")
            return
        column = response.meta.get("column_id") or self.state._attrib.get(c)
        ctype = _hdr(response, b"Content-Type")
        charset = None
        if ctype and "charset=" in ctype.lower():
            charset = ctype.lower().split("charset=", 1)[1].split(";")[0].strip().strip('"') or None
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        if self.store_error:  # the database takes no more writes: the crawl is closing (store_failed)
            self._settle(response.meta)
            return
        item = PageItem(self.state.page_row(url=c, fetched_url=response.url, unit_id=unit.unit_id,
                                            source_id=response.meta.get("source_id"), column=column,
                                            status=response.status, headers=headers, body=body,
                                            content_type=ctype, charset=charset))
        files = []
        if page is not None:
            for url in L.document_links(page, unit.domains):
                req = self.attachment_request(unit, url)
                if req is not None:
                    req.meta["doc_page"] = c
                    files.append(req)
        if not files or not self.hold_document_pages:
            yield from self._stored(item, response.meta)
            for req in files:
                self.crawler.engine.crawl(req)
            return
        # a document page is yielded once its files are settled (stored or recorded as failed): a crawl
        # stopped before leaves it unsettled, so its source is read in full next night and the page and
        # its files are fetched then (stored alone, the page would be known and its files never asked for)
        self.held[c] = (item, response.meta, {r.meta["link_canonical"] for r in files})
        for req in files:
            self.crawler.engine.crawl(req)

    def _stored(self, item: PageItem, meta: dict[str, Any]) -> Iterator[PageItem]:
        """An article page to store: its listed link is settled, and it is counted."""
        self._settle(meta)
        yield item
        self.count("pages_stored")
        self.count("pages_stored", item.row["unit_id"])

    def _file_settled(self, meta: dict[str, Any]) -> Iterator[PageItem]:
        """A document file is stored or failed for good: its page is stored once all its files are."""
        held = self.held.get(meta.get("doc_page") or "")
        if held is None:
            return
        held[2].discard(meta.get("link_canonical"))
        if not held[2]:
            del self.held[meta["doc_page"]]
            yield from self._stored(held[0], held[1])

    def attachment_request(self, unit: Unit, url: str) -> Request | None:
        """The file of a document page (a PDF/DOC/DOCX it links to), under the ordinary size cap."""
        c = canonical_url(url)
        if c in self.known_at_start or c in self.articles_seen or not same_site(url, unit.domains):
            return None
        self.articles_seen.add(c)
        return Request(url, callback=self.parse_attachment, errback=self.on_error, dont_filter=True, priority=0,
                       meta=dict(unit_id=unit.unit_id, unit_domains=unit.domains, role="attachment",
                                 link_canonical=c, handle_httpstatus_list=HANDLED))

    def parse_attachment(self, response: Response) -> Iterator[PageItem]:
        """Store the file as a page of its unit; the extract stage reads it with the page linking it."""
        unit = self.unit(response)
        self.count("requests", unit.unit_id)
        if response.status != 200:
            self.state.error(unit.unit_id, response.url, f"http-{response.status}",
                             f"document file answered HTTP {response.status}")
            self.count("errors")
            yield from self._file_settled(response.meta)
            return
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        if self.store_error:  # as in parse_article: the database takes no more writes
            return
        yield PageItem(self.state.page_row(url=response.meta["link_canonical"], fetched_url=response.url,
                                           unit_id=unit.unit_id, source_id=None, column=None,
                                           status=response.status, headers=headers, body=response.body,
                                           content_type=_hdr(response, b"Content-Type"), charset=None))
        self.count("documents_stored")
        yield from self._file_settled(response.meta)

    # ---- failures
    def _links_missed(self, meta: dict[str, Any]) -> None:
        """An article or a next listing page failed for good tonight: the sources that listed it must be
        read in full next night (see _closed). A failed source itself keeps its old validators."""
        if meta.get("role") in ("article", "page"):
            sid = meta.get("source_id") or meta.get("parent_source")
            if sid:
                self.refresh_sources.add(sid)
            self.refresh_sources |= self.pending.get(meta.get("pending_key") or "", set())

    def _settle(self, meta: dict[str, Any]) -> None:
        """A listed link is done with for tonight: stored, or recorded as failed (see `pending`)."""
        self.pending.pop(meta.get("pending_key") or "", None)

    def on_error(self, failure: Failure) -> list[PageItem]:
        """Record a failed request; returns the document page a failed file releases (see _file_settled)."""
        req = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        kind = error_kind(exc)
        if kind in ("timeout", "connection", "connection-refused") and self._late_retry(req):
            return []
        released = list(self._file_settled(req.meta))
        unit_id = req.meta.get("unit_id")
        if kind in ("site-down", "timeout", "connection", "connection-refused", "tls", "dns"):
            self._links_missed(req.meta)
        self._settle(req.meta)  # recorded as failed below
        if kind == "site-down":
            reported = self.__dict__.setdefault("_down_reported", set())
            if unit_id in reported:
                self.count("skipped_site_down")
                return released
            reported.add(unit_id)
        if unit_id:
            self.count("errors", unit_id)
        sid = req.meta.get("source_id")
        role = req.meta.get("role")
        msg = f"{type(exc).__name__}: {exc}"
        if req.meta.get("reread") and kind in ("timeout", "connection", "connection-refused"):
            msg += _NEXT_NIGHT
        if role in SOURCE_ROLES and sid:
            h = self.state.health(sid, unit_id, req.meta.get("source_kind") or role,
                                  req.meta.get("source_url") or canonical_url(req.url))
            self.state.source_failed(h, kind, msg)
        self.state.error(unit_id, req.url, kind, msg)
        self.count("errors")
        return released


def _hdr(response: Response, name: bytes) -> str | None:
    v = response.headers.get(name)
    return v.decode("latin-1") if v else None
