"""`chuyenmuc report weekly|annual`: the coverage-gap summary and the 30/11 annual report."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import exitcodes
from pipeline.commands._types import year
from pipeline.context import Context, add_common

ORDER = 60


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="weekly coverage-gap summary and annual report")
    rsub = rep.add_subparsers(dest="report_cmd", metavar="KIND", required=True)
    w = rsub.add_parser("weekly", help="Markdown + HTML summary of one ISO week (default: the last complete one)")
    w.add_argument("--week", metavar="YYYY-Www", type=week_arg, help="ISO week, e.g. 2021-W30")
    w.add_argument("--out", metavar="DIR", help="output folder (default: paths.reports in the config)")
    add_common(w)
    w.set_defaults(func=_weekly)
    a = rsub.add_parser("annual", help="XLSX + HTML annual report for the plan's 30/11 deadline")
    a.add_argument("--year", type=year, required=True, help="calendar year, e.g. 2021")
    a.add_argument("--out", metavar="DIR", help="output folder (default: paths.reports in the config)")
    add_common(a)
    a.set_defaults(func=_annual)


FIRST_YEAR = 1995  # no Vietnamese provincial site published before; dates are kept inside [1995, now + 1 day]


def week_arg(value: str) -> str:
    """--week: an ISO week the reports can work with (argparse exits 2 naming the option otherwise)."""
    import datetime as dt

    from pipeline.reports.common import ReportError, parse_week
    try:
        monday = parse_week(value)
    except ReportError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    last = dt.date.today().year + 1
    if not FIRST_YEAR <= monday.year <= last:
        raise argparse.ArgumentTypeError(f"week {value!r}: outside {FIRST_YEAR}-W01 .. {last}-W52")
    return value


def open_db(ctx: Context):
    """Open the published warehouse read-only (it works while a nightly runs, never takes its lock).

    The config's status.dormant_days governs the report: when it differs from the value the
    warehouse was built with, this connection shadows `settings` with a temporary table holding
    the config's value (the views read `settings` unqualified), and the file is not written.
    """
    from pipeline.reports.settings import get_setting
    from warehouse import connect
    con = connect(ctx.db_path, read_only=True)
    want = str(int(ctx.config.section("status").get("dormant_days", 90)))
    if get_setting(con, "dormant_days") != want:
        con.execute("CREATE TEMP TABLE settings AS SELECT key, value, updated_at FROM main.settings "
                    "WHERE key <> 'dormant_days' UNION ALL SELECT 'dormant_days', ?, now()::TIMESTAMP", [want])
    return con


def _out(ctx: Context, args: argparse.Namespace) -> Path:
    return Path(args.out) if args.out else ctx.config.path("reports")


def _write(args: argparse.Namespace, kind: str, write) -> int:
    """Open the warehouse, write one report, print its files; a report error is bad input (exit 2)."""
    from pipeline.reports.common import ReportError
    ctx = Context(args)
    con = open_db(ctx)
    try:
        paths = write(con, _out(ctx, args))
    except ReportError as e:
        print(f"chuyenmuc report {kind}: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    finally:
        con.close()
    for what, p in paths.items():
        print(f"{what}: {p}")
    return exitcodes.OK


def _weekly(args: argparse.Namespace) -> int:
    from pipeline.reports.weekly import write_weekly
    return _write(args, "weekly", lambda con, out: write_weekly(con, out, args.week))


def _annual(args: argparse.Namespace) -> int:
    from pipeline.reports.annual import write_annual
    return _write(args, "annual", lambda con, out: write_annual(con, args.year, out))
