"""A per-site request rate shared by every worker: each site's next send time is reserved in Redis.

Scrapy's DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN hold per process, so N workers hit a
site N times as hard. Here, before a request is sent, a Lua script (atomic on the Redis server, on
the server's clock, so worker clocks do not matter) reads the site's next free slot, reserves it
(slot + 1/rate) and returns how long to wait; the worker sleeps without blocking the reactor. The
site's rate is then the configured one whatever the number of workers or machines.

The middleware also remembers the requests it let through until they end: if the worker is shut
down (SIGTERM) with requests in flight, those are put back on the shared frontier so another worker
fetches them. (A SIGKILLed worker cannot do that; the next night's run finds the pages again.)
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from scrapy import Request, signals
from scrapy.utils.misc import load_object

from crawlers.scaleout.queues import site_of
from crawlers.scaleout.settings import keys_of

log = logging.getLogger(__name__)

# KEYS[1]: the site's reservation key; ARGV[1]: interval in microseconds. Returns the wait in µs.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = now
if nxt > now then at = nxt end
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%d', at + interval), 'PX', math.floor((at - now + interval) / 1000) + 60000)
return at - now
"""


class SharedRateLimitMiddleware:
    """Downloader middleware: wait for the site's reserved send time (SCALEOUT_SITE_RATE req/s)."""

    def __init__(self, crawler: Any):
        from scrapy_redis import connection

        s = crawler.settings
        self.crawler = crawler
        self.server = connection.from_settings(s)
        self.prefix = keys_of(s)["rate"] + ":"
        self.rate = s.getfloat("SCALEOUT_SITE_RATE", 0.0)
        self.rates: dict[str, float] = {k.lower(): float(v) for k, v in (s.getdict("SCALEOUT_SITE_RATES") or {}).items()}
        self._reserve = self.server.register_script(_RESERVE)
        self.inflight: dict[int, Request] = {}
        self.waited = 0.0
        self.missed = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedRateLimitMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def rate_for(self, site: str) -> float:
        return self.rates.get(site, self.rate)

    def reserve(self, site: str) -> float:
        """Seconds to wait before sending to `site` (the slot is already taken for us)."""
        rate = self.rate_for(site)
        if rate <= 0:
            return 0.0
        us = int(self._reserve(keys=[self.prefix + site], args=[int(1_000_000 / rate)]))
        return us / 1_000_000

    async def process_request(self, request: Request, spider: Any = None) -> None:
        self.inflight[id(request)] = request   # from here on, a shutdown puts it back on the frontier
        site = site_of(request.url)
        rate = self.rate_for(site)
        if rate <= 0:
            return
        slack = 0.25 / rate
        for _ in range(20):
            wait = self.reserve(site)
            due = time.monotonic() + wait
            if wait > 0:
                self.waited += wait
                await asyncio.sleep(wait)
            # a worker stalled past its slot (CPU, GC) would otherwise send late and then bunch
            # with the next slot's request: a slot missed by more than a quarter interval is
            # abandoned and a new one reserved, so sends never come closer than the rate allows
            if time.monotonic() - due <= slack:
                return
            self.missed += 1

    def process_response(self, request: Request, response: Any, spider: Any = None) -> Any:
        self.inflight.pop(id(request), None)
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        if not self._closing():
            self.inflight.pop(id(request), None)

    def _closing(self) -> bool:
        slot = getattr(self.crawler.engine, "_slot", None)
        return slot is None or slot.closing is not None

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.crawler.stats.set_value("scaleout/rate_wait_seconds", round(self.waited, 3))
        self.crawler.stats.set_value("scaleout/rate_slots_missed", self.missed)
        if reason == "finished" or not self.inflight:
            return
        s = self.crawler.settings
        qcls = load_object(s.get("SCHEDULER_QUEUE_CLASS"))
        serializer = s.get("SCHEDULER_SERIALIZER")
        if isinstance(serializer, str):
            import importlib
            serializer = importlib.import_module(serializer)
        queue = qcls(server=self.server, spider=spider, key=s.get("SCHEDULER_QUEUE_KEY"), serializer=serializer)
        n = 0
        for req in self.inflight.values():
            try:
                queue.push(req.replace(dont_filter=True))
                n += 1
            except Exception as e:  # e.g. an unpicklable meta value: say so rather than lose silently
                log.error("could not put back in-flight request %s: %s", req.url, e)
        self.inflight.clear()
        self.crawler.stats.set_value("scaleout/requeued_on_close", n)
        log.info("put %d in-flight requests back on the shared frontier (closing: %s)", n, reason)
