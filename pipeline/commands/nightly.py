"""`chuyenmuc nightly`: the one command cron runs."""
from __future__ import annotations

import argparse

from pipeline.commands._types import iso_date_text, proxy_url
from pipeline.context import add_common

ORDER = 5


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("nightly", help="crawl, extract, tag, refresh views (and the weekly summary on its weekday)",
                       description="Run the whole pipeline once. Exit codes: 0 ok, 3 partial (some sources failed), "
                                   "1 failed (also: no site reached at all), 2 bad input, 4 another writer held the "
                                   "working database for longer than --wait.")
    add_common(p, writer=True)
    p.add_argument("--units", metavar="ID,...", help="only these units (default: all with a site)")
    p.add_argument("--proxy", metavar="URL", type=proxy_url, help="HTTP proxy for every request (the demo web is reached this way)")
    p.add_argument("--as-of", metavar="DATE", type=iso_date_text, help="reference date for column status and the weekly report (default: today)")
    p.add_argument("--refetch", action="store_true", help="re-download pages already stored")
    p.add_argument("--weekly", action="store_true", help="write the weekly summary whatever the weekday")
    p.add_argument("--skip", action="append", choices=["crawl", "channels", "extract", "tag", "views", "weekly"],
                   help="skip a stage (repeatable)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from pipeline.nightly import run_nightly
    return run_nightly(args)
