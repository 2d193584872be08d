"""Scrapy settings that turn one crawl process into a worker on a shared Redis frontier.

`redis_settings(url, ...)` returns a dict to merge over the crawler's own settings (the crawl
branch's `build_settings(crawl, proxy, overrides)` takes it as `overrides`). Everything that makes
the crawl distributed is here, so scale-out is a setting, not a rewrite of the spider.
"""
from __future__ import annotations

from typing import Any

QUEUES = {
    "roundrobin": "crawlers.scaleout.queues.RoundRobinQueue",  # per-site FIFO lists, sites in turn
    "fifo": "scrapy_redis.queue.FifoQueue",                    # one shared FIFO list
}


DEFAULT_PREFIX = "chuyenmuc"


def keys(prefix: str) -> dict[str, str]:
    """Every Redis key one crawl uses, under one prefix (so several crawls can share a server)."""
    return {
        "seeds": f"{prefix}:seeds",            # JSON seeds ({"unit_id": ...}) pushed by the coordinator
        "requests": f"{prefix}:requests",      # the frontier (scheduler queue)
        "dupefilter": f"{prefix}:dupefilter",  # request fingerprints seen by any worker
        "rate": f"{prefix}:rate",              # per-site next-send-time reservations (prefix:rate:<site>)
        "workers": f"{prefix}:workers",        # hash worker id -> last heartbeat (informational)
        "claimed": f"{prefix}:claimed",        # set of "kind|canonical URL" a worker has taken for the run
        "budget": f"{prefix}:budget",          # hash unit id -> requests spent of its page budget
        "robots": f"{prefix}:robots",          # hash site -> robots.txt row (prefix:robots:lock:<site> while fetched)
    }


def keys_of(settings: Any) -> dict[str, str]:
    """The Redis keys of the crawl a worker's settings belong to (SCALEOUT_PREFIX)."""
    return keys(settings.get("SCALEOUT_PREFIX") or DEFAULT_PREFIX)


def redis_settings(redis_url: str, prefix: str = DEFAULT_PREFIX, queue: str = "roundrobin",
                   site_rate: float | None = None, idle_seconds: float = 10.0,
                   seed_batch: int = 1, spool_dir: str | None = None, worker_id: str = "w0") -> dict[str, Any]:
    """Settings for one worker.

    site_rate: requests per second allowed per site across ALL workers (None: 1 / DOWNLOAD_DELAY).
    idle_seconds: a worker stops once the seeds and the frontier have been empty this long while it
      had nothing in flight (without this rule scrapy-redis workers never exit).
    seed_batch: seeds taken per pull (small, so seeds spread over workers).
    """
    if queue not in QUEUES:
        raise ValueError(f"queue must be one of {sorted(QUEUES)}, not {queue!r}")
    k = keys(prefix)
    s: dict[str, Any] = {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # one worker's clean exit must not delete the shared queue and dupefilter (default False does)
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        "SCHEDULER_QUEUE_CLASS": QUEUES[queue],
        "SCHEDULER_QUEUE_KEY": k["requests"],
        "SCHEDULER_DUPEFILTER_KEY": k["dupefilter"],
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,          # never BRPOP: a blocking pop would stall the reactor
        "REDIS_URL": redis_url,
        "REDIS_START_URLS_KEY": k["seeds"],
        "REDIS_START_URLS_AS_SET": False,
        "SCALEOUT_PREFIX": prefix,
        "SCALEOUT_IDLE_SECONDS": float(idle_seconds),
        "SCALEOUT_SEED_BATCH": int(seed_batch),
        "SCALEOUT_WORKER_ID": worker_id,
        "SCALEOUT_HEARTBEAT": 0.5,                 # how often an idle worker polls the shared frontier
        # politeness across workers: the shared limiter is the per-site clock; the per-process delay
        # and AutoThrottle would only add per-worker waits on top of it
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY_JITTER": 0,
        "TELNETCONSOLE_ENABLED": False,             # no remote consoles on workers
        "REMOTE_CONTROL_ENABLED": False,
        "EXTENSIONS": {"crawlers.scaleout.frontier.FrontierExtension": 500},
        "DOWNLOADER_MIDDLEWARES": {"crawlers.scaleout.ratelimit.SharedRateLimitMiddleware": 950},
    }
    if site_rate is not None:
        s["SCALEOUT_SITE_RATE"] = float(site_rate)
    if spool_dir:
        s["SCALEOUT_SPOOL_DIR"] = str(spool_dir)
    return s


def apply(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge `extra` (from redis_settings) over a settings dict, merging the component dicts.

    DOWNLOADER_MIDDLEWARES / EXTENSIONS are merged so `base` keeps its own components.
    """
    out = dict(base)
    for k2, v in extra.items():
        out[k2] = {**(base.get(k2) or {}), **v} if k2 in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES") else v
    if "SCALEOUT_SITE_RATE" not in out:
        delay = float(out.get("DOWNLOAD_DELAY") or 0)
        out["SCALEOUT_SITE_RATE"] = 1.0 / delay if delay > 0 else 0.0   # 0: no limit
    # the shared limiter replaces the per-process delay (keeping both would halve the rate)
    out["DOWNLOAD_DELAY"] = 0
    return out
