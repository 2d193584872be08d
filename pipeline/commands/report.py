"""`chuyenmuc report weekly|annual|reminders`: the coverage-gap summary, the 30/11 annual report and
the reminders to units ("công văn đôn đốc")."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pipeline import exitcodes
from pipeline.commands._types import year
from pipeline.context import Context, add_common
from warehouse import clock

ORDER = 60


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date YYYY-MM-DD, e.g. 2021-11-30") from None


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="weekly coverage-gap summary, annual report, reminders to units")
    rsub = rep.add_subparsers(dest="report_cmd", metavar="KIND", required=True)
    w = rsub.add_parser("weekly", help="Markdown + HTML summary of one ISO week (default: the last complete one)")
    w.add_argument("--week", metavar="YYYY-Www", type=week_arg, help="ISO week, e.g. 2021-W30")
    w.add_argument("--out", metavar="DIR", help="output folder (default: paths.reports in the config)")
    add_common(w)
    w.set_defaults(func=_weekly)
    a = rsub.add_parser("annual", help="the annual report (DOCX draft, XLSX annex, HTML, JSON) for the 30/11 deadline")
    a.add_argument("--year", type=year, required=True, help="calendar year, e.g. 2021")
    a.add_argument("--as-of", type=_date, metavar="DATE",
                   help="reference date YYYY-MM-DD (default: the plan's deadline 30/11 of the year, or the "
                        "warehouse's reference date if earlier)")
    a.add_argument("--out", metavar="DIR", help="output folder (default: paths.reports in the config)")
    add_common(a)
    a.set_defaults(func=_annual)
    r = rsub.add_parser("reminders", help="one reminder (DOCX + Markdown) per unit to urge, and an index")
    r.add_argument("--as-of", type=_date, metavar="DATE", help="reference date (default: the warehouse's)")
    r.add_argument("--out", metavar="DIR", help="output folder (default: paths.reports/nhac-nho-DATE)")
    add_common(r)
    r.set_defaults(func=_reminders)


FIRST_YEAR = 1995  # no Vietnamese provincial site published before; dates are kept inside [1995, now + 1 day]


def week_arg(value: str) -> str:
    """--week: an ISO week the reports can work with (argparse exits 2 naming the option otherwise)."""

    from pipeline.reports.common import ReportError, parse_week
    try:
        monday = parse_week(value)
    except ReportError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    last = clock.today().year + 1
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
                    "WHERE key <> 'dormant_days' UNION ALL SELECT 'dormant_days', ?, now()", [want])
    return con


def _out(ctx: Context, args: argparse.Namespace) -> Path:
    return Path(args.out) if args.out else ctx.config.path("reports")


def _doc_overrides(ctx: Context) -> dict:
    """[report] keys for the documents (issuing body, signer, recipients ...), read defensively."""
    try:
        sec = ctx.config.section("report")
    except KeyError:
        return {}
    return dict(sec) if isinstance(sec, dict) else {}


def _write(args: argparse.Namespace, kind: str, write) -> int:
    """Open the warehouse, write one report, print its files; a report error is bad input (exit 2)."""
    from pipeline.reports.common import ReportError
    ctx = Context(args)
    con = open_db(ctx)
    try:
        paths = write(ctx, con, _out(ctx, args))
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
    return _write(args, "weekly", lambda ctx, con, out: write_weekly(con, out, args.week))


def _settings(ctx: Context, con, ref: dt.date):
    from pipeline.reports.common import plan_in_force
    from pipeline.reports.document import document_settings
    return document_settings(plan_in_force(con, ref), con, _doc_overrides(ctx))


def _annual(args: argparse.Namespace) -> int:
    from pipeline.reports.annual import write_annual
    from pipeline.reports.annual_data import reference_date

    def run(ctx, con, out):
        ref = reference_date(con, args.year, args.as_of)
        return write_annual(con, args.year, out, ref, _settings(ctx, con, ref))
    return _write(args, "annual", run)


def _reminders(args: argparse.Namespace) -> int:
    from pipeline.reports.reminders import write_reminders
    from pipeline.reports.settings import as_of

    def run(ctx, con, out):
        ref = args.as_of or as_of(con)
        folder = Path(args.out) if args.out else ctx.config.path("reports") / f"nhac-nho-{ref.isoformat()}"
        obligations = _obligation_titles(ctx)
        return write_reminders(con, ref, folder, _settings(ctx, con, ref), obligations)
    return _write(args, "reminders", run)


def _obligation_titles(ctx: Context) -> dict[str, str]:
    """What the plan asks of units (section IV), by obligation id; empty if the plan file is unreadable
    (the reminders then cite the obligation ids stored in the warehouse)."""
    try:
        return {o.obligation_id: o.title for o in ctx.plan.obligations}
    except Exception as e:  # a broken plan file must not stop the reminders; say so
        print(f"chuyenmuc report reminders: note: plan file not read ({e}); obligations cited by id", file=sys.stderr)
        return {}
