"""Cross-validated evaluation on a labelled file, next to the seed-term keyword baseline."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import KFold

from nlp.themes.data import Example
from nlp.themes.features import Doc
from nlp.themes.keywords import keyword_predict
from nlp.themes.model import DEFAULT_PARAMS, ThemeModel
from nlp.themes.training import SYNTHETIC, label_matrix, seeds_of
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
    params = dict(DEFAULT_PARAMS, **(params or {}))
    ids = plan.theme_ids
    Y = label_matrix(examples, ids)
    eval_ids = {e.id for e in examples}
    keep = [i for i, e in enumerate(base) if e.id not in eval_ids]  # never train on a held-out text
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
    return {"folds": folds, "n": len(examples), "base_examples": len(bD),
            "model": scores(Y, P, ids), "keywords": scores(Y, kw, ids), "_probs": probs, "_pred": P}
