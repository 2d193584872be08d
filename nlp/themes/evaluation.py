"""How good the theme model is: the default model scored on a labelled file used purely as a test set,
and k-fold cross-validation on a labelled file; each next to the seed-term keyword baseline."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import KFold

from nlp.themes.data import Example, split_held_out
from nlp.themes.features import Doc
from nlp.themes.keywords import keyword_predict
from nlp.themes.model import ThemeModel
from nlp.themes.training import SYNTHETIC, label_matrix, seeds_of, train, training_params
from registry import Plan

MIN_SUPPORT = 8  # macro-F1 is reported over themes with at least this many examples


def scores(Y: np.ndarray, P: np.ndarray, theme_ids: Sequence[str], min_support: int = MIN_SUPPORT) -> dict:
    """Per-theme P/R/F1/support, micro and macro F1 (all themes and themes with >= min_support)."""
    per = {}
    for j, t in enumerate(theme_ids):
        y, p = Y[:, j] == 1, P[:, j] == 1
        tp, fp, fn = int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum())
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[t] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "support": int(y.sum()),
                  "tp": tp, "fp": fp, "fn": fn}

    def agg(ids: list[str]) -> dict:
        tp = sum(per[t]["tp"] for t in ids)
        fp = sum(per[t]["fp"] for t in ids)
        fn = sum(per[t]["fn"] for t in ids)
        micro = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        macro = float(np.mean([per[t]["f1"] for t in ids])) if ids else 0.0
        return {"micro_f1": round(micro, 4), "macro_f1": round(macro, 4), "themes": ids}

    frequent = [t for t in theme_ids if per[t]["support"] >= min_support]
    return {"per_theme": per, "frequent": agg(frequent), "all": agg([t for t in theme_ids if per[t]["support"] > 0]),
            "min_support": min_support}


def cross_validate(examples: Sequence[Example], docs: Sequence[Doc], plan: Plan, folds: int = 5,
                   base: Sequence[Example] = (), base_docs: Sequence[Doc] = (), params: dict | None = None,
                   seed: int = 0) -> dict:
    """K-fold CV: each fold trains on the other folds plus `base` (repo data not in the labelled set)."""
    params = training_params(plan, params)
    ids = plan.theme_ids
    Y = label_matrix(examples, ids)
    kept, _ = split_held_out(base, examples)  # never train on a held-out text (same id or same title)
    kept_ids = {id(e) for e in kept}
    keep = [i for i, e in enumerate(base) if id(e) in kept_ids]
    bY = label_matrix([base[i] for i in keep], ids)
    bD = [base_docs[i] for i in keep]
    P = np.zeros_like(Y)
    probs = np.zeros(Y.shape, dtype=np.float64)
    for tr, te in KFold(n_splits=folds, shuffle=True, random_state=seed).split(list(docs)):
        m = ThemeModel(ids, seeds_of(plan), params)
        mask = np.concatenate([np.ones(len(tr), dtype=bool), np.array([base[i].source not in SYNTHETIC for i in keep], dtype=bool)])
        m.fit([docs[i] for i in tr] + bD, np.vstack([Y[tr], bY]) if len(bD) else Y[tr], seed=seed, tune_mask=mask)
        pr = m.predict_proba([docs[i] for i in te])
        probs[te] = pr
        th = np.array([m.thresholds[t] for t in ids])
        P[te] = (pr >= th).astype(np.int8)
    kw = keyword_predict(list(docs), seeds_of(plan))
    return {"folds": folds, "n": len(examples), "base_examples": len(bD), "held_out": len(base) - len(bD),
            "model": scores(Y, P, ids), "keywords": scores(Y, kw, ids), "_probs": probs, "_pred": P}


def evaluate_on_test(test: Sequence[Example], test_docs: Sequence[Doc], plan: Plan, base: Sequence[Example],
                     base_docs: Sequence[Doc | None] | None = None, params: dict | None = None,
                     processes: int | None = None) -> dict:
    """Train the default model on `base` (the repository's data) and score it on `test`, a labelled set
    used purely as a test set: nothing of it is trained on or tuned on.

    Any training example whose id or normalised title occurs in the test set is held out first (the
    repository's DANeS records include some of the development set's, under the same ids); the
    count is returned as `held_out`. With nothing held out this is exactly the shipped default model.
    """
    docs = list(base_docs) if base_docs is not None else [None] * len(base)
    kept, held = split_held_out(base, test)
    held_ids = {id(e) for e in held}
    kept_docs = [d for e, d in zip(base, docs, strict=True) if id(e) not in held_ids]
    m = train(kept, plan, docs=kept_docs, params=params, processes=processes)
    probs = m.predict_proba(list(test_docs))
    ids = plan.theme_ids
    Y = label_matrix(test, ids)
    P = (probs >= np.array([m.thresholds[t] for t in ids])).astype(np.int8)
    kw = keyword_predict(list(test_docs), seeds_of(plan))
    return {"n": len(test), "train_examples": len(kept), "held_out": len(held),
            "held_out_by_source": {s: sum(e.source == s for e in held) for s in sorted({e.source for e in held})},
            "model_version": m.version, "thresholds": m.thresholds, "min_precision": m.params.get("min_precision", {}),
            "tuned_precision": m.tuned_precision,
            "model": scores(Y, P, ids), "keywords": scores(Y, kw, ids), "_probs": probs, "_pred": P, "_model": m}
