"""Pages/s of the crawl on 1, 2 and 4 workers (and the single process) against the demo web with a
per-request latency, so the crawl is network-bound as on the real web. One JSON object.

    python -m bench.bench_scaleout [--scale 2] [--latency 0.05] [--workers 1,2,4]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demoweb.server import DemoWeb  # noqa: E402
from registry import load_plan, load_units  # noqa: E402
from registry.config import Config  # noqa: E402

PLAN, UNITS = ROOT / "plans" / "daklak-2021.toml", ROOT / "units" / "daklak.toml"
SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_BACKOFF_BASE": 0.05, "DOWNLOAD_TIMEOUT": 15,
            "LOG_LEVEL": "WARNING", "CHUYENMUC_PAGE_BUDGET": 1500}


class LatencyDemoWeb(DemoWeb):
    """The demo web, each answer delayed by `latency` seconds (a server + network round trip)."""

    latency = 0.05

    def _tick(self, host: str) -> int:
        time.sleep(self.latency)
        return super()._tick(host)


def emit(name: str, figures: dict) -> dict:
    try:
        from bench.common import emit as common_emit
        return common_emit(name, figures)
    except ImportError:   # bench/common.py not on this branch yet
        out = {"bench": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **figures}
        res = ROOT / "bench" / "results"
        res.mkdir(parents=True, exist_ok=True)
        (res / f"{name}.json").write_text(json.dumps(out, indent=1), encoding="utf-8")
        print(json.dumps(out))
        return out


def one(kind: str, n: int, scale: int, latency: float) -> dict:
    from pipeline.crawl_job import run_crawl
    from pipeline.scaleout import run_scaleout_crawl

    plan, reg = load_plan(PLAN), load_units(UNITS)
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "w.duckdb"
        web = LatencyDemoWeb(scale=scale, seed=7, as_of="2022-12-30")
        web.latency = latency
        web.start(0)
        try:
            t0 = time.monotonic()
            if kind == "single":
                c = run_crawl(db, plan, reg, Config(), proxy=web.proxy_url, settings=SETTINGS, timeout=3600)
                crawl_s = time.monotonic() - t0
            else:
                c = run_scaleout_crawl(db, plan, reg, Config(), workers=n, proxy=web.proxy_url, settings=SETTINGS,
                                       idle_seconds=2.0, site_rate=0, timeout=3600)
                crawl_s = c["elapsed_s"]
            wall = time.monotonic() - t0
            stats = web.stats()
            import duckdb
            con = duckdb.connect(str(db), read_only=True)
            pages = con.execute("SELECT count(*) FROM pages").fetchone()[0]
            con.close()
        finally:
            web.stop()
    dup = sum(v - 1 for v in Counter((e["host"], e["path"]) for e in stats if 0 < e["status"] < 500).values())
    return {"mode": kind, "workers": n, "requests": len(stats), "pages_stored": pages,
            "crawl_s": round(crawl_s, 2), "wall_s_incl_merge": round(wall, 2),
            "pages_per_s": round(len(stats) / crawl_s, 1), "duplicate_fetches": dup}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--workers", default="1,2,4")
    a = ap.parse_args()
    runs = [one("single", 1, a.scale, a.latency)]
    for n in [int(x) for x in a.workers.split(",")]:
        runs.append(one("redis", n, a.scale, a.latency))
    base = next(r for r in runs if r["mode"] == "redis" and r["workers"] == 1)["pages_per_s"]
    for r in runs:
        r["speedup_vs_1_worker"] = round(r["pages_per_s"] / base, 2) if base else None
    emit("scaleout", {"scale": a.scale, "latency_s": a.latency, "site_rate": "unlimited (politeness off to measure capacity)",
                      "runs": runs,
                      "note": "crawl_s = workers' time (start to last exit, incl. ~2 s idle rule and process start); "
                              "pages/s = demo-web requests / crawl_s; 2 cores shared by workers and the demo web"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
