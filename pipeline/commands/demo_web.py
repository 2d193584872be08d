"""`chuyenmuc demo-web serve|truth`: the offline demo province web and its ground truth."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from pipeline import exitcodes
from pipeline.commands._types import iso_date, positive_int
from pipeline.context import Context, add_common
from registry.errors import ValidationError

ORDER = 80


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", type=positive_int, default=1, help="multiply articles (1: a few hundred; 20: thousands)")
    p.add_argument("--seed", type=int, default=7, help="random seed: same seed, same web, same truth")
    p.add_argument("--as-of", type=iso_date, default=None, metavar="DATE",
                   help="serve the web as it stood on this day (default 2022-12-30)")
    add_common(p, db=False)


def _path(ctx: Context, key: str) -> Path:
    """--plan / --units-file when given, else the config's paths."""
    given = getattr(ctx.args, "units_file" if key == "units" else "plan", None)
    return Path(given) if given else ctx.config.path(key)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo-web", help="the offline demo province web (for demos, tests, benchmarks)")
    dsub = p.add_subparsers(dest="demo_cmd", metavar="ACTION", required=True)
    serve = dsub.add_parser("serve", help="serve every unit's site through an HTTP proxy on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    _common(serve)
    serve.set_defaults(func=_serve)
    truth = dsub.add_parser("truth", help="write the ground truth (columns, statuses, articles, faults) as JSON")
    _common(truth)
    truth.add_argument("--out", required=True, metavar="FILE.json", help="where to write the truth ('-' for stdout)")
    truth.set_defaults(func=_truth)


def _serve(args: argparse.Namespace) -> int:
    from demoweb.server import DemoWeb

    ctx = Context(args)
    web = DemoWeb(scale=args.scale, seed=args.seed, as_of=args.as_of, registry_path=_path(ctx, "units"),
                  plan_path=_path(ctx, "plan"))
    try:
        web.start(args.port)
    except OSError as e:
        print(f"chuyenmuc demo-web: cannot listen on 127.0.0.1:{args.port}: {e.strerror or e}", file=sys.stderr)
        return exitcodes.FAILED
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    old = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    print(f"demo web: {len(web.hosts)} sites, as of {web.as_of.isoformat()}, seed {args.seed}, scale {args.scale}")
    print(f"proxy: {web.proxy_url}")
    print("control: GET http://demo.control/stats through the proxy; stop with Ctrl-C", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        web.stop()
        for s, h in old.items():
            signal.signal(s, h)
    print("demo web: stopped", flush=True)
    return exitcodes.OK


def _truth(args: argparse.Namespace) -> int:
    from demoweb.truth import build_truth

    ctx = Context(args)
    truth = build_truth(scale=args.scale, seed=args.seed, as_of=args.as_of, registry_path=_path(ctx, "units"),
                        plan_path=_path(ctx, "plan"), dormant_days=int(ctx.config.section("status")["dormant_days"]))
    text = json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
        return exitcodes.OK
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(out.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as e:
        raise ValidationError(str(out), [("(output)", "--out", f"cannot write: {e.strerror or e}")]) from None
    print(f"{out}: {len(truth['units'])} units, {len(truth['articles'])} articles, {len(truth['faults'])} faults, "
          f"as of {truth['as_of']}")
    return exitcodes.OK
