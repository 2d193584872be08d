"""End to end against the machine's limit, then the incremental night: the nightly job on the demo web.

Why: a night-1 wall time alone cannot say whether the job is slow because stages wait on each other,
because the CPUs idle, or because our code does more than the libraries need. So one bench run, on the
same demo web (same scale, seed and date, a fresh DemoWeb each time so the flaky site behaves alike):

- night 1 (`wall_seconds`): `chuyenmuc nightly --skip weekly` on a fresh database;
- the crawl alone (`crawl_alone_seconds`): the nightly with `--skip extract tag views weekly` on
  another fresh database (fetch and store only);
- processing alone (`processing_alone_seconds`): a copy of that crawl-only database run through
  `chuyenmuc nightly --skip crawl views weekly` (extract, tokenize, tag of the stored pages);
- CPU (`cpu_seconds`): user+sys of every process of the night-1 job: the rusage `os.wait4` returns
  for the job (Linux: the process's own plus that of every descendant it waited for, as
  getrusage(RUSAGE_CHILDREN) would add). The Scrapy child and the pool workers are all waited by the
  job, so each is counted once; other children of the bench (the model check) are not mixed in, and
  `peak_rss_mb` is this job's alone. The demo web runs as threads of this bench process and is not in
  it (`demoweb_cpu_seconds` shows its share);
- the library floor (`floor_cpu_ms_per_article`): on the night-1 pages, trafilatura.extract alone
  (the call our generic extractor makes first: fast mode, precision, tables) on every stored page,
  plus underthesea word_tokenize alone on each article's title and body lines (body cut as the
  pipeline cuts it), one process, thread CPU time; summed and divided by the articles. Above
  BENCH_FLOOR_SAMPLE pages (articles) an even sample is timed and scaled to the whole.

Targets (issue 18): wall <= 1.2 x max(crawl alone, processing alone); CPU busy >= 85 % of
wall x cores; cpu_ms_per_article <= 1.5 x floor. `ratio_to_tokenize_ceiling` keeps the older figure:
end-to-end articles/s over underthesea tokenize-only articles/s (same texts, all cores).

Night 2 (results/incremental.json): the web one day later on the night-1 database; every request the
demo web recorded is counted (robots.txt, retries, 5xx, failed connections). Budget: requests <=
sources + 1.1 x new articles.

`--profile` (or BENCH_PROFILE=1) also runs processing alone once more under cProfile in one process
(os.cpu_count patched to 1, so pool work is in the profile rather than hidden in workers) and writes
the top 25 functions by cumulative time to results/end_to_end_profile.txt.

Env: BENCH_SCALE (default 20), BENCH_TOKENIZE_SAMPLE (2000), BENCH_FLOOR_SAMPLE (1500).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.common import RESULTS, emit

ROOT = Path(__file__).resolve().parents[1]
SCALE = int(os.environ.get("BENCH_SCALE", "20"))
TOKENIZE_SAMPLE = int(os.environ.get("BENCH_TOKENIZE_SAMPLE", "2000"))
FLOOR_SAMPLE = int(os.environ.get("BENCH_FLOOR_SAMPLE", "1500"))
PROCS = os.cpu_count() or 2
AS_OF = dt.date(2022, 12, 30)
WEB = dict(scale=SCALE, seed=7, as_of=AS_OF, slow_seconds=0.2)
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
PROFILE_TOP = 25


@dataclass
class Run:
    """One nightly subprocess: its wall time, the CPU of its whole process tree, its output."""

    wall: float
    cpu: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _nightly(cfg: Path, db: Path, as_of: dt.date, proxy: str | None, skip: list[str]) -> Run:
    """Run `chuyenmuc nightly` and measure it (CPU and peak RSS from wait4, see the module docstring)."""
    cmd = [sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db),
           "--as-of", as_of.isoformat()]
    if proxy:
        cmd += ["--proxy", proxy]
    for s in skip:
        cmd += ["--skip", s]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, text=True, env=ENV)
        _, status, ru = os.wait4(p.pid, 0)  # this job's rusage: itself plus every descendant it waited for
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        p.stdout, p.stderr = out.read(), err.read()
    cpu = ru.ru_utime + ru.ru_stime
    if p.returncode not in (0, 3):
        print(p.stdout[-3000:], p.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"nightly {' '.join(skip)} failed with {p.returncode}")
    return Run(wall, cpu, ru.ru_maxrss / 1024, p.returncode, p.stdout, p.stderr)


def _steal_seconds() -> float:
    """CPU time the hypervisor gave other guests while this machine's CPUs wanted to run (the `steal`
    column of /proc/stat, all CPUs). The same run measured up to 40 % apart within an hour here; this
    shows when the hypervisor took the time (a neighbour slowing shared caches does not show)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _config(tmp: Path, model: Path) -> Path:
    cfg = tmp / "chuyenmuc.toml"
    cfg.write_text(f'[paths]\nplan = "{ROOT}/plans/daklak-2021.toml"\nunits = "{ROOT}/units/daklak.toml"\n'
                   f'model = "{model}"\nlogs = "{tmp}/logs"\nreports = "{tmp}/reports"\n'
                   '[crawl]\ndownload_delay = 0\n', encoding="utf-8")
    return cfg


