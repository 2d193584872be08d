"""N real Scrapy workers (subprocesses) over the shared Redis frontier, against a local mini web."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest
import redis

from pipeline.scaleout import clear_frontier, frontier_state, merge_spool, push_seeds, start_workers, wait_workers

pytestmark = pytest.mark.redis

SPIDER = "tests.scaleout.minispider:MiniSpider"
TABLES = {"mini_pages": ("url",)}


def new_db(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE IF NOT EXISTS mini_pages (url VARCHAR PRIMARY KEY, title VARCHAR, worker VARCHAR, fetched_at DOUBLE)")
    con.close()
    return path


def night(redis_url: str, web, tmp: Path, db: Path, n: int, prefix: str, *, kill_after: int | None = None,
          terminate_after: int | None = None, site_rate: float | None = None) -> dict:
    """One nightly run: seeds -> n workers (optionally one killed mid-crawl and restarted) -> merge."""
    client = redis.Redis.from_url(redis_url)
    push_seeds(client, prefix, [{"url": r} for r in web.roots])
    spool = tmp / f"spool-{prefix}"
    kw = dict(spider=SPIDER, idle_seconds=1.5, spider_args=[f"known_db={db}"], site_rate=site_rate)
    workers = start_workers(n, redis_url, spool, prefix, **kw)
    if kill_after is not None or terminate_after is not None:
        # stop it mid-crawl: once the web has served that many requests (not at a fixed time, which
        # on a loaded machine may fall before the worker even started)
        target = kill_after if kill_after is not None else terminate_after
        deadline = time.monotonic() + 60
        while len(web.fetches()) < target and time.monotonic() < deadline:
            time.sleep(0.05)
        victim = workers[0]
        assert victim.proc.poll() is None, "the crawl ended before the worker could be stopped"
        victim.kill() if kill_after is not None else victim.terminate()
        victim.proc.wait(60)
        if kill_after is not None:   # restart it, as a supervisor (systemd, k8s) would
            workers += start_workers(1, redis_url, spool, prefix, first_id=n, **kw)
    codes = wait_workers(workers, timeout=180)
    state = frontier_state(client, prefix)
    con = duckdb.connect(str(db))
    merged = merge_spool(con, spool, TABLES)
    stored = {r[0] for r in con.execute("SELECT url FROM mini_pages").fetchall()}
    con.close()
    clear_frontier(client, prefix)
    return dict(codes=codes, state=state, merged=merged, stored=stored, workers=workers)


def article_fetches(web) -> Counter:
    return Counter(f"http://{site}{path}" for site, path, _ in web.fetches() if path.startswith("/a/"))


@pytest.mark.parametrize("n", [1, 2, 4])
def test_n_workers_store_every_article_once_without_duplicate_fetch(n, redis_server, redis_client, miniweb, tmp_path):
    db = new_db(tmp_path / "w.duckdb")
    out = night(redis_server.url, miniweb, tmp_path, db, n, f"t{n}")
    assert all(c == 0 for c in out["codes"].values()), out["codes"]
    assert out["state"]["seeds"] == 0 and out["state"]["requests"] == 0
    assert out["stored"] == miniweb.all_articles()
    fetched = article_fetches(miniweb)
    assert set(fetched) == miniweb.all_articles()
    assert max(fetched.values()) == 1, [u for u, c in fetched.items() if c > 1]   # no duplicate fetch
    pages = Counter((s, p) for s, p, _ in miniweb.fetches())
    assert max(pages.values()) == 1
    if n > 1:   # the work really was shared
        con = duckdb.connect(str(db), read_only=True)
        per_worker = dict(con.execute("SELECT worker, count(*) FROM mini_pages GROUP BY 1").fetchall())
        con.close()
        assert len(per_worker) >= 2, per_worker


def test_sigkilled_worker_restarted_and_next_night_has_nothing_missing(redis_server, redis_client, tmp_path):
    from tests.scaleout.miniweb import MiniWeb

    web = MiniWeb(sites=3, lists=4, per_list=10, latency=0.05).start()
    try:
        db = new_db(tmp_path / "k.duckdb")
        first = night(redis_server.url, web, tmp_path, db, 2, "night1", kill_after=40)
        assert first["codes"]["w0"] == -9
        lost = web.all_articles() - first["stored"]
        # night 2: a fresh frontier; listings are re-read, stored articles are not fetched again
        before = article_fetches(web)
        second = night(redis_server.url, web, tmp_path, db, 2, "night2")
        assert second["stored"] == web.all_articles(), "articles still missing after the next night"
        refetched = article_fetches(web) - before
        assert set(refetched) == lost                 # only what night 1 lost was fetched again
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT count(*), count(DISTINCT url) FROM mini_pages").fetchone() == (len(web.all_articles()),) * 2
        con.close()
    finally:
        web.stop()


def test_sigterm_worker_stops_cleanly_and_the_run_loses_nothing(redis_server, redis_client, tmp_path):
    from tests.scaleout.miniweb import MiniWeb

    web = MiniWeb(sites=3, lists=4, per_list=10, latency=0.2).start()
    try:
        db = new_db(tmp_path / "t.duckdb")
        out = night(redis_server.url, web, tmp_path, db, 2, "term", terminate_after=30)
        assert out["codes"]["w0"] == 130, out["workers"][0].log_path.read_text()[-3000:]
        assert out["codes"]["w1"] == 0
        # the other worker finished the job in the same run: nothing missing, nothing twice
        assert out["stored"] == web.all_articles()
        fetched = article_fetches(web)
        assert max(fetched.values()) == 1
    finally:
        web.stop()
