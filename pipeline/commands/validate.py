"""`chuyenmuc plan validate` and `chuyenmuc units validate`: check a data file, write nothing."""
from __future__ import annotations

import argparse

from registry import load_plan, load_units

ORDER = 90


def register(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser("plan", help="the communication plan file")
    psub = plan.add_subparsers(dest="plan_cmd", metavar="ACTION", required=True)
    pv = psub.add_parser("validate", help="check a plan file (exit 2 and name entry and field if bad)")
    pv.add_argument("path")
    pv.set_defaults(func=_plan_validate)

    units = sub.add_parser("units", help="the unit registry file")
    usub = units.add_subparsers(dest="units_cmd", metavar="ACTION", required=True)
    uv = usub.add_parser("validate", help="check a unit registry (exit 2 and name entry and field if bad)")
    uv.add_argument("path")
    uv.set_defaults(func=_units_validate)


def _plan_validate(args: argparse.Namespace) -> int:
    plan = load_plan(args.path)
    n_terms = sum(len(t.seed_terms) for t in plan.themes)
    print(f"{args.path}: ok: plan {plan.plan_id}, {len(plan.themes)} themes ({n_terms} seed terms), "
          f"{len(plan.periods)} periods, {len(plan.obligations)} obligations, "
          f"{len(plan.column_patterns)} column patterns")
    return 0


def _units_validate(args: argparse.Namespace) -> int:
    reg = load_units(args.path)
    kinds: dict[str, int] = {}
    for u in reg.units:
        kinds[u.kind] = kinds.get(u.kind, 0) + 1
    unverified = sum(1 for u in reg.units for s in u.sources if not s.verified)
    print(f"{args.path}: ok: registry {reg.registry_id}, {len(reg.units)} units ("
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
          + f"), {sum(len(u.sources) for u in reg.units)} sources, {unverified} not verified")
    return 0
