"""The project's `units` spider as a scale-out worker: same callbacks, shared frontier, spooled output.

What changes against the single process (crawlers/run.py), and why:
- seeds: one JSON seed per unit ({"unit_id": ...}) on the Redis seed list -> `unit_requests(unit)`;
- claims: the spider deduplicates per process (`scheduled`, `articles_seen`, all requests are
  dont_filter), so each article URL and each source is claimed in a Redis set for the run before it
  is requested: whichever worker discovers it first fetches it, the others skip it;
- writes: the spider's CrawlState is read from the warehouse read-only at start (what is already
  stored, source health, columns, robots); the items it yields go to crawlers.pipelines.SpoolPipeline
  (this spider's ITEM_PIPELINES), Parquet batches instead of DuckDB (one writer merges them);
- robots.txt and the per-unit page budget are shared in Redis (SharedRobotsTxtMiddleware,
  SharedUnitScopeMiddleware), so N workers fetch each robots.txt once and keep one budget per unit.

Configured by settings (the coordinator writes them; remote workers get the same JSON file):
CHUYENMUC_SCALEOUT_JOB = {db, plan, units_file, unit_ids, refetch, run_id}.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from scrapy import Request
from scrapy.utils.httpobj import urlparse_cached

from crawlers.counts import crawl_counts
from crawlers.middlewares import CachedRobotsTxtMiddleware, UnitScopeMiddleware
from crawlers.scaleout.frontier import RedisSeedsMixin
from crawlers.scaleout.settings import keys_of
from crawlers.spiders.units import UnitsSpider
from crawlers.store import CrawlState
from nlp.urls import canonical_url
from registry.units import Unit
from warehouse import clock

SPOOL_TABLES: dict[str, tuple[str, ...]] = {
    "pages": ("page_id",),
    "source_health": ("source_id",),
    "unit_columns": ("column_id",),
    "sources": ("source_id",),
    "robots_cache": ("host",),
    "run_errors": (),
}
SPOOL_ORDER = {"pages": "fetched_at", "source_health": "updated_at", "unit_columns": "last_seen",
               "sources": "last_seen", "robots_cache": "fetched_at"}


class RedisUnitsSpider(RedisSeedsMixin, UnitsSpider):
    name = "units"
    # the same spider and items as the single process; only the pipeline differs: a Parquet spool
    custom_settings: dict[str, Any] = {"ITEM_PIPELINES": {"crawlers.pipelines.SpoolPipeline": 300}}
    # a file is fetched by whichever worker pops its request: a page cannot wait for it here
    hold_document_pages = False

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> RedisUnitsSpider:
        from crawlers.run import select_units
        from registry import load_plan, load_units
        from warehouse.db import connect

        s = crawler.settings
        job = s.getdict("CHUYENMUC_SCALEOUT_JOB")
        if not job:
            raise ValueError("RedisUnitsSpider needs the CHUYENMUC_SCALEOUT_JOB setting (see pipeline/scaleout.py)")
        plan, reg = load_plan(job["plan"]), load_units(job["units_file"])
        units = select_units(reg, job.get("unit_ids") or None)
        state = CrawlState(job.get("run_id"))
        con = connect(job["db"], read_only=True)   # several workers may read at once; none writes it
        try:
            state.read(con, [u.unit_id for u in units])
        finally:
            con.close()
        kwargs.update(units=units, patterns=plan.column_patterns, state=state, refetch=bool(job.get("refetch")))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.claims_key = keys_of(s)["claimed"]
        return spider

    # ---- seeds
    def requests_for_seed(self, seed: dict[str, Any]) -> Iterable[Request]:
        uid = seed.get("unit_id")
        unit = next((u for u in self.units if u.unit_id == uid), None)
        if unit is None:
            self.logger.error("seed for unit %r, which this worker's registry does not list", uid)
            return []
        return self.unit_requests(unit)

    # ---- one fetch per URL per run, whichever worker finds it first
    def _claim(self, what: str) -> bool:
        return bool(self.server.sadd(self.claims_key, what))

    def source_request(self, unit: Unit, kind: str, url: str, sid: str | None, callback: Any,
                       **meta: Any) -> Request | None:
        r = super().source_request(unit, kind, url, sid, callback, **meta)
        if r is not None and not self._claim(f"{kind}|{canonical_url(url)}"):
            return None
        return r

    def article_request(self, unit: Unit, url: str, via: Any, column: str | None) -> Request | None:
        r = super().article_request(unit, url, via, column)
        if r is None:
            return None
        c = r.meta["link_canonical"]
        # a category another worker found is a listing, not an article (the single process knows
        # this from its own listing_urls)
        if self.server.sismember(self.claims_key, f"column|{c}") or not self._claim(f"article|{c}"):
            return None
        return r

    def attachment_request(self, unit: Unit, url: str) -> Request | None:
        """A document page's file is fetched by one worker only, like an article."""
        r = super().attachment_request(unit, url)
        if r is None or not self._claim(f"attachment|{r.meta['link_canonical']}"):
            return None
        return r

    def worker_counts(self) -> dict[str, Any]:
        """This worker's counts, from crawler.stats as the single process's (crawlers.counts)."""
        c = crawl_counts(self.crawler.stats.get_stats())
        keep = ("requests", "responses", "robots_requests", "pages_stored", "new_articles", "not_modified",
                "duplicates", "errors", "per_unit")
        return {k: c[k] for k in keep}


