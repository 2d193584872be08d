"""Why the model scored an article as it did: the terms of the article that pushed each theme.

A term's push is its weight in the theme's logistic regression times its value in this article, so
only terms that occur in the article can appear. Word and syllable forms of the same phrase are
merged; the seed-term features (counts and where they sit) are shown as the plan's seed terms that
were found.
"""
from __future__ import annotations

from dataclasses import dataclass

from nlp.themes.features import Doc
from nlp.themes.model import ThemeModel


@dataclass
class ThemeExplanation:
    theme_id: str
    score: float
    threshold: float
    assigned: bool
    terms: list[tuple[str, float]]  # (term as it reads in the article, push), strongest first


def _readable(name: str) -> str:
    if name.startswith(("s:", "h:")):  # syllable and title+lead blocks read like the word block
        name = name[2:]
    return name.replace("_", " ")


def explain(model: ThemeModel, doc: Doc, top: int = 8, themes: list[str] | None = None) -> list[ThemeExplanation]:
    """Per theme (all, or those given), the `top` terms with the largest positive push."""
    assert model.features is not None
    mats = model.design([doc])
    probs = model.proba_of(mats)[0]
    seed_hits = model.features.seed.hits(doc)
    out = []
    for j, t in enumerate(model.theme_ids):
        if themes is not None and t not in themes:
            continue
        clf = model.classifiers[j]
        terms: dict[str, float] = {}
        if not isinstance(clf, float):
            coef = clf.coef_[0]
            names = model.feature_names(j)
            X = mats[j].tocsr()
            for c, v in zip(X.indices, X.data, strict=True):
                push = float(coef[c] * v)
                if push <= 0:
                    continue
                name = names[c]
                if name.startswith(("seed:", "salience:")):
                    th = name.split(":")[1]
                    if seed_hits.get(th):
                        key = "[seed] " + ", ".join(seed_hits[th])
                        terms[key] = terms.get(key, 0.0) + push
                    continue
                key = _readable(name)
                terms[key] = terms.get(key, 0.0) + push
        ranked = sorted(terms.items(), key=lambda kv: -kv[1])[:top]
        thr = model.thresholds[t]
        out.append(ThemeExplanation(t, float(probs[j]), thr, bool(probs[j] >= thr),
                                    [(k, round(v, 4)) for k, v in ranked if round(v, 4) > 0]))
    out.sort(key=lambda e: -e.score)
    return out
