"""`chuyenmuc db init`: create or upgrade the warehouse in place and load the plan and units."""
from __future__ import annotations

import argparse

from pipeline.context import Context, add_common
from pipeline.setup_db import init_db

ORDER = 10


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="the DuckDB warehouse")
    dsub = db.add_subparsers(dest="db_cmd", metavar="ACTION", required=True)
    init = dsub.add_parser("init", help="create or upgrade the database and load plan, themes, units, sources (idempotent)")
    add_common(init)
    init.set_defaults(func=_init)


def _init(args: argparse.Namespace) -> int:
    ctx = Context(args)
    plan, reg = ctx.plan, ctx.registry  # validate both before touching the database
    res = init_db(ctx.db_path, plan, reg)
    if res.migrations:
        print(f"{res.db}: applied migrations {', '.join(res.migrations)}")
    print(f"{res.db}: plan {plan.plan_id} ({len(plan.themes)} themes, {len(plan.periods)} periods), "
          f"{len(reg.units)} units, {sum(len(u.sources) for u in reg.units)} sources, {len(res.views)} views")
    print(f"{res.db}: {'unchanged' if res.unchanged else 'updated'}")
    return 0
