"""The multi-label theme model: one class-weighted logistic regression per plan theme over shared
features, with a per-theme decision threshold chosen on held-out folds of the training data.

An article carries every theme whose probability reaches that theme's threshold, or none.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from nlp.themes.features import Doc, ThemeFeatures

DEFAULT_PARAMS: dict = {"C": 10.0, "balance_below": 0.15, "threshold_folds": 3, "min_df": 2, "default_threshold": 0.5,
                        "min_positives_for_tuning": 4, "threshold_grid": [round(x, 2) for x in np.arange(0.1, 0.91, 0.05)],
                        "threshold_floor": 0.2}


def _fit_one(X, y: np.ndarray, C: float, balance_below: float = 0.15) -> LogisticRegression | float:
    """A classifier, or the constant positive rate when the training labels are all one class.

    Rare themes get balanced class weights (else their probabilities hug 0); common ones (COVID-19
    in 2021) are fitted unweighted, which measured fewer false positives on passing mentions.
    """
    if y.min() == y.max():
        return float(y[0])
    cw = "balanced" if y.mean() < balance_below else None
    clf = LogisticRegression(C=C, class_weight=cw, max_iter=2000, solver="liblinear")
    clf.fit(X, y)
    return clf


def _proba(clf: LogisticRegression | float, X) -> np.ndarray:
    if isinstance(clf, float):
        return np.full(X.shape[0], clf)
    return clf.predict_proba(X)[:, 1]


def best_threshold(p: np.ndarray, y: np.ndarray, grid: Sequence[float], default: float, floor: float,
                   min_pos: int) -> float:
    """The grid threshold with the best F1 on held-out probabilities (ties: the one nearest 0.5)."""
    if y.sum() < min_pos:
        return default
    best, best_f = default, -1.0
    for t in grid:
        if t < floor:
            continue
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        fp = float((pred & (y == 0)).sum())
        fn = float((~pred & (y == 1)).sum())
        f = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
        if f > best_f + 1e-9 or (abs(f - best_f) <= 1e-9 and abs(t - 0.5) < abs(best - 0.5)):
            best, best_f = t, f
    return float(best)


@dataclass
class ThemeModel:
    theme_ids: list[str]
    seeds: dict[str, list[str]]
    params: dict = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    version: str = ""
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    features: ThemeFeatures | None = None
    classifiers: list = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)

    def fit(self, docs: Sequence[Doc], Y: np.ndarray, seed: int = 0, tune_mask: np.ndarray | None = None) -> ThemeModel:
        """Fit features and classifiers; thresholds from out-of-fold probabilities.

        tune_mask selects the examples thresholds are tuned on: real labelled articles, not the
        written examples and plan text, which are easier than real articles and would bias them low.
        """
        p = self.params
        oof = np.zeros(Y.shape, dtype=np.float64)
        k = min(int(p["threshold_folds"]), len(docs))
        if k >= 2:
            for tr, te in KFold(n_splits=k, shuffle=True, random_state=seed).split(docs):
                f = ThemeFeatures(self.seeds, min_df=p["min_df"])
                Xtr = f.fit_transform([docs[i] for i in tr])
                Xte = f.transform([docs[i] for i in te])
                for j in range(len(self.theme_ids)):
                    oof[te, j] = _proba(_fit_one(Xtr, Y[tr, j], p["C"], p["balance_below"]), Xte)
        sel = np.ones(len(docs), dtype=bool) if tune_mask is None else np.asarray(tune_mask, dtype=bool)
        if sel.sum() < 20:
            sel = np.ones(len(docs), dtype=bool)
        self.thresholds = {
            t: best_threshold(oof[sel, j], Y[sel, j], p["threshold_grid"], p["default_threshold"],
                              p["threshold_floor"], p["min_positives_for_tuning"]) if k >= 2 else p["default_threshold"]
            for j, t in enumerate(self.theme_ids)}
        self.features = ThemeFeatures(self.seeds, min_df=p["min_df"])
        X = self.features.fit_transform(docs)
        self.classifiers = [_fit_one(X, Y[:, j], p["C"], p["balance_below"]) for j in range(len(self.theme_ids))]
        return self

    def predict_proba(self, docs: Sequence[Doc]) -> np.ndarray:
        assert self.features is not None, "model not fitted"
        X = self.features.transform(docs)
        return np.column_stack([_proba(c, X) for c in self.classifiers]) if docs else np.zeros((0, len(self.theme_ids)))

    def assign(self, probs: np.ndarray) -> list[list[str]]:
        """Themes whose probability reaches their threshold, per row."""
        th = np.array([self.thresholds[t] for t in self.theme_ids])
        return [[t for t, hit in zip(self.theme_ids, row >= th, strict=True) if hit] for row in probs]

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(self, tmp, compress=3)
        tmp.replace(path)  # atomic: a reader never sees half a model
        return path

    @staticmethod
    def load(path: str | Path) -> ThemeModel:
        m = joblib.load(path)
        if not isinstance(m, ThemeModel):
            raise ValueError(f"{path}: not a theme model")
        return m
