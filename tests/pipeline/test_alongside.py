"""Processing while the crawl fetches (pipeline/alongside.py) gives the warehouse the stages give.

The nightly job extracts, tokenizes and tags pages inside the crawl process as they are stored; the
extract and tag stages after the crawl do what is left. The same web crawled stage after stage
(crawl only, then extract + tag of the stored pages) must give the same articles, reposts, tokens
and tags, and the overlapped night must really have processed pages before its crawl finished.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, demo_config, query, train_default_model

demoweb = pytest.importorskip("demoweb.server", reason="the demo web package is not in this checkout")

NIGHT = dt.date(2022, 12, 30)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    return train_default_model(tmp_path_factory.mktemp("model") / "themes.joblib")


def _nightly(cfg: Path, db: Path, proxy: str, *skip: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db), "--proxy", proxy,
           "--as-of", NIGHT.isoformat(), "--skip", "weekly"]
    for stage in skip:
        cmd += ["--skip", stage]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert p.returncode in (0, 3), (p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    return p


def _crawl(cfg: Path, db: Path, proxy: str, model: Path, **kw) -> dict:
    """The crawl as the nightly job runs it (processing alongside with `model`), in this test's terms."""
    from pipeline.crawl_job import run_crawl
    from registry import load_plan, load_units
    from registry.config import load_config
    config = load_config(cfg)
    return run_crawl(db, load_plan(config.path("plan")), load_units(config.path("units")), config,
                     proxy=proxy, process_with=model, **kw)


def _snapshot(db: Path) -> dict:
    return {
        "articles": query(db, "SELECT url, unit_id, title, published_at, text, repost_of IS NOT NULL, is_document "
                              "FROM articles ORDER BY url"),
        "reposts": query(db, "SELECT a.url, o.url FROM articles a JOIN articles o ON o.article_id = a.repost_of "
                             "ORDER BY 1"),
        "tokens": query(db, "SELECT a.url, t.title_tokens, t.text_tokens FROM article_tokens t "
                            "JOIN articles a USING (article_id) ORDER BY 1"),
        "tags": query(db, "SELECT a.url, t.theme_id, t.source FROM article_themes t JOIN articles a USING (article_id) "
                          "ORDER BY 1, 2"),
        "scores": query(db, "SELECT a.url, s.theme_id, round(s.score, 9) FROM article_theme_scores s "
                            "JOIN articles a USING (article_id) ORDER BY 1, 2"),
        "statuses": query(db, "SELECT url, extract_status, extract_error FROM pages ORDER BY url"),
    }


@pytest.fixture(scope="module")
def stages(tmp_path_factory, model_path) -> dict:
    """The same web crawled stage after stage: crawl only, then extract + tag of the stored pages."""
    tmp = tmp_path_factory.mktemp("stages")
    cfg = demo_config(tmp, model_path)
    with demoweb.DemoWeb(scale=1, seed=7, as_of=NIGHT) as web:
        web.start(0)
        _nightly(cfg, tmp / "stages.duckdb", web.proxy_url, "extract", "tag", "views")
        _nightly(cfg, tmp / "stages.duckdb", web.proxy_url, "crawl", "channels")
    return _snapshot(tmp / "stages.duckdb")


