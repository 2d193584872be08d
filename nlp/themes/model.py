"""The multi-label theme model: one class-weighted logistic regression per plan theme over shared
features, with a per-theme decision threshold chosen on held-out folds of the training data.

An article carries every theme whose probability reaches that theme's threshold, or none.

A theme with many labelled examples (COVID-19 in 2021) also sees where its seed terms sit in the
article (features.SalienceFeatures), in columns only its own classifier gets. With a few dozen
examples those columns measured worse (the classifier leans on them), so the rule is a minimum count.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from nlp.themes.features import Doc, ThemeFeatures

# threshold_folds: out-of-fold probabilities for the thresholds come from models fitted on (k-1)/k of the
# data; 5 folds (80 %) match the final model better than 3 (67 %). Dev CV micro-F1 over fold seeds 0-4,
# with salience:
# 3 folds 0.844, 5 folds 0.849, 8 folds 0.847 (training time grows with k).
DEFAULT_PARAMS: dict = {"C": 10.0, "balance_below": 0.15, "threshold_folds": 5, "min_df": 2, "default_threshold": 0.5,
                        "min_positives_for_tuning": 4, "threshold_grid": [round(x, 2) for x in np.arange(0.1, 0.91, 0.05)],
                        "threshold_floor": 0.2, "salience_min_positives": 100}


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


def _counts(p: np.ndarray, y: np.ndarray, t: float) -> tuple[float, float, float]:
    pred = p >= t
    return float((pred & (y == 1)).sum()), float((pred & (y == 0)).sum()), float((~pred & (y == 1)).sum())


def best_threshold(p: np.ndarray, y: np.ndarray, grid: Sequence[float], default: float, floor: float,
                   min_pos: int, min_precision: float | None = None) -> float:
    """The grid threshold with the best F1 on held-out probabilities (ties: the one nearest 0.5).

    With min_precision, only thresholds whose held-out precision reaches it compete; when none does,
    the most precise one is taken (ties: better F1): a theme whose false positives would hide a
    coverage gap is tagged more rarely rather than wrongly.
    """
    if y.sum() < min_pos:
        return default
    cands = [t for t in grid if t >= floor]
    if min_precision is not None:
        prec = {}
        for t in cands:
            tp, fp, _ = _counts(p, y, t)
            prec[t] = tp / (tp + fp) if tp else 0.0
        ok = [t for t in cands if prec[t] >= min_precision]
        if not ok:
            top = max(prec.values(), default=0.0)
            ok = [t for t in cands if prec[t] >= top - 1e-9] if top > 0 else [max(cands, default=default)]
        cands = ok
    best, best_f = default, -1.0
    for t in cands:
        tp, fp, fn = _counts(p, y, t)
        f = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
        if f > best_f + 1e-9 or (abs(f - best_f) <= 1e-9 and abs(t - 0.5) < abs(best - 0.5)):
            best, best_f = t, f
    return float(best)


def held_out_precision(p: np.ndarray, y: np.ndarray, t: float) -> float | None:
    """Precision at threshold t on held-out probabilities (None when nothing reaches t)."""
    tp, fp, _ = _counts(p, y, t)
    return round(tp / (tp + fp), 4) if tp + fp else None


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
    salient: list[str] = field(default_factory=list)  # themes whose classifier sees SalienceFeatures
    tuned_precision: dict = field(default_factory=dict)  # theme -> precision at its threshold, training folds

    def _salient_index(self) -> set[int]:
        salient = set(getattr(self, "salient", []))  # a model pickled before salience has none
        return {j for j, t in enumerate(self.theme_ids) if t in salient}

    @staticmethod
    def _theme_matrix(X, S: np.ndarray, j: int, salient: set[int]):
        """The shared matrix, plus theme j's own salience columns when it has them."""
        return sparse.hstack([X, sparse.csr_matrix(S[:, j, :])]).tocsr() if j in salient else X

    def design(self, docs: Sequence[Doc]) -> list:
        """One feature matrix per theme, in theme order (what each classifier is fitted on and sees)."""
        assert self.features is not None, "model not fitted"
        X = self.features.transform(docs)
        sal = self._salient_index()
        S = self.features.salience.transform(docs, sal) if sal else None
        return [self._theme_matrix(X, S, j, sal) for j in range(len(self.theme_ids))]

    def feature_names(self, j: int) -> list[str]:
        assert self.features is not None, "model not fitted"
        names = self.features.names
        if j in self._salient_index():
            names = names + self.features.salience.names(self.theme_ids[j])
        return names

    def fit(self, docs: Sequence[Doc], Y: np.ndarray, seed: int = 0, tune_mask: np.ndarray | None = None) -> ThemeModel:
        """Fit features and classifiers; thresholds from out-of-fold probabilities.

        tune_mask selects the examples thresholds are tuned on: real labelled articles, not the
        written examples and plan text, which are easier than real articles and would bias them low.
        """
        p = self.params
        self.salient = [t for j, t in enumerate(self.theme_ids)
                        if Y[:, j].sum() >= p.get("salience_min_positives", float("inf"))]
        sal = self._salient_index()
        self.features = ThemeFeatures(self.seeds, min_df=p["min_df"])
        S = self.features.salience.transform(docs, sal) if sal else None  # fixed per doc: computed once
        oof = np.zeros(Y.shape, dtype=np.float64)
        k = min(int(p["threshold_folds"]), len(docs))
        if k >= 2:
            for tr, te in KFold(n_splits=k, shuffle=True, random_state=seed).split(docs):
                f = ThemeFeatures(self.seeds, min_df=p["min_df"])
                Xtr, Xte = f.fit_transform([docs[i] for i in tr]), f.transform([docs[i] for i in te])
                Str, Ste = (S[tr], S[te]) if sal else (None, None)
                for j in range(len(self.theme_ids)):
                    clf = _fit_one(self._theme_matrix(Xtr, Str, j, sal), Y[tr, j], p["C"], p["balance_below"])
                    oof[te, j] = _proba(clf, self._theme_matrix(Xte, Ste, j, sal))
        sel = np.ones(len(docs), dtype=bool) if tune_mask is None else np.asarray(tune_mask, dtype=bool)
        if sel.sum() < 20:
            sel = np.ones(len(docs), dtype=bool)
        minp = p.get("min_precision") or {}
        self.thresholds = {
            t: best_threshold(oof[sel, j], Y[sel, j], p["threshold_grid"], p["default_threshold"],
                              p["threshold_floor"], p["min_positives_for_tuning"], minp.get(t))
            if k >= 2 else p["default_threshold"]
            for j, t in enumerate(self.theme_ids)}
        self.tuned_precision = {t: held_out_precision(oof[sel, j], Y[sel, j], self.thresholds[t]) if k >= 2 else None
                                for j, t in enumerate(self.theme_ids)}
        X = self.features.fit_transform(docs)
        self.classifiers = [_fit_one(self._theme_matrix(X, S, j, sal), Y[:, j], p["C"], p["balance_below"])
                            for j in range(len(self.theme_ids))]
        return self

    def predict_proba(self, docs: Sequence[Doc]) -> np.ndarray:
        if not docs:
            return np.zeros((0, len(self.theme_ids)))
        return self.proba_of(self.design(docs))

    def proba_of(self, mats: list) -> np.ndarray:
        """Probabilities (docs x themes) from the per-theme matrices of design()."""
        return np.column_stack([_proba(c, X) for c, X in zip(self.classifiers, mats, strict=True)])

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
