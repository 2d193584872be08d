"""The bar of issue 6 on the real development labels (skips when ../shared/data is absent)."""
from __future__ import annotations

import json

import pytest

from nlp.themes.data import load_labels_jsonl
from registry import load_plan
from tests.conftest import PLAN


def test_dev_labels_load_and_cover_plan_themes(shared_data):
    """Fast: the dev file validates against the plan and has the frequent themes the bar speaks of."""
    ex = load_labels_jsonl(shared_data / "labels" / "dev.jsonl", load_plan(PLAN))
    assert len(ex) > 1000
    counts = {t: sum(t in e.themes for e in ex) for t in load_plan(PLAN).theme_ids}
    assert sum(c >= 8 for c in counts.values()) >= 5


@pytest.fixture(scope="module")
def dev_cv(shared_data) -> dict:
    """5-fold CV through `themes evaluate --json` (about 3 minutes on 2 busy cores)."""
    from tests.conftest import run_cli
    r = run_cli("themes", "evaluate", "--labels", str(shared_data / "labels" / "dev.jsonl"), "--cv", "5", "--json",
                timeout=1800)
    assert r.code == 0, r.err
    return json.loads(r.out)


@pytest.mark.slow
def test_dev_cv_beats_keyword_baseline(dev_cv):
    m, k = dev_cv["model"]["frequent"], dev_cv["keywords"]["frequent"]
    assert m["micro_f1"] >= k["micro_f1"] + 0.1
    assert m["macro_f1"] >= k["macro_f1"] + 0.1


@pytest.mark.slow
def test_dev_cv_macro_bar(dev_cv):
    """The issue's bar, macro part: macro-F1 >= 0.70 over themes with >= 8 examples."""
    assert dev_cv["model"]["frequent"]["macro_f1"] >= 0.70, dev_cv["model"]["per_theme"]


@pytest.mark.slow
def test_dev_cv_micro_bar(dev_cv):
    """The issue's bar, micro part: micro-F1 >= 0.85 over themes with >= 8 examples.

    Measured 0.851 with the fold seed `themes evaluate` uses (0). Other fold seeds give 0.843-0.854
    (mean 0.849 over seeds 0-4): the margin is thin, and a failure here after a change to features,
    training data or parameters is a real regression to look at, not noise to retry.
    """
    assert dev_cv["model"]["frequent"]["micro_f1"] >= 0.85, dev_cv["model"]["per_theme"]