def test_processing_while_crawling_equals_stage_after_stage(tmp_path: Path, model_path: Path, stages: dict) -> None:
    cfg = demo_config(tmp_path, model_path)
    with demoweb.DemoWeb(scale=1, seed=7, as_of=NIGHT) as web:
        web.start(0)
        overlapped = _nightly(cfg, tmp_path / "overlap.duckdb", web.proxy_url)
    a, b = _snapshot(tmp_path / "overlap.duckdb"), stages
    assert len(a["articles"]) > 400 and a["tags"] and a["reposts"]
    for part in a:
        assert a[part] == b[part], part

    # the overlapped night did its processing inside the crawl: counted there, logged before the crawl ended
    counts = json.loads(query(tmp_path / "overlap.duckdb",
                              "SELECT counts FROM crawl_runs ORDER BY run_id DESC LIMIT 1")[0][0])
    crawl = counts["crawl"]
    assert crawl["alongside"]["article"] > 400, crawl["alongside"]
    assert crawl["alongside"]["scored"] > 400, crawl["alongside"]
    # what being the one writer cost the crawl, part by part (the bench reports these)
    assert all(crawl["alongside"][f"{p}_seconds"] >= 0 for p in ("send", "outcomes", "tokens", "scores"))
    assert crawl["alongside"]["left"] == 0
    assert crawl["alongside"]["read_back"] == 0  # fewer pages than HOLD_PAGES: every row came with its signal
    assert counts["extract"]["article"] + crawl["alongside"]["article"] + crawl["alongside"]["document"] \
        + counts["extract"]["document"] == len(a["articles"])
    log = overlapped.stderr + overlapped.stdout
    first = log.find("chuyenmuc.progress: extract: ")
    assert 0 <= first < log.find("stage crawl finished"), log[-3000:]


def test_pages_queued_beyond_the_hold_are_read_back(tmp_path: Path, model_path: Path, stages: dict) -> None:
    """With only 4 queued pages' rows held in memory, the others wait as ids and are read back from the
    database when sent: the night still stores what the stages give."""
    cfg = demo_config(tmp_path, model_path)
    db = tmp_path / "held.duckdb"
    with demoweb.DemoWeb(scale=1, seed=7, as_of=NIGHT) as web:
        web.start(0)
        counts = _crawl(cfg, db, web.proxy_url, model_path, settings={"CHUYENMUC_ALONGSIDE_HOLD_PAGES": 4})
        _nightly(cfg, db, web.proxy_url, "crawl", "channels")  # what the nightly does after its crawl
    side = counts["alongside"]
    assert side["article"] > 400 and side["left"] == 0, side
    assert side["read_back"] > side["pages"] // 2, side
    a = _snapshot(db)
    for part in a:
        assert a[part] == stages[part], part


def test_a_crawl_only_night_processes_nothing(tmp_path: Path, model_path: Path) -> None:
    """Skipping extract and tag (the bench's 'crawl alone') fetches and stores only: pages wait for extract."""
    cfg = demo_config(tmp_path, model_path)
    db = tmp_path / "crawl.duckdb"
    with demoweb.DemoWeb(scale=1, seed=7, as_of=NIGHT) as web:
        web.start(0)
        _nightly(cfg, db, web.proxy_url, "extract", "tag", "views")
    assert query(db, "SELECT count(*) FROM articles")[0][0] == 0
    assert query(db, "SELECT count(*) FROM pages WHERE extract_status IS NULL")[0][0] > 400


def test_a_model_that_cannot_be_loaded_leaves_the_pages_to_the_stages(tmp_path: Path) -> None:
    """The model and workers start beside the crawl: when they cannot (a damaged model file), the crawl
    still fetches and stores every page, processing stops (logged), and the pages wait
    for the extract stage (extract_status NULL), as when a worker dies."""
    bad = tmp_path / "damaged.joblib"
    bad.write_bytes(b"not a model")
    cfg = demo_config(tmp_path, bad)
    db = tmp_path / "w.duckdb"
    with demoweb.DemoWeb(scale=1, seed=7, as_of=NIGHT) as web:
        web.start(0)
        counts = _crawl(cfg, db, web.proxy_url, bad, unit_ids=["so-tttt"])
    assert counts["pages_stored"] > 5, counts
    assert counts["alongside"]["pages"] == 0, counts["alongside"]
    assert query(db, "SELECT count(*) FROM pages WHERE extract_status IS NULL")[0][0] == counts["pages_stored"]
    assert query(db, "SELECT count(*) FROM articles")[0][0] == 0
