"""The incremental night: requests, bytes and 304s on a second night against the new articles it stored."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.common import emit

ROOT = Path(__file__).resolve().parents[1]
SCALE = int(os.environ.get("BENCH_SCALE", "20"))


def _night(cfg: Path, db: Path, proxy: str, as_of: dt.date) -> None:
    p = subprocess.run([sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db), "--proxy", proxy,
                        "--as-of", as_of.isoformat(), "--skip", "weekly", "--skip", "tag"],
                       cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if p.returncode not in (0, 3):
        print(p.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"nightly failed with {p.returncode}")


def main() -> None:
    from demoweb.server import DemoWeb
    tmp = Path(tempfile.mkdtemp(prefix="bench-incr-"))
    db = tmp / "incr.duckdb"
    cfg = tmp / "chuyenmuc.toml"
    cfg.write_text(f'[paths]\nplan = "{ROOT}/plans/daklak-2021.toml"\nunits = "{ROOT}/units/daklak.toml"\n'
                   f'logs = "{tmp}/logs"\nreports = "{tmp}/reports"\n[crawl]\ndownload_delay = 0\n', encoding="utf-8")
    n1, n2 = dt.date(2022, 12, 30), dt.date(2022, 12, 31)
    with DemoWeb(scale=SCALE, seed=7, as_of=n1, slow_seconds=0.2) as web:
        web.start(0)
        _night(cfg, db, web.proxy_url, n1)
        night1 = web.stats()
        web.reset_stats()
        web.set_as_of(n2)
        _night(cfg, db, web.proxy_url, n2)
        night2 = web.stats()
    con = duckdb.connect(str(db), read_only=True)
    last = con.execute("SELECT max(run_id) FROM crawl_runs").fetchone()[0]
    new = con.execute("SELECT count(*) FROM pages WHERE run_id = ?", [last]).fetchone()[0]
    sources = con.execute("SELECT count(*) FROM source_health").fetchone()[0]
    con.close()
    r2 = len(night2)
    emit("incremental", {
        "scale": SCALE,
        "night1": {"requests": len(night1), "bytes": sum(s.get("bytes", 0) for s in night1)},
        "night2": {"requests": r2, "bytes": sum(s.get("bytes", 0) for s in night2),
                   "not_modified_304": sum(1 for s in night2 if s.get("status") == 304),
                   "server_errors_5xx": sum(1 for s in night2 if 500 <= (s.get("status") or 0) < 600),
                   "new_articles_stored": new, "sources": sources},
        "requests_per_new_article": round(r2 / new, 2) if new else None,
        "requests_beyond_one_per_source_per_new_article": round(max(r2 - sources, 0) / new, 3) if new else None,
        "budget": "<= 1.1 requests per new article plus one per source",
    })


if __name__ == "__main__":
    main()
