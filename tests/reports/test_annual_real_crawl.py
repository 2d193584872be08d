"""The annual report on a warehouse the real nightly job filled from the demo web (two nights, as
`make demo` does), against `chuyenmuc demo-web truth --as-of` for 30/11/2021 and 30/11/2022: the
crawler's own evidence (columns found, articles stored, a site answering 503, a robots.txt that
refuses) gives every unit the truth's status on the report's date. Slow: `make test-all`."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from registry import load_units
from tests.conftest import ROOT, UNITS, demo_config

demoweb = pytest.importorskip("demoweb.server", reason="the demo web package is not in this checkout")
pytestmark = pytest.mark.slow


def _run(args: list[str], timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=ROOT,
                       env=env, timeout=timeout)
    assert p.returncode in (0, 3), (p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    return p


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real")
    model = tmp / "themes.joblib"
    _run(["themes", "train", "--out", str(model)])
    cfg = demo_config(tmp, model)
    db = tmp / "demo.duckdb"
    with demoweb.DemoWeb(scale=1, seed=7, as_of=dt.date(2022, 12, 30)) as web:
        web.start(0)
        for night in (dt.date(2022, 12, 30), dt.date(2022, 12, 31)):
            web.set_as_of(night)
            _run(["nightly", "--config", str(cfg), "--db", str(db), "--proxy", web.proxy_url,
                  "--as-of", night.isoformat(), "--skip", "weekly"])
    return tmp, cfg, db


@pytest.mark.parametrize("year", [2021, 2022])
def test_annual_on_the_crawled_demo_agrees_with_the_truth(crawled, year):
    tmp, cfg, db = crawled
    out = tmp / f"out-{year}"
    _run(["report", "annual", "--config", str(cfg), "--year", str(year), "--db", str(db), "--out", str(out)])
    rep = json.loads((out / f"bao-cao-nam-{year}.json").read_text(encoding="utf-8"))
    ref = f"{year}-11-30"
    _run(["demo-web", "truth", "--as-of", ref, "--out", str(tmp / f"truth-{year}.json")])
    truth = json.loads((tmp / f"truth-{year}.json").read_text(encoding="utf-8"))
    assert rep["as_of"] == ref
    day = dt.date.fromisoformat(ref)
    valid = {u.unit_id for u in load_units(UNITS).units if u.active_on(day)}
    got = {u["unit_id"]: u["status"] for u in rep["units"]}
    assert set(got) == valid
    assert {u["unit_id"]: u["column_status"] for u in truth["units"] if u["unit_id"] in valid} == got
    assert {"active", "dormant", "missing", "unreachable"} <= set(got.values())
