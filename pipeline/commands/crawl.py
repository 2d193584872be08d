"""`chuyenmuc crawl`: discover columns and collect new articles from the units' sites (Scrapy, in-process)."""
from __future__ import annotations

import argparse
import json

from pipeline import exitcodes
from pipeline.commands._types import proxy_url
from pipeline.context import Context, add_common

ORDER = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crawl", help="crawl the units' sites: columns, feeds, sitemaps, new articles")
    add_common(p, writer=True)
    p.add_argument("--units", metavar="ID,...", help="only these unit ids (default: every unit with a site)")
    p.add_argument("--refetch", action="store_true", help="download pages again even if already stored")
    p.add_argument("--proxy", metavar="URL", type=proxy_url, help="HTTP proxy for every request (default: config crawl.proxy)")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    from pipeline.scaleout import add_arguments
    add_arguments(p)   # --workers N, --redis URL, --spool DIR, --site-rate R
    p.set_defaults(func=_crawl)


def _crawl(args: argparse.Namespace) -> int:
    from pipeline.crawl_job import run_crawl
    ctx = Context(args)
    plan, reg, cfg = ctx.plan, ctx.registry, ctx.config
    ids = [x.strip() for x in args.units.split(",") if x.strip()] if args.units else None
    from crawlers.run import select_units
    from pipeline.scaleout import maybe_scaleout
    select_units(reg, ids)  # unknown ids: exit 2 before the lock or the database is touched
    with ctx.writer("crawl") as w:
        counts = maybe_scaleout(args, w.work, plan, reg, cfg, ids) or run_crawl(
            w.work, plan, reg, cfg, ids, refetch=args.refetch, proxy=args.proxy, in_process=True)
        w.publish()
    if args.json:
        print(json.dumps(counts, ensure_ascii=False))
    else:
        print(f"{ctx.db_path}: {counts['requests']} requests, {counts['new_articles']} new articles, "
              f"{counts['not_modified']} unchanged (304), {counts['columns_found']} dedicated columns, "
              f"{counts['errors']} errors")
    return exitcodes.PARTIAL if counts.get("sources_failing") else exitcodes.OK
