"""Fixtures: a warehouse built by the project's own `db init`, filled from a synthetic truth."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS
from tests.reports.truthgen import make_truth


def build_db(path: Path, truth: dict) -> Path:
    from pipeline.setup_db import init_db
    from tests.truth_load import load_truth_articles, load_truth_tags
    from warehouse import connect
    from warehouse.batch import write_rows

    init_db(path, load_plan(PLAN), load_units(UNITS))
    con = connect(path)
    try:
        load_truth_articles(con, truth)
        load_truth_tags(con, truth)
        now = dt.datetime(2022, 3, 14, 3, 0)
        write_rows(con, "source_health", [
            dict(source_id="lak-rss", unit_id="h-lak", kind="feed", url="https://lak.daklak.gov.vn/rss",
                 status="failing", last_attempt_at=now, last_error_at=now,
                 last_error="<b>timeout</b> after 20 s", last_error_kind="timeout", consecutive_failures=4),
            dict(source_id="stttt-site", unit_id="so-tttt", kind="site", url="https://stttt.daklak.gov.vn/",
                 status="ok", last_attempt_at=now, last_error_at=None, last_error=None, last_error_kind=None,
                 consecutive_failures=0),
        ])
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def truth() -> dict:
    return make_truth()


@pytest.fixture(scope="session")
def built_db(tmp_path_factory, truth) -> Path:
    return build_db(tmp_path_factory.mktemp("wh") / "reports.duckdb", truth)


@pytest.fixture
def db(built_db, tmp_path) -> Path:
    """A private copy, so a test may change settings or rows."""
    p = tmp_path / "w.duckdb"
    shutil.copy(built_db, p)
    return p


@pytest.fixture
def con(db):
    from warehouse import connect
    c = connect(db)
    yield c
    c.close()
