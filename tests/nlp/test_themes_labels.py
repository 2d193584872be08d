"""The repository's labelled DANeS records: CC BY provenance, annotators' agreement, and the rules that
keep a test-set measurement honest (hold-out of test records, minimum precision)."""
from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from importlib import resources

import numpy as np
import pytest

from nlp.themes.agreement import AGREED, SETTLED, agreement, merge
from nlp.themes.data import DANES_LABELS, Example, danes_records, repo_examples, split_held_out
from nlp.themes.model import best_threshold
from nlp.themes.training import MIN_PRECISION_KEY, plan_min_precision, tokenize_examples, train
from registry import load_plan
from registry.errors import ValidationError
from tests.conftest import PLAN

DATA = resources.files("nlp.themes").joinpath("data")


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN)


def _danes_files() -> list[str]:
    return sorted(p.name for p in DATA.iterdir() if p.name.startswith("danes") and p.name.endswith(".json"))


def _shipped() -> list[dict]:
    return json.loads(DATA.joinpath(DANES_LABELS).read_text(encoding="utf-8"))


def test_every_danes_id_resolves_to_the_cc_by_set(shared_data):
    """Only CC BY 4.0 DANeS annotated records may sit in the repo: every id of every DANeS file here is
    a record of annotated batch #1, with that record's own title and lead (never a raw-batch headline)."""
    records = danes_records(shared_data / "corpus" / "danes" / "annotated_batch_1.json")
    assert _danes_files() == [DANES_LABELS]
    for name in _danes_files():
        rows = json.loads(DATA.joinpath(name).read_text(encoding="utf-8"))
        assert rows
        for r in rows:
            assert r["id"] in records, (name, r["id"])
            title, lead = records[r["id"]]
            assert (r["title"], r["text"]) == (nfc(title), nfc(lead)), r["id"]


def test_shipped_labels_carry_both_annotators_and_the_notice_states_their_agreement(plan):
    rows = _shipped()
    ids = set(plan.theme_ids)
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["resolution"] in (AGREED, SETTLED)
        assert set(r["themes"]) <= ids and set(r["annotator_a"]) <= ids and set(r["annotator_b"]) <= ids
        if r["resolution"] == AGREED:
            assert r["themes"] == r["annotator_a"] == r["annotator_b"]
        else:
            assert r["annotator_a"] != r["annotator_b"]
    ag = agreement({r["id"]: r["annotator_a"] for r in rows}, {r["id"]: r["annotator_b"] for r in rows}, plan.theme_ids)
    notice = DATA.joinpath("NOTICE.md").read_text(encoding="utf-8")
    stated = re.search(r"micro-F1 (\d\.\d{3})", notice)
    assert stated and float(stated.group(1)) == pytest.approx(ag["micro_f1"], abs=5e-4)
    assert f"{ag['identical']:,} records" in notice


def test_repo_examples_are_the_independent_labels(plan):
    """The training data holds the annotators' labels, not another set's: a DANeS example's themes are
    those of the shipped file, and no weak or development-set copy is left."""
    shipped = {r["id"]: tuple(sorted(r["themes"])) for r in _shipped()}
    danes = [e for e in repo_examples(plan) if e.source == "danes"]
    assert len(danes) == len(shipped)
    assert all(e.themes == shipped[e.id] for e in danes)
    assert {e.source for e in repo_examples(plan)} == {"plan", "own", "danes"}


def test_agreement_and_merge():
    a = {"1": ["x"], "2": ["x", "y"], "3": [], "4": ["y"], "5": ["x"]}
    b = {"1": ["x"], "2": ["x"], "3": [], "4": [], "6": ["y"]}
    ag = agreement(a, b, ["x", "y"])
    assert ag["records"] == 4 and ag["identical"] == 2
    assert ag["per_theme"]["x"] == {"a": 2, "b": 2, "both": 2, "f1": 1.0}
    assert ag["per_theme"]["y"]["f1"] == 0.0
    assert ag["micro_f1"] == pytest.approx(2 * 2 / (4 + 2), abs=1e-4)
    merged, pending = merge(a, b, {"2": ["x", "y"]})
    assert merged == {"1": (("x",), AGREED), "2": (("x", "y"), SETTLED), "3": ((), AGREED)}
    assert pending == ["4"]  # differs, not settled yet: left out, never guessed


