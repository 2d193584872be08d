"""The seed-term keyword baseline: a theme is tagged when any of its plan seed terms occurs."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp.themes.features import Doc, SeedFeatures


def keyword_predict(docs: Sequence[Doc], seeds: dict[str, Sequence[str]]) -> np.ndarray:
    sf = SeedFeatures(seeds)
    ids = list(seeds)
    out = np.zeros((len(docs), len(ids)), dtype=np.int8)
    for i, d in enumerate(docs):
        hits = sf.hits(d)
        for j, t in enumerate(ids):
            out[i, j] = 1 if hits[t] else 0
    return out
