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

    Measured 0.855 with the fold seed `themes evaluate` uses (0), with the independent DANeS labels
    (0.851 before them): the margin is thin, and a failure here after a change to features, training
    data or parameters is a real regression to look at, not noise to retry.
    """
    assert dev_cv["model"]["frequent"]["micro_f1"] >= 0.85, dev_cv["model"]["per_theme"]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 19 bar not reached: CV with dev measures micro-F1 0.855 "
                   "(docs/themes.md, learning curve: more labelled articles are needed)")
def test_dev_cv_issue19_micro_bar(dev_cv):
    assert dev_cv["model"]["frequent"]["micro_f1"] >= 0.88, dev_cv["model"]["per_theme"]


# --- The shipped default model on dev.jsonl used purely as a test set (issue 19) ---------------------

@pytest.fixture(scope="module")
def dev_test_text(shared_data) -> str:
    """`themes evaluate --test dev.jsonl` as a user runs it (about a minute on 2 busy cores)."""
    from tests.conftest import run_cli
    r = run_cli("themes", "evaluate", "--test", str(shared_data / "labels" / "dev.jsonl"), "--processes", "2",
                timeout=1800)
    assert r.code == 0, r.err
    return r.out


@pytest.fixture(scope="module")
def dev_test(shared_data) -> dict:
    from tests.conftest import run_cli
    r = run_cli("themes", "evaluate", "--test", str(shared_data / "labels" / "dev.jsonl"), "--json",
                "--processes", "2", timeout=1800)
    assert r.code == 0, r.err
    return json.loads(r.out)


@pytest.mark.slow
def test_dev_as_test_prints_scores_table_and_hold_out(dev_test_text, shared_data):
    out = dev_test_text
    plan = load_plan(PLAN)
    for t in plan.theme_ids:
        assert any(line.startswith(t + " ") for line in out.splitlines()), t
    assert "themes with >= 8 examples: model micro-F1 0." in out
    n_dev_in_repo = sum(e.id.startswith("N-") for e in load_labels_jsonl(shared_data / "labels" / "dev.jsonl", plan))
    held = int(out.split("held out of training: ")[1].split()[0])
    assert held >= n_dev_in_repo  # every DANeS record of dev.jsonl (same id) is held out


@pytest.mark.slow
def test_dev_as_test_never_trains_on_a_test_record(dev_test, shared_data):
    from nlp.themes.data import repo_examples, split_held_out
    plan = load_plan(PLAN)
    test = load_labels_jsonl(shared_data / "labels" / "dev.jsonl", plan)
    kept, held = split_held_out(repo_examples(plan), test)
    assert dev_test["held_out"] == len(held) > 0 and dev_test["train_examples"] == len(kept)
    assert dev_test["mode"] == "test" and dev_test["n"] == len(test)
    m, k = dev_test["model"]["frequent"], dev_test["keywords"]["frequent"]
    assert m["micro_f1"] >= k["micro_f1"] + 0.1 and m["macro_f1"] >= k["macro_f1"] + 0.1


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 19 bar not reached: the default model on dev.jsonl as a test set "
                   "measures micro-F1 0.809, macro-F1 0.669 (docs/themes.md gives the learning curve)")
def test_dev_as_test_issue19_bars(dev_test):
    f = dev_test["model"]["frequent"]
    assert f["micro_f1"] >= 0.85 and f["macro_f1"] >= 0.75, dev_test["model"]["per_theme"]
