"""End to end, then the incremental night: the nightly job on the demo web at --scale 20.

Night 1 (results/end_to_end.json): articles/s for the whole run and per stage (fetch, extract,
tokenize+tag, load), peak RSS of the job, and, in the same run on the same texts (a sample of
TOKENIZE_SAMPLE articles) with the same number of processes, underthesea word_tokenize alone (the
heaviest necessary step). Ratio = end-to-end / tokenize-only.
Night 2 (results/incremental.json): the web one day later: requests, bytes, 304s, new articles stored,
requests per new article.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.common import emit

ROOT = Path(__file__).resolve().parents[1]
SCALE = int(os.environ.get("BENCH_SCALE", "20"))
TOKENIZE_SAMPLE = int(os.environ.get("BENCH_TOKENIZE_SAMPLE", "2000"))
PROCS = os.cpu_count() or 2


def main() -> None:
    from demoweb.server import DemoWeb
    tmp = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    db = tmp / "e2e.duckdb"
    cfg = tmp / "chuyenmuc.toml"
    cfg.write_text(f'[paths]\nplan = "{ROOT}/plans/daklak-2021.toml"\nunits = "{ROOT}/units/daklak.toml"\n'
                   f'model = "{ROOT}/data/models/themes.joblib"\nlogs = "{tmp}/logs"\nreports = "{tmp}/reports"\n'
                   '[crawl]\ndownload_delay = 0\n', encoding="utf-8")
    as_of = dt.date(2022, 12, 30)
    with DemoWeb(scale=SCALE, seed=7, as_of=as_of, slow_seconds=0.2) as web:
        web.start(0)
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db),
                            "--proxy", web.proxy_url, "--as-of", as_of.isoformat(), "--skip", "weekly"],
                           cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.monotonic() - t0
        requests = len(web.stats())
        if p.returncode not in (0, 3):
            print(p.stdout[-3000:], p.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"nightly failed with {p.returncode}")
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        night1 = web.stats()
        web.reset_stats()
        web.set_as_of(as_of + dt.timedelta(days=1))
        p2 = subprocess.run([sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db),
                             "--proxy", web.proxy_url, "--as-of", (as_of + dt.timedelta(days=1)).isoformat(),
                             "--skip", "weekly"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
        night2 = web.stats()
    if p2.returncode not in (0, 3):
        print(p2.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"night 2 failed with {p2.returncode}")
    con = duckdb.connect(str(db), read_only=True)
    first = con.execute("SELECT min(run_id) FROM crawl_runs").fetchone()[0]
    counts = json.loads(con.execute("SELECT counts FROM crawl_runs WHERE run_id = ?", [first]).fetchone()[0])
    n_articles = con.execute("SELECT count(*) FROM articles a JOIN pages p ON p.page_id = a.article_id "
                             "WHERE p.run_id = ?", [first]).fetchone()[0]
    n_pages = con.execute("SELECT count(*) FROM pages WHERE run_id = ?", [first]).fetchone()[0]
    mean_chars = con.execute("SELECT round(avg(length(text))) FROM articles").fetchone()[0]
    texts = con.execute("SELECT title, text FROM articles ORDER BY article_id LIMIT ?", [TOKENIZE_SAMPLE]).fetchall()
    last = con.execute("SELECT max(run_id) FROM crawl_runs").fetchone()[0]
    new2 = con.execute("SELECT count(*) FROM pages WHERE run_id = ?", [last]).fetchone()[0]
    sources = con.execute("SELECT count(*) FROM source_health").fetchone()[0]
    con.close()
    secs = counts.get("seconds", {})

    from nlp.tokenize import tokenize_articles
    t = time.monotonic()
    tokenize_articles(texts, processes=PROCS)
    tok_only = len(texts) / (time.monotonic() - t)

    def rate(stage: str) -> float | None:
        return round(n_articles / secs[stage], 1) if secs.get(stage) else None

    e2e = n_articles / wall
    emit("end_to_end", {
        "scale": SCALE, "processes": PROCS, "pages": n_pages, "articles": n_articles, "requests": requests,
        "wall_seconds": round(wall, 1), "stage_seconds": secs,
        "articles_per_second": {"end_to_end": round(e2e, 1), "fetch": rate("crawl"), "extract": rate("extract"),
                                "tokenize_and_tag": rate("tag"), "load_views": rate("views")},
        "tokenize_only_articles_per_second": round(tok_only, 1),
        "ratio_end_to_end_over_tokenize_only": round(e2e / tok_only, 3),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "tokenize_sample": len(texts), "mean_article_chars": mean_chars,
        "note": "fetch runs against a loopback demo web with politeness on (2 requests per site, AutoThrottle)",
    })
    r2 = len(night2)
    emit("incremental", {
        "scale": SCALE,
        "night1": {"requests": len(night1), "bytes": sum(s.get("bytes", 0) for s in night1)},
        "night2": {"requests": r2, "bytes": sum(s.get("bytes", 0) for s in night2),
                   "not_modified_304": sum(1 for s in night2 if s.get("status") == 304),
                   "server_errors_5xx": sum(1 for s in night2 if 500 <= (s.get("status") or 0) < 600),
                   "new_articles_stored": new2, "sources": sources},
        "requests_per_new_article": round(r2 / new2, 2) if new2 else None,
        "requests_beyond_one_per_source_per_new_article": round(max(r2 - sources, 0) / new2, 3) if new2 else None,
        "budget": "<= 1.1 requests per new article plus one per source",
    })


if __name__ == "__main__":
    main()
