"""`chuyenmuc crawl`: discover columns and collect new articles from the units' sites (Scrapy, in-process)."""
from __future__ import annotations

import argparse
import json

from pipeline import exitcodes
from pipeline.context import Context, add_common

ORDER = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crawl", help="crawl the units' sites: columns, feeds, sitemaps, new articles")
    add_common(p)
    p.add_argument("--units", metavar="ID,...", help="only these unit ids (default: every unit with a site)")
    p.add_argument("--refetch", action="store_true", help="download pages again even if already stored")
    p.add_argument("--proxy", metavar="URL", help="HTTP proxy for every request (default: config crawl.proxy)")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=_crawl)


def _crawl(args: argparse.Namespace) -> int:
    from pipeline.crawl_job import run_crawl
    ctx = Context(args)
    plan, reg, cfg = ctx.plan, ctx.registry, ctx.config
    ids = [x.strip() for x in args.units.split(",") if x.strip()] if args.units else None
    counts = run_crawl(ctx.db_path, plan, reg, cfg, ids, refetch=args.refetch, proxy=args.proxy, in_process=True)
    if args.json:
        print(json.dumps(counts, ensure_ascii=False))
    else:
        print(f"{ctx.db_path}: {counts['requests']} requests, {counts['new_articles']} new articles, "
              f"{counts['not_modified']} unchanged (304), {counts['columns_found']} dedicated columns, "
              f"{counts['errors']} errors")
    return exitcodes.PARTIAL if counts.get("sources_failing") else exitcodes.OK
