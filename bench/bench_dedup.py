"""Near-duplicate check cost: `run_extract` on the demo web's stored pages, the repost matching timed.

Crawls the demo web at BENCH_SCALE (default 5) into a fresh database (`chuyenmuc nightly --skip extract
tag views weekly`), then runs `run_extract` in this process on two copies of it: once with the plain
rule (every stored article of another unit a candidate, `jaccard(text, other)` for each within
LOOSE_DUP_BITS, one `SELECT text` per candidate: the rule before this bench, without even the band
index) and once with DupIndex.matches as it is. Figures: seconds inside matches for each, the
extract wall times, and whether the (article, repost_of) decisions are identical.

    BENCH_SCALE=5 .venv/bin/python bench/bench_dedup.py
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench.common import emit  # noqa: E402

SCALE = int(os.environ.get("BENCH_SCALE", "5"))
AS_OF = dt.date(2022, 12, 30)
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def crawl(tmp: Path) -> Path:
    from demoweb.server import DemoWeb
    cfg = tmp / "chuyenmuc.toml"
    cfg.write_text(f'[paths]\nplan = "{ROOT}/plans/daklak-2021.toml"\nunits = "{ROOT}/units/daklak.toml"\n'
                   f'model = "{ROOT}/data/models/themes.joblib"\nlogs = "{tmp}/logs"\nreports = "{tmp}/reports"\n'
                   '[crawl]\ndownload_delay = 0\n', encoding="utf-8")
    db = tmp / "crawled.duckdb"
    with DemoWeb(scale=SCALE, seed=7, as_of=AS_OF, slow_seconds=0.2) as web:
        web.start(0)
        cmd = [sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db),
               "--as-of", AS_OF.isoformat(), "--proxy", web.proxy_url]
        for s in ("extract", "tag", "views", "weekly"):
            cmd += ["--skip", s]
        p = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True)
        if p.returncode not in (0, 3):
            raise SystemExit(f"crawl failed {p.returncode}: {p.stderr[-2000:]}")
    return db


def plain_matches(self, simh, chash, unit_id, text, texts_of):
    """The rule as it was first written, with no index at all: every article of another unit is a
    candidate; its text read alone and both shingle sets rebuilt per pair."""
    from nlp.dedup import LOOSE_DUP_BITS, hamming, jaccard
    from pipeline.extract_job import REPOST_JACCARD
    out = []
    for aid, k in self.items.items():
        if k.unit_id == unit_id:
            continue
        if k.content_hash == chash:
            out.append(k)
        elif hamming(k.simhash, simh) <= LOOSE_DUP_BITS:
            other = texts_of([aid]).get(aid)
            if other and jaccard(text, other) >= REPOST_JACCARD:
                out.append(k)
    return out


def timed_extract(db: Path, matches) -> dict:
    from pipeline import extract_job
    spent = [0.0, 0]
    orig = extract_job.DupIndex.matches

    def wrapped(self, *a):
        t = time.perf_counter()
        try:
            return matches(self, *a)
        finally:
            spent[0] += time.perf_counter() - t
            spent[1] += 1

    extract_job.DupIndex.matches = wrapped
    real_cpu = os.cpu_count
    os.cpu_count = lambda: 1  # one process: extraction the same for both runs, matching in this one
    con = duckdb.connect(str(db))
    try:
        t0 = time.perf_counter()
        counts = extract_job.run_extract(con)
        wall = time.perf_counter() - t0
        reposts = sorted(con.execute("SELECT article_id, repost_of FROM articles WHERE repost_of IS NOT NULL")
                         .fetchall())
    finally:
        con.close()
        extract_job.DupIndex.matches = orig
        os.cpu_count = real_cpu
    return {"matches_seconds": round(spent[0], 3), "matches_calls": spent[1], "extract_seconds": round(wall, 1),
            "articles": counts.get("article", 0), "reposts": reposts}


def main() -> None:
    from pipeline.extract_job import DupIndex
    tmp = Path(tempfile.mkdtemp(prefix="bench-dedup-"))
    try:
        t0 = time.monotonic()
        crawled = crawl(tmp)
        crawl_s = time.monotonic() - t0
        runs = {}
        for name, fn in (("before", plain_matches), ("after", DupIndex.matches)):
            db = tmp / f"{name}.duckdb"
            shutil.copyfile(crawled, db)
            runs[name] = timed_extract(db, fn)
        same = runs["before"]["reposts"] == runs["after"]["reposts"]
        emit("bench_dedup", {
            "scale": SCALE, "crawl_seconds": round(crawl_s, 1), "articles": runs["after"]["articles"],
            "reposts": len(runs["after"]["reposts"]), "decisions_identical": same,
            "before": {k: v for k, v in runs["before"].items() if k != "reposts"},
            "after": {k: v for k, v in runs["after"].items() if k != "reposts"},
            "speedup": round(runs["before"]["matches_seconds"] / max(runs["after"]["matches_seconds"], 1e-9), 1)})
        if not same:
            raise SystemExit("repost decisions differ")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
