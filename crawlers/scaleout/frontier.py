"""Seeds from Redis and the stop rule, for any spider: `with_redis_frontier(SpiderClass)`.

Scrapy 2.19 no longer calls `start_requests`, so scrapy-redis' RedisSpider gets no seeds from its
start-URL key through `start()`; here `start()` yields nothing and seeds are pulled (a few at a
time, so they spread over workers) whenever the worker has free download slots and the shared
request queue is empty, and when it is idle. A seed is JSON; the spider turns
it into requests with `requests_for_seed(seed)` (the units spider: a unit id -> its home page,
feeds, sitemaps and listings).

Stop rule: scrapy-redis workers never exit by themselves. A worker closes when it has nothing in
flight and both the seed list and the shared request queue have stayed empty for
SCALEOUT_IDLE_SECONDS (others may still be working; anything they discover later is theirs).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterable
from typing import Any

from scrapy import Request, signals
from scrapy.core.engine import ExecutionEngine
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin

from crawlers.scaleout.settings import keys_of

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0   # a running worker not heard of for 6 beats is taken for dead


class RedisSeedsMixin(RedisMixin):
    """Mix in before the spider class; the spider implements `requests_for_seed(seed: dict)`."""

    _idle_since: float | None = None
    seeds_taken: int = 0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
        spider.redis_batch_size = crawler.settings.getint("SCALEOUT_SEED_BATCH", 1)
        spider.idle_seconds = crawler.settings.getfloat("SCALEOUT_IDLE_SECONDS", 10.0)
        spider.setup_redis(crawler)
        # seeds are taken whenever this worker has room, not only when it is idle: otherwise one
        # worker crawls one unit at a time (a 5x slowdown measured on the demo web)
        crawler.signals.connect(spider._seeds_when_room, signal=signals.scheduler_empty)
        return spider

    def _seeds_when_room(self) -> None:
        engine = self.crawler.engine
        if engine is None or engine.needs_backout():
            return
        if self.server.llen(self.redis_key):
            self.schedule_next_requests()

    async def start(self):  # type: ignore[no-untyped-def]
        """No local seeds: they come from the Redis seed list (see spider_idle)."""
        return
        yield  # pragma: no cover  (makes this an async generator)

    def requests_for_seed(self, seed: dict[str, Any]) -> Iterable[Request]:
        """Default: a seed {"url": ...} is one GET request to the spider's default callback."""
        yield Request(seed["url"], dont_filter=True, meta=seed.get("meta") or {})

    def make_request_from_data(self, data: bytes | str) -> list[Request]:
        try:
            seed = json.loads(data)
        except ValueError:
            log.error("bad seed on %s (not JSON): %r", self.redis_key, data[:200])
            return []
        self.seeds_taken += 1
        return list(self.requests_for_seed(seed))

    def frontier_size(self) -> int:
        sched = getattr(self.crawler.engine, "_slot", None)
        queued = len(sched.scheduler) if sched is not None else 0
        return int(self.server.llen(self.redis_key)) + queued

    def spider_idle(self) -> None:
        """Pull seeds; close only after the whole frontier stayed empty for `idle_seconds`."""
        before = self.seeds_taken
        self.schedule_next_requests()
        if self.seeds_taken > before or self.frontier_size() > 0:
            self._idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_seconds:
            raise DontCloseSpider
        self.logger.info("frontier empty for %.1fs and nothing in flight: this worker stops", self.idle_seconds)


def with_redis_frontier(spider_cls: type) -> type:
    """The same spider, fed from the shared Redis frontier (a new class; the original is untouched)."""
    return type(f"Redis{spider_cls.__name__}", (RedisSeedsMixin, spider_cls), {"__module__": spider_cls.__module__})


class FrontierExtension:
    """Polls the shared frontier often (Scrapy's idle heartbeat is 5 s) and records worker liveness."""

    def __init__(self, crawler: Any):
        from scrapy_redis import connection

        s = crawler.settings
        self.crawler = crawler
        self.server = connection.from_settings(s)
        self.key = keys_of(s)["workers"]
        self.worker = s.get("SCALEOUT_WORKER_ID") or f"{socket.gethostname()}:{os.getpid()}"
        # the engine's heartbeat is when an idle worker looks at the shared queue again
        ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = s.getfloat("SCALEOUT_HEARTBEAT", 0.5)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def _set(self, state: str, **extra: Any) -> None:
        self.server.hset(self.key, self.worker, json.dumps(
            dict(state=state, pid=os.getpid(), host=socket.gethostname(), at=time.time(), **extra)))

    def opened(self, spider: Any) -> None:
        from twisted.internet.task import LoopingCall
        self._set("running")
        # a heartbeat, so the coordinator can tell a live remote worker from a SIGKILLed one
        self._beat = LoopingCall(self._set, "running")
        self._beat.start(HEARTBEAT_SECONDS, now=False)

    def closed(self, spider: Any, reason: str) -> None:
        beat = getattr(self, "_beat", None)
        if beat is not None and beat.running:
            beat.stop()
        stats = self.crawler.stats
        self._set("closed", reason=reason, responses=stats.get_value("response_received_count", 0))