class _RedisCounter(dict):
    """`used[unit] += 1` on a counter shared in Redis: reads GET, writes INCR (atomic across workers)."""

    def __init__(self, server: Any, key: str):
        super().__init__()
        self.server, self.key = server, key

    def __getitem__(self, unit: str) -> int:
        return int(self.server.hget(self.key, unit) or 0)

    def __setitem__(self, unit: str, value: int) -> None:
        self.server.hincrby(self.key, unit, 1)


class SharedUnitScopeMiddleware(UnitScopeMiddleware):
    """The crawler's scope and page budget, with the budget counted once for all workers."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedUnitScopeMiddleware:
        from scrapy_redis import connection
        mw = super().from_crawler(crawler)
        mw.budget.used = _RedisCounter(connection.from_settings(crawler.settings), keys_of(crawler.settings)["budget"])
        return mw  # type: ignore[return-value]


class SharedRobotsTxtMiddleware(CachedRobotsTxtMiddleware):
    """robots.txt fetched by one worker per host and run; the others wait for it and reuse it."""

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        netloc = url.netloc
        store = getattr(self.crawler.spider, "state", None)
        if netloc in self._parsers or store is None:
            return await super().robot_parser(request)
        from scrapy_redis import connection
        server = getattr(self, "_server", None) or connection.from_settings(self.crawler.settings)
        self._server = server
        key = f"{url.scheme}://{netloc}"
        shared = keys_of(self.crawler.settings)["robots"]
        ttl = self.crawler.settings.getint("ROBOTSTXT_TTL", 86400)
        cached = store.known.robots.get(key)
        fresh = cached and (clock.now() - cached["fetched_at"]).total_seconds() < ttl
        mine = False
        if not fresh:
            mine = bool(server.set(f"{shared}:lock:{key}", "1", nx=True, ex=120))
            if not mine:
                for _ in range(600):   # another worker is fetching it: wait (up to 60 s)
                    raw = server.hget(shared, key)
                    if raw:
                        row = json.loads(raw)
                        # fetched_at = now: this worker trusts it for the run; the fetcher stores it
                        store.known.robots[key] = dict(row, fetched_at=clock.now())
                        break
                    await asyncio.sleep(0.1)
        parser = await super().robot_parser(request)
        if mine:
            row = store.known.robots.get(key)
            if row is not None:
                server.hset(shared, key, json.dumps({k: v for k, v in row.items() if k != "fetched_at"}))
            else:   # unreachable site: let the others try themselves
                server.delete(f"{shared}:lock:{key}")
        return parser


def worker_overrides() -> dict[str, Any]:
    """Settings that swap the crawler's per-process robots and budget middlewares for shared ones."""
    return {"DOWNLOADER_MIDDLEWARES": {
        "crawlers.middlewares.CachedRobotsTxtMiddleware": None,
        "crawlers.middlewares.UnitScopeMiddleware": None,
        "crawlers.scaleout.units.SharedRobotsTxtMiddleware": 100,
        "crawlers.scaleout.units.SharedUnitScopeMiddleware": 110,
    }}
