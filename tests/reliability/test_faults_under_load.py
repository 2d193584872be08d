"""Faults under load: the demo web at scale 10 with every fault on, and a site that dies mid-crawl.

Three crawls of one demo web (the real crawler, child process, through the demo web's proxy):
1. a clean baseline into its own warehouse;
2. the faulted night: once the victim site has answered VICTIM_AFTER requests it answers 503 to
   everything. The run must complete; every healthy site keeps exactly what the baseline got
   (one site dying costs the others nothing); nothing is stored twice; the victim's failures are
   in source_health and run_errors;
3. the victim comes back and the crawl is rerun: it fetches what was missed and duplicates nothing.
Then the truth check: every article the truth lists on the healthy sites is stored exactly once.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("demoweb.server", reason="the demoweb branch is not merged")
pytest.importorskip("pipeline.crawl_job", reason="the crawl branch is not merged")

from demoweb.server import DemoWeb  # noqa: E402
from nlp.urls import canonical_url  # noqa: E402
from pipeline.crawl_job import run_crawl  # noqa: E402
from registry import load_plan, load_units  # noqa: E402
from registry.config import Config  # noqa: E402
from tests.conftest import PLAN, UNITS  # noqa: E402
from warehouse.db import connect  # noqa: E402

pytestmark = pytest.mark.slow

SCALE = 10
VICTIM_AFTER = 25
SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_BACKOFF_BASE": 0.05,
            "DOWNLOAD_TIMEOUT": 10, "LOG_LEVEL": "WARNING"}


def _crawl(db: Path, web: DemoWeb) -> dict:
    return run_crawl(db, load_plan(PLAN), load_units(UNITS), Config(), proxy=web.proxy_url, settings=SETTINGS,
                     timeout=1200)


def _stored(db: Path) -> list[tuple[str, str, str]]:
    con = connect(db, read_only=True)
    try:
        return con.execute("SELECT unit_id, url, fetched_url FROM pages").fetchall()
    finally:
        con.close()


def _host(url: str) -> str:
    from urllib.parse import urlsplit
    return (urlsplit(url).hostname or "").lower()


class Night:
    def __init__(self, web: DemoWeb, tmp: Path):
        self.web = web
        self.truth = web.truth()
        self.base_db, self.db = tmp / "baseline.duckdb", tmp / "faulted.duckdb"
        self.base_counts = _crawl(self.base_db, web)
        self.baseline = _stored(self.base_db)
        per_host = Counter(_host(u) for _, u, _ in self.baseline)
        # the victim: the site the baseline took most articles from (so there is much to miss)
        self.victim = per_host.most_common(1)[0][0]
        web.reset_stats()
        stop = threading.Event()

        def kill_mid_crawl() -> None:
            while not stop.is_set():
                if sum(1 for s in web.stats() if s["host"] == self.victim) >= VICTIM_AFTER:
                    web.set_site_down(self.victim, True, mode="503")
                    return
                time.sleep(0.05)

        killer = threading.Thread(target=kill_mid_crawl, daemon=True)
        killer.start()
        t0 = time.monotonic()
        try:
            self.counts = _crawl(self.db, web)
        finally:
            stop.set()
            killer.join(timeout=5)
        self.seconds = time.monotonic() - t0
        self.killed = self.victim in web._down
        self.after_fault = _stored(self.db)
        con = connect(self.db, read_only=True)
        try:
            self.health = con.execute("SELECT unit_id, kind, url, status, consecutive_failures, last_error_kind "
                                      "FROM source_health").fetchall()
            self.errors = con.execute("SELECT unit_id, url, kind FROM run_errors").fetchall()
            self.run_status = con.execute("SELECT status FROM crawl_runs ORDER BY run_id DESC LIMIT 1").fetchone()[0]
        finally:
            con.close()
        web.set_site_down(self.victim, False)
        web.reset_stats()
        self.rerun_counts = _crawl(self.db, web)
        self.after_rerun = _stored(self.db)
        self.rerun_stats = web.stats()


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    web = DemoWeb(scale=SCALE, seed=7)
    web.start(0)
    try:
        return Night(web, tmp_path_factory.mktemp("load"))
    finally:
        web.stop()


def test_victim_died_mid_crawl_and_run_completed(night: Night) -> None:
    assert night.killed, "the victim site was never taken down: the test would prove nothing"
    assert night.counts["finish_reason"] == "finished"
    assert night.run_status in ("partial", "ok")
    print(f"victim {night.victim}; faulted run {night.seconds:.0f} s; counts "
          f"{ {k: v for k, v in night.counts.items() if k != 'per_unit'} }")


def test_victim_lost_articles_and_says_so(night: Night) -> None:
    base = {u for _, u, _ in night.baseline if _host(u) == night.victim}
    got = {u for _, u, _ in night.after_fault if _host(u) == night.victim}
    assert len(got) < len(base), "the victim lost nothing: it died too late"
    failing = [h for h in night.health if _host(h[2]) == night.victim and h[3] != "ok"]
    assert failing, "no failing source_health row for the site that died"
    assert [e for e in night.errors if _host(e[1] or "") == night.victim], "no run_errors row for the victim"


def _faulty_hosts(night: Night) -> set[str]:
    """Sites the demo web makes fail on purpose (flaky 500s, slow): their losses vary run to run."""
    return {f["host"] for f in night.truth["faults"] if f["kind"] in ("flaky-500", "slow-site")} | {night.victim}


def test_healthy_sites_unaffected(night: Night) -> None:
    """Every healthy site stored exactly what it stored on the clean night."""
    bad = _faulty_hosts(night)
    base = {u for _, u, _ in night.baseline if _host(u) not in bad}
    got = {u for _, u, _ in night.after_fault if _host(u) not in bad}
    assert base - got == set(), sorted(base - got)[:10]


def test_nothing_stored_twice(night: Night) -> None:
    for rows in (night.after_fault, night.after_rerun):
        urls = [u for _, u, _ in rows]
        assert len(urls) == len(set(urls))
        canon = Counter(canonical_url(f) for _, _, f in rows)
        assert not [u for u, n in canon.items() if n > 1]


RERUN_BUG = ("crawl: a rerun after the dead site returns does not fetch what was missed. Measured at scale 10: "
             "baodaklak.vn answered 503 from its 26th request on (0 articles stored that night); the rerun got "
             "475 of the 671 articles of the clean night, 196 stay missing. In the rerun 5 requests to it were "
             "answered 304: the listings read before it died had their ETag saved, so on the rerun they are "
             "'unchanged', not parsed, and the articles (and older pages) under them are never asked for again. "
             "A source whose articles failed must not keep its validators, or failed article URLs must be retried.")


def test_rerun_fetches_what_was_missed(night: Night) -> None:
    base = {u for _, u, _ in night.baseline if _host(u) == night.victim}
    got = {u for _, u, _ in night.after_rerun if _host(u) == night.victim}
    lost = {u for _, u, _ in night.after_fault if _host(u) == night.victim}
    assert base <= got, (f"{len(base - got)} of {len(base)} articles of {night.victim} still missing after the "
                         f"rerun ({len(lost)} stored on the faulted night, {len(got)} after the rerun); rerun "
                         f"answers from it: {Counter(x['status'] for x in night.rerun_stats if x['host'] == night.victim)}")


def test_rerun_recovers_flaky_losses_and_refetches_nothing(night: Night) -> None:
    """Sites that kept working: the rerun re-reads no stored article, and loses nothing it had."""
    before = {u for _, u, _ in night.after_fault}
    after = {u for _, u, _ in night.after_rerun}
    assert before <= after
    healthy_articles = {u.removeprefix("https://").removeprefix("http://")
                        for _, u, _ in night.after_fault if _host(u) != night.victim}
    refetched = [s for s in night.rerun_stats if s["host"] != night.victim and s["status"] == 200
                 and f"{s['host']}{s['path']}" in healthy_articles]
    assert len(refetched) <= 5, refetched[:5]


def _perfect(night: Night) -> set[str]:
    """What a perfect crawler gets from the healthy sites: robots-allowed and under the download cap."""
    over_cap = {f.get("url") for f in night.truth["faults"] if f.get("over_download_cap")}
    faulty = _faulty_hosts(night) - {f["host"] for f in night.truth["faults"] if f["kind"] == "slow-site"}
    return {a["url"] for a in night.truth["articles"]
            if a["robots_allowed"] and a["url"] not in over_cap and _host(a["url"]) not in faulty}


def test_truth_articles_of_healthy_sites_stored_exactly_once(night: Night) -> None:
    want = _perfect(night)
    got = Counter(u for _, u, _ in night.after_rerun)
    missing = want - set(got)
    by_unit = Counter(a["unit_id"] for a in night.truth["articles"] if a["url"] in missing)
    assert not missing, (f"crawl coverage: {len(missing)} of {len(want)} truth articles of healthy sites never "
                         f"stored; most by unit: {by_unit.most_common(6)}")
    assert all(got[u] == 1 for u in want)


def test_site_dropping_connections_does_not_stall_the_night(tmp_path: Path) -> None:
    """The same night, but the dead site drops connections unanswered instead of answering 503: its failed
    attempts (retries included) reach the site cut-off, which drops its queue, so the night finishes.
    Before the cut-off counted every attempt, the first failure reached it minutes after the site died."""
    import subprocess
    with DemoWeb(scale=SCALE, seed=7) as web:
        victim = "baodaklak.vn"
        done = threading.Event()

        def kill() -> None:
            while not done.is_set():
                if sum(1 for s in web.stats() if s["host"] == victim) >= VICTIM_AFTER:
                    web.set_site_down(victim, True, mode="reset")
                    return
                time.sleep(0.05)

        threading.Thread(target=kill, daemon=True).start()
        try:
            counts = run_crawl(tmp_path / "r.duckdb", load_plan(PLAN), load_units(UNITS), Config(),
                               proxy=web.proxy_url, settings=SETTINGS, timeout=240)
        except subprocess.TimeoutExpired:
            pytest.fail("the night did not finish within 240 s (a clean night takes ~45 s)")
        finally:
            done.set()
        assert counts["finish_reason"] == "finished"
        from warehouse.db import connect
        con = connect(tmp_path / "r.duckdb", read_only=True)
        try:
            kinds = {k for (k,) in con.execute("SELECT DISTINCT kind FROM run_errors WHERE url LIKE ?",
                                               [f"%{victim}%"]).fetchall()}
        finally:
            con.close()
        assert "site-down" in kinds, kinds
