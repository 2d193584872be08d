"""Against the demo web's own ground truth (demoweb/truth.py), when that package is present:
column_status agrees for every unit (status and column URL), and coverage_weekly totals equal the
truth's article-theme counts per unit and week, given perfect tags."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.reports.conftest import build_db
from tests.reports.truthgen import expected_coverage


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    truth_mod = pytest.importorskip("demoweb.truth", reason="the demo web package is not in this checkout")
    truth = truth_mod.build_truth(scale=1, seed=7)
    db = build_db(tmp_path_factory.mktemp("demoweb") / "demo.duckdb", truth)
    import duckdb
    con = duckdb.connect(str(db))
    yield truth, con
    con.close()


def test_column_status_agrees_with_demoweb_truth(demo):
    truth, con = demo
    got = {r[0]: (r[1], r[2]) for r in con.execute("SELECT unit_id, status, column_url FROM column_status").fetchall()}
    assert {u["column_status"] for u in truth["units"]} >= {"active", "dormant", "missing", "not_required"}
    for u in truth["units"]:
        assert got[u["unit_id"]] == (u["column_status"], u["column"]["url"] if u["column"] else None), u["unit_id"]


def test_coverage_weekly_equals_demoweb_truth(demo):
    truth, con = demo
    got = Counter({(u, t, w): n for u, t, w, n in
                   con.execute("SELECT unit_id, theme_id, week, articles FROM coverage_weekly").fetchall()})
    assert got == expected_coverage(truth) and sum(got.values()) > 0
