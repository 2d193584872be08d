"""Downloader middlewares: proxy, per-unit scope and page budget, and robots.txt cached in the warehouse.

- ProxyMiddleware puts every request (robots.txt included) through `CHUYENMUC_PROXY` when set.
  Offsite checks look at the request URL's host, never the proxy's, so a proxy does not make every
  host "onsite".
- UnitScopeMiddleware drops requests outside the unit's own domains, trap-shaped URLs, and anything
  past the unit's page budget (each drop reaches the request's errback as a typed IgnoreRequest);
  it also delays retries exponentially (RETRY_BACKOFF_BASE * 2^(n-1) s), which Scrapy does not do.
- CachedRobotsTxtMiddleware is Scrapy's RobotsTxtMiddleware that first looks in the warehouse: a
  robots.txt read less than ROBOTSTXT_TTL seconds ago is reused without a request; an older one is
  re-read with If-None-Match/If-Modified-Since (304 keeps the cached rules). The spider reads the
  body too, for its `Sitemap:` lines.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawlers.links import suspicious_url
from crawlers.policy import PageBudget, retry_delay
from nlp.urls import same_site
from warehouse import clock


class CrawlIgnored(IgnoreRequest):
    """A request we chose not to make; `kind` is the run_errors kind."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class ProxyMiddleware:
    def __init__(self, proxy: str):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProxyMiddleware:
        return cls(crawler.settings.get("CHUYENMUC_PROXY") or "")

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy


class UnitScopeMiddleware:
    def __init__(self, budget: int, max_url: int, backoff: float = 1.0):
        self.budget = PageBudget(budget)
        self.max_url = max_url
        self.backoff = backoff

    @classmethod
    def from_crawler(cls, crawler: Any) -> UnitScopeMiddleware:
        s = crawler.settings
        return cls(PageBudget.from_settings(s).limit, s.getint("URLLENGTH_LIMIT"), s.getfloat("RETRY_BACKOFF_BASE"))

    async def process_request(self, request: Request, spider: Any = None) -> None:
        unit = request.meta.get("unit_id")
        if not unit:
            return
        domains = request.meta.get("unit_domains") or ()
        if domains and not same_site(request.url, domains):
            host = (urlsplit(request.url).hostname or "").lower()
            raise CrawlIgnored("offsite", f"{host} is not one of unit {unit}'s domains {list(domains)}")
        n = int(request.meta.get("retry_times") or 0)
        if n:
            # Scrapy retries at once; a struggling small server gets exponential backoff instead
            await asyncio.sleep(retry_delay(n, self.backoff))
            return  # a retry of an admitted request is already counted
        if suspicious_url(request.url, self.max_url):
            raise CrawlIgnored("trap-url", "URL looks like a crawler trap (repeated path segments or too long)")
        if not self.budget.spend(unit):
            raise CrawlIgnored("page-budget", f"unit {unit} reached its page budget of {self.budget.limit} requests")


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt rules kept in the warehouse (see the module docstring); `store` is the spider's
    CrawlState: what is read here is yielded as a RobotsItem when the spider closes."""

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc in self._parsers:
            return await super().robot_parser(request)
        spider = self.crawler.spider
        store = getattr(spider, "state", None)
        key = f"{url.scheme}://{netloc}"
        cached = store.known.robots.get(key) if store is not None else None
        ttl = self.crawler.settings.getint("ROBOTSTXT_TTL", 86400)
        if cached and (clock.now() - cached["fetched_at"]).total_seconds() < ttl:
            self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler,
                                                       (cached["body"] or "").encode("utf-8"))
            self.crawler.stats.inc_value("robotstxt/cache_hit")
            return self._parsers[netloc]
        from twisted.internet.defer import Deferred
        self._parsers[netloc] = Deferred()
        headers = {}
        if cached and cached.get("etag"):
            headers["If-None-Match"] = cached["etag"]
        if cached and cached.get("last_modified"):
            headers["If-Modified-Since"] = cached["last_modified"]
        req = Request(f"{key}/robots.txt", priority=self.DOWNLOAD_PRIORITY, headers=headers,
                      meta={"dont_obey_robotstxt": True, "handle_httpstatus_list": [304, *range(400, 600)]}, callback=NO_CALLBACK)
        body = ""
        try:
            resp = await self.crawler.engine.download_async(req)
            if resp.status == 304 and cached:
                body = cached["body"] or ""
            elif 200 <= resp.status < 300:
                body = resp.body.decode("utf-8", "replace")
            # 4xx: no rules (everything allowed); 5xx: treated the same, the site is in trouble
            if store is not None:
                store.robots_seen(key, resp.status, body,
                                  _h(resp, b"ETag") if resp.status != 304 else cached.get("etag") if cached else None,
                                  _h(resp, b"Last-Modified") if resp.status != 304 else cached.get("last_modified") if cached else None)
        except Exception as e:  # the site is down: no rules now, nothing cached, try again next run
            if store is not None:
                store.error(None, req.url, "robots-unreachable", f"{type(e).__name__}: {e}")
        rp = build_from_crawler(self._parserimpl, self.crawler, body.encode("utf-8"))
        dfd = self._parsers[netloc]
        self._parsers[netloc] = rp
        dfd.callback(rp)  # type: ignore[union-attr]
        self.crawler.stats.inc_value("robotstxt/request_count")
        return rp


def _h(resp: Any, name: bytes) -> str | None:
    v = resp.headers.get(name)
    return v.decode("latin-1") if v else None


class SiteCutoffMiddleware:
    """A site that stops answering is cut off for the rest of the night.

    After CHUYENMUC_SITE_CUTOFF consecutive failed download attempts (timeouts, refused or dropped
    connections, failed tunnels) on one host, its queued requests are dropped at once instead of
    each waiting out its timeouts and retries: a dead site costs seconds, not hours. Any response
    resets the count. The middleware sits just outside RetryMiddleware (order 560 > 550), so it sees
    every failed attempt, retries included; counting only the failures left after retries let a site
    that dropped connections hold the night for minutes (measured before this change: the first
    failure reached it 130 s after the site went down). The spider clears the validators of the
    sources whose links were missed, so the next night re-reads them in full.
    """

    def __init__(self, cutoff: int):
        self.cutoff = cutoff
        self.failures: Counter[str] = Counter()
        self.cut: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteCutoffMiddleware:
        return cls(crawler.settings.getint("CHUYENMUC_SITE_CUTOFF", 6))

    def process_request(self, request: Request, spider: Any = None) -> None:
        host = urlsplit(request.url).hostname or ""
        if host in self.cut:
            raise CrawlIgnored("site-down", f"{host} stopped answering ({self.cutoff} transport failures in a row); "
                                            "skipped for the rest of this run")

    def process_response(self, request: Request, response: Any, spider: Any = None) -> Any:
        self.failures.pop(urlsplit(request.url).hostname or "", None)
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        if isinstance(exception, IgnoreRequest):  # our own refusals (robots, offsite, budget) are not the site's fault
            return None
        host = urlsplit(request.url).hostname or ""
        self.failures[host] += 1
        if self.failures[host] >= self.cutoff:
            self.cut.add(host)
        return None