def test_test_records_are_held_out_by_id_and_by_title():
    base = [Example("N-1", "Đắk Lắk: thêm 30 ca COVID-19", "", (), "danes"),
            Example("N-2", "Một tin khác", "", (), "danes"),
            Example("own-1", "ĐẮK LẮK thêm 30 ca Covid-19!", "", (), "own")]
    test = [Example("N-1", "x", "", (), "t"), Example("R-5", "Đắk Lắk  thêm 30 ca covid-19", "", (), "t"),
            Example("R-6", "", "", (), "t")]
    kept, held = split_held_out(base, test)
    assert [e.id for e in kept] == ["N-2"]
    assert [e.id for e in held] == ["N-1", "own-1"]


def test_best_threshold_meets_min_precision():
    p = np.array([0.25, 0.3, 0.4, 0.45, 0.55, 0.6, 0.7, 0.8, 0.9, 0.95])
    y = np.array([1, 0, 1, 0, 1, 0, 1, 1, 1, 1])
    grid = [0.2, 0.35, 0.5, 0.65, 0.85]
    assert best_threshold(p, y, grid, 0.5, 0.2, 3) == 0.2  # best F1 takes everything
    t = best_threshold(p, y, grid, 0.5, 0.2, 3, min_precision=0.95)
    assert t == 0.65  # the best F1 among thresholds whose precision is 1.0
    # unreachable: the most precise threshold is taken
    y2 = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
    t2 = best_threshold(p, y2, grid, 0.5, 0.2, 3, min_precision=0.99)
    prec = {g: y2[p >= g].mean() for g in grid}
    assert prec[t2] == max(prec.values())


def test_plan_min_precision_read_and_validated(plan):
    assert plan_min_precision(plan) == {}  # the shipped plan sets none
    ok = dataclasses.replace(plan, extra={**plan.extra, MIN_PRECISION_KEY: {"exemplary-models": 0.8}})
    assert plan_min_precision(ok) == {"exemplary-models": 0.8}
    bad = dataclasses.replace(plan, extra={**plan.extra, MIN_PRECISION_KEY: {"no-such": 0.5, "party-building": 1.5}})
    with pytest.raises(ValidationError) as e:
        plan_min_precision(bad)
    assert "no-such" in str(e.value) and "party-building" in str(e.value) and MIN_PRECISION_KEY in str(e.value)


def test_min_precision_in_the_plan_raises_the_threshold(plan, tmp_path):
    """A plan file's [theme_min_precision] table reaches the trained model: thresholds chosen on the
    training folds meet it (or are the most precise available), and the model version changes."""
    text = PLAN.read_text(encoding="utf-8")
    pf = tmp_path / "plan.toml"
    pf.write_text(text + f'\n[{MIN_PRECISION_KEY}]\n"covid-prevention" = 0.97\n', encoding="utf-8")
    strict = load_plan(pf)
    assert plan_min_precision(strict) == {"covid-prevention": 0.97}
    ex = [e for e in repo_examples(plan) if e.source != "danes" or int(e.id[2:]) % 3 == 0]
    docs = tokenize_examples(ex)
    loose_m, strict_m = train(ex, plan, docs=docs), train(ex, strict, docs=docs)
    t = "covid-prevention"
    assert strict_m.training["min_precision"] == {t: 0.97}
    assert strict_m.thresholds[t] >= loose_m.thresholds[t]
    assert strict_m.tuned_precision[t] >= loose_m.tuned_precision[t]
    assert strict_m.version != loose_m.version
