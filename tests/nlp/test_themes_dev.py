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


@pytest.mark.slow
def test_dev_cv_meets_the_bar(shared_data, cli):
    """5-fold CV through `themes evaluate --json`: micro-F1 >= 0.85, macro-F1 >= 0.70 (themes with >= 8)."""
    r = cli("themes", "evaluate", "--labels", str(shared_data / "labels" / "dev.jsonl"), "--cv", "5", "--json",
            timeout=1800)
    assert r.code == 0, r.err
    res = json.loads(r.out)
    m, k = res["model"]["frequent"], res["keywords"]["frequent"]
    assert m["micro_f1"] > k["micro_f1"] and m["macro_f1"] > k["macro_f1"]
    assert m["micro_f1"] >= 0.85, res["model"]["per_theme"]
    assert m["macro_f1"] >= 0.70, res["model"]["per_theme"]
