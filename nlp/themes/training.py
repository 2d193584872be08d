"""Train a theme model from examples; the model version is a hash of the training data and parameters."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence

import numpy as np

from nlp.themes.data import Example
from nlp.themes.features import Doc
from nlp.themes.model import DEFAULT_PARAMS, ThemeModel
from nlp.tokenize import tokenize_articles, tokenizer_version
from registry import Plan
from registry.errors import ValidationError
from warehouse import clock

CODE_VERSION = "themes-lr-v5"  # bump when features or model code change what a fit produces
SYNTHETIC = {"plan", "own"}  # example sources not used to tune thresholds


def seeds_of(plan: Plan) -> dict[str, list[str]]:
    return {t.theme_id: list(t.seed_terms) for t in plan.themes}


MIN_PRECISION_KEY = "theme_min_precision"  # plan-file table {theme_id = minimum precision, 0-1}


def plan_min_precision(plan: Plan) -> dict[str, float]:
    """Per-theme minimum precision the thresholds are chosen for, from the plan file's top-level table
    `[theme_min_precision]` (e.g. `exemplary-models = 0.8`); {} when the plan sets none.

    Read from the plan's extra keys, so a plan file without the table (or a registry that does not
    know it) keeps working; a bad value is refused, naming the plan file and the key.
    """
    raw = (getattr(plan, "extra", None) or {}).get(MIN_PRECISION_KEY, {})
    where = plan.source_path or plan.plan_id
    if not isinstance(raw, dict):
        raise ValidationError(where, [(MIN_PRECISION_KEY, "(table)", "must be a table of theme_id = number")])
    problems, out = [], {}
    for t, v in raw.items():
        if t not in plan.theme_ids:
            problems.append((MIN_PRECISION_KEY, t, f"unknown theme id (plan {plan.plan_id})"))
        elif isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1:
            problems.append((MIN_PRECISION_KEY, t, f"must be a number in (0, 1], got {v!r}"))
        else:
            out[t] = float(v)
    if problems:
        raise ValidationError(where, problems)
    return dict(sorted(out.items()))


def training_params(plan: Plan, params: dict | None = None) -> dict:
    """DEFAULT_PARAMS, the plan's minimum precisions, then the caller's overrides."""
    return {**DEFAULT_PARAMS, "min_precision": plan_min_precision(plan), **(params or {})}


def label_matrix(examples: Sequence[Example], theme_ids: Sequence[str]) -> np.ndarray:
    return np.array([[1 if t in e.themes else 0 for t in theme_ids] for e in examples], dtype=np.int8).reshape(
        len(examples), len(theme_ids))


def dedupe(examples: Sequence[Example]) -> list[Example]:
    """Later sources win for the same id (an analyst's label overrides a packaged one)."""
    by_id: dict[str, Example] = {}
    for e in examples:
        by_id.pop(e.id, None)
        by_id[e.id] = e
    return list(by_id.values())


def model_version(examples: Sequence[Example], plan: Plan, params: dict) -> str:
    """Hash of everything a fit depends on: examples, themes and seeds, params, code and tokenizer."""
    if "min_precision" not in params:  # the plan's, as train() uses them
        params = dict(params, min_precision=plan_min_precision(plan))
    h = hashlib.sha256()
    h.update(json.dumps([CODE_VERSION, tokenizer_version(), params, plan.theme_ids, seeds_of(plan)],
                        sort_keys=True, ensure_ascii=False).encode())
    for e in sorted(examples, key=lambda e: e.id):
        h.update(json.dumps([e.id, e.title, e.text, sorted(e.themes)], ensure_ascii=False).encode())
    return "th-" + h.hexdigest()[:12]


def tokenize_examples(examples: Sequence[Example], processes: int | None = None) -> list[Doc]:
    return [Doc(a, b) for a, b in tokenize_articles([(e.title, e.text) for e in examples], processes=processes)]


def train(examples: Sequence[Example], plan: Plan, docs: Sequence[Doc | None] | None = None,
          params: dict | None = None, processes: int | None = None) -> ThemeModel:
    """Fit a model on examples; docs (e.g. stored tokens from the warehouse) are tokenized here when None."""
    params = training_params(plan, params)
    examples = list(examples)
    if docs is None:
        docs = [None] * len(examples)
    todo = [i for i, d in enumerate(docs) if d is None]
    docs = list(docs)
    for i, d in zip(todo, tokenize_examples([examples[i] for i in todo], processes), strict=True):
        docs[i] = d
    Y = label_matrix(examples, plan.theme_ids)
    m = ThemeModel(plan.theme_ids, seeds_of(plan), params)
    m.fit(list(docs), Y, tune_mask=np.array([e.source not in SYNTHETIC for e in examples], dtype=bool))
    m.version = model_version(examples, plan, params)
    m.training = {
        "plan_id": plan.plan_id, "code": CODE_VERSION, "tokenizer": tokenizer_version(),
        "examples": len(examples), "by_source": dict(Counter(e.source for e in examples)),
        "positives": {t: int(Y[:, j].sum()) for j, t in enumerate(plan.theme_ids)},
        "none": int((Y.sum(axis=1) == 0).sum()), "trained_at": clock.now().isoformat(),
        "thresholds": m.thresholds, "min_precision": params["min_precision"],
        "tuned_precision": m.tuned_precision,
    }
    return m
