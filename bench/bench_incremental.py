"""Night 1 + night 2 on the demo web, crawl only: the incremental request budget, quickly.

The incremental half of bench_end_to_end.py without the extract/tag stages (those do not change
what the crawler asks): `chuyenmuc nightly --skip extract tag views weekly` on a fresh database at
AS_OF, then the same one day later on that database. Every request the demo web recorded on night 2
is counted and sorted: the first request per source (a source = a row of source_health), the ones
that stored a new page, and the rest ("beyond"), listed by host, path and status.

New articles are not known without extraction, so the budget is taken on new pages stored by the
night-2 crawl (every new page of night 2 is a new article's page in the demo web); `--extract` runs
the extract stage of night 2 as well and counts articles as bench_end_to_end does.

Env: BENCH_SCALE (default 20). Output: results/incremental_quick.json and the beyond list on stdout.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import tempfile
from pathlib import Path

import duckdb

from bench.bench_end_to_end import AS_OF, ROOT, SCALE, WEB, _nightly
from bench.common import emit

CRAWL_ONLY = ["extract", "tag", "views", "weekly"]


def _config(tmp: Path) -> Path:
    cfg = tmp / "chuyenmuc.toml"
    cfg.write_text(f'[paths]\nplan = "{ROOT}/plans/daklak-2021.toml"\nunits = "{ROOT}/units/daklak.toml"\n'
                   f'model = "{tmp}/model.joblib"\nlogs = "{tmp}/logs"\nreports = "{tmp}/reports"\n'
                   '[crawl]\ndownload_delay = 0\n', encoding="utf-8")
    return cfg


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extract", action="store_true", help="night 2 also extracts: count articles")
    ap.add_argument("--show", type=int, default=80, help="list at most this many beyond-budget requests")
    opts = ap.parse_args(argv)
    from demoweb.server import DemoWeb
    tmp = Path(tempfile.mkdtemp(prefix="bench-incr-"))
    cfg = _config(tmp)
    db = tmp / "incr.duckdb"
    with DemoWeb(**WEB) as web:
        web.start(0)
        _nightly(cfg, db, AS_OF, web.proxy_url, CRAWL_ONLY)
        night1 = web.stats()
        web.reset_stats()
        as_of2 = AS_OF + dt.timedelta(days=1)
        web.set_as_of(as_of2)
        _nightly(cfg, db, as_of2, web.proxy_url, ["tag", "views", "weekly"] if opts.extract else CRAWL_ONLY)
        night2 = web.stats()
    con = duckdb.connect(str(db), read_only=True)
    last = con.execute("SELECT max(run_id) FROM crawl_runs WHERE command = 'nightly'").fetchone()[0]
    new = con.execute("SELECT url, coalesce(fetched_url, url) FROM pages WHERE run_id = ?", [last]).fetchall()
    sources = con.execute("SELECT count(*) FROM source_health").fetchone()[0]
    articles = (con.execute("SELECT count(*) FROM articles a JOIN pages p ON p.page_id = a.article_id "
                            "WHERE p.run_id = ?", [last]).fetchone()[0] if opts.extract else None)
    con.close()
    from urllib.parse import urlsplit
    new_keys = collections.Counter()
    for url, fetched in new:
        for u in {url, fetched}:
            p = urlsplit(u)
            new_keys[(p.hostname, (p.path or "/") + (f"?{p.query}" if p.query else ""))] += 1
    beyond = []
    for s in night2:
        key = (s["host"], s["path"])
        if new_keys.get(key) and s.get("status") == 200:
            new_keys[key] -= 1
            continue
        beyond.append(s)
    by_host = collections.Counter(s["host"] for s in beyond)
    n_new = articles if articles is not None else len(new)
    r2 = len(night2)
    ratio = round((r2 - sources) / n_new, 3) if n_new else None
    out = emit("incremental_quick", {
        "scale": SCALE, "night1_requests": len(night1), "night2_requests": r2, "sources": sources,
        "new_pages_stored": len(new), "new_articles": articles,
        "requests_per_new_beyond_sources": ratio, "within_budget": ratio is not None and ratio <= 1.1,
        "not_new_requests": len(beyond),
        "status_counts": dict(collections.Counter(str(s.get("status")) for s in night2)),
        "robots_txt": sum(1 for s in night2 if s["path"].startswith("/robots.txt")),
        "not_new_by_host_top": by_host.most_common(15),
    })
    per_host = collections.Counter(s["host"] for s in night2)
    extra = [s for s in beyond if per_host[s["host"]] > 1]
    print(f"# requests of hosts asked more than once, other than new pages ({len(extra)}):")
    for s in extra[: opts.show]:
        print(s["host"], s["method"], s["path"], s.get("status"), s.get("via"))
    _ = out


if __name__ == "__main__":
    main()
