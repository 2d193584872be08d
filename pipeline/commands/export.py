"""`chuyenmuc export TABLE --format csv|parquet|xlsx`: one table or view to a file for analysts."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import exitcodes
from pipeline.context import Context, add_common

ORDER = 70


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a warehouse table or view to CSV, Parquet or XLSX")
    p.add_argument("table", metavar="TABLE", help="a table or view name, e.g. column_status, coverage_weekly")
    p.add_argument("--format", choices=("csv", "parquet", "xlsx"), default="csv")
    p.add_argument("--out", metavar="PATH", help="output file (default: <paths.reports>/<TABLE>.<format>)")
    add_common(p)
    p.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    from pipeline.reports.export import ExportError, export_table
    from warehouse import connect
    ctx = Context(args)
    out = Path(args.out) if args.out else ctx.config.path("reports") / f"{args.table}.{args.format}"
    con = connect(ctx.db_path, read_only=True)
    try:
        n = export_table(con, args.table, args.format, out)
    except ExportError as e:
        print(f"chuyenmuc export: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    finally:
        con.close()
    print(f"{args.table}: {n} rows -> {out}")
    return exitcodes.OK
