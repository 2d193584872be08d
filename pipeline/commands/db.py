"""`chuyenmuc db init|check|backup`: create or upgrade the warehouse, check it, copy it."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import exitcodes
from pipeline.context import Context, add_common
from pipeline.setup_db import init_db

ORDER = 10


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="the DuckDB warehouse")
    dsub = db.add_subparsers(dest="db_cmd", metavar="ACTION", required=True)
    init = dsub.add_parser("init", help="create or upgrade the database and load plan, themes, units, sources (idempotent)")
    add_common(init, writer=True)
    init.set_defaults(func=_init)
    chk = dsub.add_parser("check", help="integrity check: row counts, orphans, duplicate URLs, runs left running")
    add_common(chk)
    chk.set_defaults(func=_check)
    bk = dsub.add_parser("backup", help="consistent copy of the published warehouse (works while a nightly runs)")
    add_common(bk)
    bk.add_argument("path", help="the backup file to create (must not exist)")
    bk.set_defaults(func=_backup)


def _init(args: argparse.Namespace) -> int:
    ctx = Context(args)
    plan, reg = ctx.plan, ctx.registry  # validate both before touching the database
    with ctx.writer("db init") as w:
        res = init_db(w.work, plan, reg)
        res.db = ctx.db_path
        w.publish()
    if res.migrations:
        print(f"{res.db}: applied migrations {', '.join(res.migrations)}")
    print(f"{res.db}: plan {plan.plan_id} ({len(plan.themes)} themes, {len(plan.periods)} periods), "
          f"{len(reg.units)} units, {sum(len(u.sources) for u in reg.units)} sources, {len(res.views)} views")
    print(f"{res.db}: {'unchanged' if res.unchanged else 'updated'}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from warehouse import connect
    from warehouse.check import check
    ctx = Context(args)
    con = connect(ctx.db_path, read_only=True)
    try:
        res = check(con)
    finally:
        con.close()
    print(f"{ctx.db_path}: opens, schema readable")
    for t, n in res["counts"].items():
        print(f"  {t:22} {n:>10,}")
    if res["running_runs"]:
        print(f"  note: {res['running_runs']} run(s) still marked running (killed?); the next nightly marks them interrupted")
    if not res["problems"]:
        print(f"{ctx.db_path}: ok: no orphans, no duplicate URLs")
        return 0
    for name, n, meaning in res["problems"]:
        print(f"  PROBLEM {name}: {n} ({meaning})", file=sys.stderr)
    return exitcodes.FAILED


def _backup(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.check import backup
    ctx = Context(args)
    src, dst = ctx.db_path, Path(args.path)
    if not src.exists():
        print(f"chuyenmuc db backup: {src}: no such database", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if dst.exists():
        print(f"chuyenmuc db backup: {dst} already exists; choose a new file name", file=sys.stderr)
        return exitcodes.BAD_INPUT
    # the published file is never written in place, so a copy needs no lock (works during a nightly)
    dst.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        quoted = str(src).replace("'", "''")
        try:
            con.execute(f"ATTACH '{quoted}' AS src (READ_ONLY)")
        except duckdb.IOException as e:  # another program has the file open for writing
            print(f"chuyenmuc db backup: {src} is in use by another process; try again when it has finished "
                  f"({str(e).splitlines()[0][:200]})", file=sys.stderr)
            return exitcodes.LOCKED
        try:
            backup(con, "src", str(dst))
        except duckdb.Error as e:
            dst.unlink(missing_ok=True)
            print(f"chuyenmuc db backup: copying {src} to {dst} failed: {str(e).splitlines()[0]}", file=sys.stderr)
            return exitcodes.FAILED
    finally:
        con.close()
    print(f"{dst}: consistent copy of {src} ({dst.stat().st_size:,} bytes)")
    return 0
