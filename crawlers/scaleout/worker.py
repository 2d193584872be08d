"""One crawl worker: `python -m crawlers.scaleout.worker --redis URL --spider module:Class ...`.

Run it on any machine that reaches the Redis server (and the spool folder, for the writer). The
spider class is wrapped with `with_redis_frontier`, so it takes seeds and requests from the shared
frontier; SIGTERM (or Ctrl-C) shuts the worker down cleanly: Scrapy stops taking requests, the
shared queue stays (SCHEDULER_PERSIST) and requests in flight are put back on it.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.utils.misc import load_object

from crawlers.scaleout.frontier import RedisSeedsMixin, with_redis_frontier
from crawlers.scaleout.settings import DEFAULT_PREFIX, apply, redis_settings


def worker_settings(base: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    extra = redis_settings(args.redis, prefix=args.prefix, queue=args.queue, site_rate=args.site_rate,
                           idle_seconds=args.idle_seconds, spool_dir=args.spool, worker_id=args.worker_id)
    return apply(base, extra)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m crawlers.scaleout.worker", description=__doc__.splitlines()[0])
    p.add_argument("--redis", required=True, help="redis://host:port/db of the shared frontier")
    p.add_argument("--prefix", default=DEFAULT_PREFIX, help="key prefix of this crawl in Redis")
    p.add_argument("--spider", default="crawlers.scaleout.units.RedisUnitsSpider",
                   help="module:Class of the spider (wrapped with the Redis frontier unless already)")
    p.add_argument("--settings-json", default="{}", help="extra Scrapy settings as JSON (tests, benchmarks)")
    p.add_argument("--settings-file", help="Scrapy settings as a JSON file (what the coordinator writes)")
    p.add_argument("--queue", default="roundrobin", choices=["roundrobin", "fifo"])
    p.add_argument("--site-rate", type=float, default=None, help="requests/s per site, all workers together")
    p.add_argument("--idle-seconds", type=float, default=10.0)
    p.add_argument("--spool", required=True, help="folder for this worker's Parquet batches")
    p.add_argument("--worker-id", default=None, help="unique per worker (default: <hostname>-<pid>)")
    p.add_argument("--spider-arg", action="append", default=[], metavar="K=V")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.worker_id:
        import os
        import socket
        args.worker_id = f"{socket.gethostname()}-{os.getpid()}"
    logging.getLogger("scrapy_redis").setLevel(logging.WARNING)
    # scrapy-redis 0.9.1 still passes `spider=` to the stats collector: noise, not a problem
    warnings.filterwarnings("ignore", message="Passing a 'spider' argument")
    cls = load_object(args.spider.replace(":", "."))
    if not issubclass(cls, RedisSeedsMixin):
        cls = with_redis_frontier(cls)
    base = getattr(cls, "base_settings", None)
    base = base() if callable(base) else {}
    from_file = json.loads(open(args.settings_file, encoding="utf-8").read()) if args.settings_file else {}
    settings = worker_settings({**base, **from_file, **json.loads(args.settings_json)}, args)
    process = CrawlerProcess(settings)
    kw = dict(a.split("=", 1) for a in args.spider_arg)
    crawler = process.create_crawler(cls)
    process.crawl(crawler, **kw)
    process.start()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    out = {"worker": args.worker_id, "finish_reason": reason,
           "responses": crawler.stats.get_value("response_received_count", 0)}
    counts = getattr(crawler.spider, "worker_counts", None)
    if callable(counts):
        out["counts"] = counts()
    print("\n" + json.dumps(out), flush=True)
    return 0 if reason == "finished" else 130 if reason == "shutdown" else 1


if __name__ == "__main__":
    sys.exit(main())