def _train_model(model: Path) -> float:
    """Train (or check) the default model before any timed run: training is first-use work, not a night's."""
    code = ("import sys; from pipeline.tag_job import ensure_model; from registry import load_plan; "
            "ensure_model(sys.argv[1], load_plan(sys.argv[2]))")
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", code, str(model), str(ROOT / "plans/daklak-2021.toml")],
                   cwd=ROOT, env=ENV, check=True, capture_output=True)
    return time.monotonic() - t0


def _stage_seconds(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT counts FROM crawl_runs WHERE command = 'nightly' ORDER BY run_id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    return json.loads(row[0]).get("seconds", {}) if row and row[0] else {}


def _even(items: list, n: int) -> list:
    """At most n items spread evenly over the list (all of them when it is short)."""
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def library_floor(db: Path, run_id: int) -> dict:
    """CPU ms of trafilatura.extract alone per stored page and underthesea word_tokenize alone per
    article, one process, on the pages and articles of run `run_id`."""
    import trafilatura
    from underthesea import word_tokenize

    from nlp.tokenize import truncate_body

    con = duckdb.connect(str(db), read_only=True)
    try:
        page_ids = [r[0] for r in con.execute(
            "SELECT page_id FROM pages WHERE run_id = ? AND body_zlib IS NOT NULL ORDER BY page_id", [run_id]).fetchall()]
        art_ids = [r[0] for r in con.execute(
            "SELECT a.article_id FROM articles a JOIN pages p ON p.page_id = a.article_id WHERE p.run_id = ? "
            "ORDER BY 1", [run_id]).fetchall()]
        pages = con.execute("SELECT coalesce(fetched_url, url), body_zlib FROM pages WHERE page_id IN "
                            "(SELECT unnest(?::BIGINT[])) ORDER BY page_id", [_even(page_ids, FLOOR_SAMPLE)]).fetchall()
        arts = con.execute("SELECT title, text FROM articles WHERE article_id IN (SELECT unnest(?::BIGINT[])) "
                           "ORDER BY article_id", [_even(art_ids, FLOOR_SAMPLE)]).fetchall()
    finally:
        con.close()
    opts = dict(include_comments=False, include_tables=True, favor_precision=True, deduplicate=True, fast=True)
    word_tokenize("Khởi động mô hình tách từ.")  # loads underthesea's model outside the timing
    bodies = [(url, zlib.decompress(b)) for url, b in pages]
    t = time.thread_time()
    for url, body in bodies:
        if not body.lstrip()[:4] == b"%PDF":
            trafilatura.extract(body, url=url, **opts)
    extract_cpu = time.thread_time() - t
    t = time.thread_time()
    for title, text in arts:
        for line in [title or "", *truncate_body(text or "").split("\n")]:
            if line.strip():
                word_tokenize(line.strip())
    tok_cpu = time.thread_time() - t
    ms_page = 1000 * extract_cpu / len(bodies) if bodies else 0.0
    ms_art = 1000 * tok_cpu / len(arts) if arts else 0.0
    total_ms = ms_page * len(page_ids) + ms_art * len(art_ids)
    return {"pages": len(page_ids), "articles": len(art_ids), "pages_timed": len(bodies), "articles_timed": len(arts),
            "trafilatura_cpu_ms_per_page": round(ms_page, 2), "word_tokenize_cpu_ms_per_article": round(ms_art, 2),
            "floor_cpu_ms_per_article": round(total_ms / len(art_ids), 2) if art_ids else None}


def profile_processing(cfg: Path, crawled: Path, tmp: Path) -> Path:
    """Processing alone once more, in one process under cProfile; top functions to results/."""
    db = tmp / "profile.duckdb"
    shutil.copyfile(crawled, db)
    out = RESULTS / "end_to_end_profile.txt"
    stats = tmp / "processing.prof"
    code = ("import cProfile, os, sys; os.cpu_count = lambda: 1; from pipeline.cli import main; "
            f"cProfile.run('main(sys.argv[1:])', {str(stats)!r})")
    args = ["nightly", "--config", str(cfg), "--db", str(db), "--as-of", AS_OF.isoformat(),
            "--skip", "crawl", "--skip", "views", "--skip", "weekly"]
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=ENV, check=True, capture_output=True)
    wall = time.monotonic() - t0
    tables = {}
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(str(stats), stream=buf).sort_stats(key).print_stats(PROFILE_TOP)
        tables[key] = buf.getvalue()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# processing alone (nightly --skip crawl views weekly) at scale {SCALE}, one process "
                   f"(os.cpu_count patched to 1), under cProfile: {wall:.1f} s wall\n"
                   f"# top {PROFILE_TOP} by cumulative time\n{tables['cumulative']}\n"
                   f"# top {PROFILE_TOP} by own time (tottime)\n{tables['tottime']}", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", action="store_true", default=os.environ.get("BENCH_PROFILE") == "1",
                    help="also profile processing alone (results/end_to_end_profile.txt)")
    opts = ap.parse_args(argv)
    from demoweb.server import DemoWeb
    tmp = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    model = ROOT / "data/models/themes.joblib"  # the default path: trained once per clone, reused while current
    cfg = _config(tmp, model)
    training = _train_model(model)
    load_before = os.getloadavg()
    db = tmp / "e2e.duckdb"
    with DemoWeb(**WEB) as web:
        web.start(0)
        cpu_self, steal0 = _self_cpu(), _steal_seconds()
        n1 = _nightly(cfg, db, AS_OF, web.proxy_url, ["weekly"])
        demoweb_cpu = _self_cpu() - cpu_self
        steal1 = _steal_seconds() - steal0
        night1 = web.stats()
        web.reset_stats()
        as_of2 = AS_OF + dt.timedelta(days=1)
        web.set_as_of(as_of2)
        _nightly(cfg, db, as_of2, web.proxy_url, ["weekly"])
        night2 = web.stats()
    crawled = tmp / "crawl-only.duckdb"
    with DemoWeb(**WEB) as web:
        web.start(0)
        crawl = _nightly(cfg, crawled, AS_OF, web.proxy_url, ["extract", "tag", "views", "weekly"])
        crawl_requests = len(web.stats())
    processed = tmp / "processing-only.duckdb"
    shutil.copyfile(crawled, processed)
    proc = _nightly(cfg, processed, AS_OF, None, ["crawl", "views", "weekly"])
    load_after = os.getloadavg()

    con = duckdb.connect(str(db), read_only=True)
    first, last = con.execute("SELECT min(run_id), max(run_id) FROM crawl_runs WHERE command = 'nightly'").fetchone()
    counts1 = json.loads(con.execute("SELECT counts FROM crawl_runs WHERE run_id = ?", [first]).fetchone()[0])
    secs = counts1.get("seconds", {})
    alongside = (counts1.get("crawl") or {}).get("alongside")  # what the crawl process did for the workers

    def articles_of(c: duckdb.DuckDBPyConnection, run_id: int) -> int:
        return c.execute("SELECT count(*) FROM articles a JOIN pages p ON p.page_id = a.article_id "
                         "WHERE p.run_id = ?", [run_id]).fetchone()[0]

    n_articles = articles_of(con, first)
    n_pages = con.execute("SELECT count(*) FROM pages WHERE run_id = ?", [first]).fetchone()[0]
    mean_chars = con.execute("SELECT round(avg(length(text))) FROM articles").fetchone()[0]
    texts = con.execute("SELECT title, text FROM articles ORDER BY article_id LIMIT ?", [TOKENIZE_SAMPLE]).fetchall()
    new_pages2 = con.execute("SELECT count(*) FROM pages WHERE run_id = ?", [last]).fetchone()[0]
    new_articles2 = articles_of(con, last)
    sources = con.execute("SELECT count(*) FROM source_health").fetchone()[0]
    con.close()
    con = duckdb.connect(str(processed), read_only=True)
    crawl_pages = con.execute("SELECT count(*) FROM pages").fetchone()[0]
    proc_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    con.close()

    from nlp.tokenize import tokenize_articles
    t = time.monotonic()
    tokenize_articles(texts, processes=PROCS)
    tok_only = len(texts) / (time.monotonic() - t)
    floor = library_floor(db, first)
    profile = str(profile_processing(cfg, crawled, tmp).relative_to(ROOT)) if opts.profile else None

    def rate(stage: str) -> float | None:
        return round(n_articles / secs[stage], 1) if secs.get(stage) else None

    wall, cpu = n1.wall, n1.cpu
    e2e = n_articles / wall
    busy = cpu / (wall * PROCS)
    cpu_ms = 1000 * cpu / n_articles if n_articles else None
    floor_ms = floor["floor_cpu_ms_per_article"]
    max_stage = max(crawl.wall, proc.wall)
    emit("end_to_end", {
        "scale": SCALE, "processes": PROCS, "pages": n_pages, "articles": n_articles, "requests": len(night1),
        "wall_seconds": round(wall, 1),
        "crawl_alone_seconds": round(crawl.wall, 1),
        "processing_alone_seconds": round(proc.wall, 1),
        "cpu_seconds": round(cpu, 1),
        "cpu_busy_fraction": round(busy, 3),
        "cpu_ms_per_article": round(cpu_ms, 2) if cpu_ms is not None else None,
        "floor_cpu_ms_per_article": floor_ms,
        "ratio_to_tokenize_ceiling": round(e2e / tok_only, 3),
        "targets": {
            "wall_within_1_2x_max_stage": wall <= 1.2 * max_stage,
            "cpu_busy_at_least_85pct": busy >= 0.85,
            "cpu_within_1_5x_floor": bool(cpu_ms is not None and floor_ms and cpu_ms <= 1.5 * floor_ms),
        },
        "wall_over_max_stage": round(wall / max_stage, 3),
        "cpu_over_floor": round(cpu_ms / floor_ms, 2) if cpu_ms and floor_ms else None,
        "stage_seconds": secs,
        "alongside": alongside,
        "crawl_alone": {"cpu_seconds": round(crawl.cpu, 1), "cpu_busy_fraction": round(crawl.cpu / (crawl.wall * PROCS), 3),
                        "pages": crawl_pages, "requests": crawl_requests,
                        "stage_seconds": _stage_seconds(crawled)},
        "processing_alone": {"cpu_seconds": round(proc.cpu, 1), "cpu_busy_fraction": round(proc.cpu / (proc.wall * PROCS), 3),
                             "cpu_ms_per_article": round(1000 * proc.cpu / proc_articles, 2) if proc_articles else None,
                             "articles": proc_articles,
                             "stage_seconds": _stage_seconds(processed)},
        "floor": floor,
        "demoweb_cpu_seconds": round(demoweb_cpu, 1),
        "steal_seconds_night1": round(steal1, 1),
        "articles_per_second": {"end_to_end": round(e2e, 1), "fetch": rate("crawl"), "extract": rate("extract"),
                                "tokenize_and_tag": rate("tag"), "load_views": rate("views")},
        "tokenize_only_articles_per_second": round(tok_only, 1),
        "ratio_end_to_end_over_tokenize_only": round(e2e / tok_only, 3),
        "peak_rss_mb": round(n1.peak_rss_mb, 1),
        "tokenize_sample": len(texts), "mean_article_chars": mean_chars,
        "model_check_or_training_seconds_excluded": round(training, 1),
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "profile": profile,
        "note": "fetch runs against a loopback demo web with politeness on (2 requests per site, AutoThrottle); "
                "cpu_seconds: os.wait4 rusage of the night-1 job (itself and every process it waited for)",
    })
    r2 = len(night2)
    beyond = (r2 - sources) / new_articles2 if new_articles2 else None
    emit("incremental", {
        "scale": SCALE,
        "night1": {"requests": len(night1), "bytes": sum(s.get("bytes", 0) for s in night1)},
        "night2": {"requests": r2, "bytes": sum(s.get("bytes", 0) for s in night2),
                   "not_modified_304": sum(1 for s in night2 if s.get("status") == 304),
                   "server_errors_5xx": sum(1 for s in night2 if 500 <= (s.get("status") or 0) < 600),
                   "failed_connections": sum(1 for s in night2 if not s.get("status")),
                   "robots_txt": sum(1 for s in night2 if str(s.get("path", "")).startswith("/robots.txt")),
                   "new_articles_stored": new_articles2, "new_pages_stored": new_pages2, "sources": sources},
        "requests_per_new_article": round(r2 / new_articles2, 2) if new_articles2 else None,
        "requests_per_new_article_beyond_sources": round(beyond, 3) if beyond is not None else None,
        "within_budget": beyond is not None and beyond <= 1.1,
        "budget": "<= 1.1 requests per new article plus one per source; every request the demo web recorded",
    })


if __name__ == "__main__":
    main()
