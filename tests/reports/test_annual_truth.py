"""The annual report on the demo warehouse, against the demo web's truth for the report's own
reference date (issue 17): the 2021 report is the web as it stood on 30/11/2021, the 2022 report
the web of 30/11/2022, checked unit by unit through bao-cao-nam-Y.json."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from registry import load_units
from tests.conftest import UNITS
from tests.reports.conftest import build_db

pytest.importorskip("demoweb.truth", reason="the demo web package is not in this checkout")


def demo_warehouse(path: Path, truth: dict) -> Path:
    """The demo warehouse as a perfect crawl of the last demo night would leave it: the truth's
    articles and columns, and one health row per site as the crawler records it (a site down every
    night is failing, a robots.txt that refuses everything is disallowed)."""
    from warehouse import connect
    from warehouse.batch import write_rows
    build_db(path, truth)
    now = dt.datetime(2022, 12, 31, 2, 0)
    rows = []
    for u in truth["units"]:
        if not u.get("site"):
            continue
        why = u.get("unreachable")
        status = {"site-down": "dead", "robots-refused": "disallowed"}.get(why, "ok")
        rows.append(dict(source_id=f"{u['unit_id']}-site", unit_id=u["unit_id"], kind="site", url=u["site"],
                         status=status, last_attempt_at=now, last_success_at=None if why else now,
                         last_error_at=now if why else None, last_error="HTTP 503" if why == "site-down" else
                         ("Forbidden by robots.txt" if why else None),
                         last_error_kind={"site-down": "http", "robots-refused": "robots-disallowed"}.get(why),
                         consecutive_failures=5 if why else 0))
    con = connect(path)
    try:
        con.execute("DELETE FROM source_health")
        write_rows(con, "source_health", rows)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    from demoweb.truth import build_truth
    truth = build_truth(scale=1, seed=7, as_of="2022-12-31")  # what `make demo` crawls last
    return demo_warehouse(tmp_path_factory.mktemp("demo") / "demo.duckdb", truth)


def _truth_cli(cli, tmp_path: Path, as_of: str) -> dict:
    out = tmp_path / f"truth-{as_of}.json"
    r = cli("demo-web", "truth", "--as-of", as_of, "--out", str(out))
    assert r.code == 0, r.err
    return json.loads(out.read_text(encoding="utf-8"))


def _annual_json(cli, db: Path, out: Path, year: int, *extra: str) -> dict:
    r = cli("report", "annual", "--year", str(year), "--db", str(db), "--out", str(out), *extra)
    assert r.code == 0, r.err
    return json.loads((out / f"bao-cao-nam-{year}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("year,ref", [(2021, "2021-11-30"), (2022, "2022-11-30")])
def test_annual_status_equals_truth_on_its_reference_date(cli, demo_db, tmp_path, year, ref):
    truth = _truth_cli(cli, tmp_path, ref)
    rep = _annual_json(cli, demo_db, tmp_path / "out", year)
    assert rep["as_of"] == ref  # the default: 30/11 of the year (the warehouse goes on to 31/12/2022)
    got = {u["unit_id"]: u for u in rep["units"]}
    day = dt.date.fromisoformat(ref)
    valid = {u.unit_id for u in load_units(UNITS).units if u.active_on(day)}
    # every unit that existed on the reference date, with the truth's status; no other unit
    assert set(got) == {u["unit_id"] for u in truth["units"] if u["unit_id"] in valid}
    for u in truth["units"]:
        if u["unit_id"] in valid:
            assert got[u["unit_id"]]["status"] == u["column_status"], u["unit_id"]
            want_col = u["column"]["url"] if u["column"] else None
            assert got[u["unit_id"]]["column_url"] == want_col, u["unit_id"]
    statuses = {u["status"] for u in rep["units"]}
    assert statuses >= {"active", "missing", "unreachable", "not_required"}
    # the counts are of the year up to the reference date only
    n = sum(1 for a in truth["articles"] if a["robots_allowed"] and a["published_at"][:4] == str(year)
            and a["published_at"][:10] >= rep["period_start"])
    assert sum(u["articles"] for u in rep["units"]) == n


def test_no_unit_formed_after_the_reference_date(cli, demo_db, tmp_path):
    rep = _annual_json(cli, demo_db, tmp_path / "out", 2021)
    ids = {u["unit_id"] for u in rep["units"]}
    assert "so-nnmt" not in ids  # formed 01/03/2025
    for u in load_units(UNITS).units:
        if u.valid_from > dt.date(2021, 11, 30):
            assert u.unit_id not in ids


def test_unreachable_units_are_not_missing_and_say_why(cli, demo_db, tmp_path):
    from demoweb.world import DOWN_HOST, REFUSING_HOST
    rep = _annual_json(cli, demo_db, tmp_path / "out", 2021)
    by_id = {u["unit_id"]: u for u in rep["units"]}
    assert by_id["h-krong-buk"]["status"] == "unreachable" and by_id["h-krong-buk"]["unreachable_reason"] == "failing"
    assert by_id["h-ea-hleo"]["status"] == "unreachable" and by_id["h-ea-hleo"]["unreachable_reason"] == "disallowed"
    assert DOWN_HOST.startswith("krongbuk") and REFUSING_HOST.startswith("eahleo")
    html = (tmp_path / "out" / "bao-cao-nam-2021.html").read_text(encoding="utf-8")
    assert "Không truy cập được" in html and "robots.txt" in html


def test_months_counted_from_the_plan_period_start(cli, demo_db, tmp_path):
    rep = _annual_json(cli, demo_db, tmp_path / "out", 2021)
    assert rep["period_start"] == "2021-05-23"  # the plan's 2021 period
    for u in rep["units"]:
        assert all("2021-06" <= m <= "2021-11" for m in u["months_without_articles"]), u["unit_id"]


def test_as_of_option_and_bad_dates(cli, demo_db, tmp_path):
    rep = _annual_json(cli, demo_db, tmp_path / "a", 2022, "--as-of", "2022-06-30")
    assert rep["as_of"] == "2022-06-30"
    assert "Lưu ý: dữ liệu" not in (tmp_path / "a" / "bao-cao-nam-2022.html").read_text(encoding="utf-8")
    r = cli("report", "annual", "--year", "2022", "--as-of", "2021-06-30", "--db", str(demo_db), "--out", str(tmp_path))
    assert r.code == 2 and "2021-06-30" in r.err
    r = cli("report", "annual", "--year", "2022", "--as-of", "30/11/2022", "--db", str(demo_db), "--out", str(tmp_path))
    assert r.code == 2 and "YYYY-MM-DD" in r.err
