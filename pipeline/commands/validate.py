"""`chuyenmuc plan validate`, `chuyenmuc units validate` and `chuyenmuc config validate`: check a data
file in full (the typed models of registry/), write nothing, exit 2 naming file, entry and field."""
from __future__ import annotations

import argparse

from registry import check_registry_plan, load_plan, load_units
from registry.config import find_root, load_config

ORDER = 90


def register(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser("plan", help="the communication plan file")
    psub = plan.add_subparsers(dest="plan_cmd", metavar="ACTION", required=True)
    pv = psub.add_parser("validate", help="check a plan file (exit 2 and name entry and field if bad)")
    pv.add_argument("path")
    pv.set_defaults(func=_plan_validate)

    units = sub.add_parser("units", help="the unit registry file")
    usub = units.add_subparsers(dest="units_cmd", metavar="ACTION", required=True)
    uv = usub.add_parser("validate", help="check a unit registry, also against its plan (exit 2 and name entry and field if bad)")
    uv.add_argument("path")
    uv.add_argument("--plan", metavar="PATH", help="the plan the registry must name (default: the config's paths.plan)")
    uv.add_argument("--no-plan", action="store_true", help="check the registry alone, not against a plan")
    uv.add_argument("--allow-private-hosts", action="store_true",
                    help="accept sites on loopback/private addresses (a test web only; see units/README.md)")
    uv.set_defaults(func=_units_validate)

    config = sub.add_parser("config", help="the configuration file (chuyenmuc.toml)")
    csub = config.add_subparsers(dest="config_cmd", metavar="ACTION", required=True)
    cv = csub.add_parser("validate", help="check a config file: sections, keys, types, ranges (exit 2 if bad)")
    cv.add_argument("path", nargs="?", help="default: $CHUYENMUC_CONFIG, else chuyenmuc.toml at the repo root")
    cv.set_defaults(func=_config_validate)


def _plan_validate(args: argparse.Namespace) -> int:
    plan = load_plan(args.path)
    n_terms = sum(len(t.seed_terms) for t in plan.themes)
    print(f"{args.path}: ok: plan {plan.plan_id}, {len(plan.themes)} themes ({n_terms} seed terms), "
          f"{len(plan.periods)} periods, {len(plan.obligations)} obligations, "
          f"{len(plan.column_patterns)} column patterns")
    return 0


def _units_validate(args: argparse.Namespace) -> int:
    reg = load_units(args.path, allow_private_hosts=args.allow_private_hosts)
    against = ""
    if not args.no_plan:
        plan = load_plan(args.plan or load_config().path("plan"))
        check_registry_plan(reg, plan)
        against = f", matches plan {plan.plan_id}"
    kinds: dict[str, int] = {}
    for u in reg.units:
        kinds[u.kind] = kinds.get(u.kind, 0) + 1
    sources = [s for u in reg.units for s in u.sources]
    verified = sum(1 for s in sources if s.verified)
    print(f"{args.path}: ok: registry {reg.registry_id}, {len(reg.units)} units ("
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
          + f"), {len(sources)} sources, {verified} verified with evidence, {len(sources) - verified} not verified{against}")
    return 0


def _config_validate(args: argparse.Namespace) -> int:
    cfg = load_config(args.path)
    where = cfg.source if cfg.source != "(defaults)" else f"{find_root()} (no chuyenmuc.toml: defaults)"
    print(f"{where}: ok: " + ", ".join(f"[{k}] {len(v)} keys" for k, v in cfg.data.items()))
    return 0
