"""The worker side of pipeline/alongside.py: what each pool process does with a chunk of pages.

Apart from the extension so the crawl process imports none of this (trafilatura, underthesea,
scikit-learn: 2.7 s of imports) before its crawl starts: the extension's starting thread imports it
beside the crawl, and the workers have it from the forkserver's preloaded libraries.
"""
from __future__ import annotations

import os
from typing import Any

from nlp.themes.features import Doc
from nlp.themes.model import ThemeModel
from nlp.tokenize import tokenize_article
from pipeline.extract_job import _extract_one
from pipeline.tag_job import predict

_MODEL: ThemeModel | None = None  # in a worker: the model, loaded once by _worker_start


WORKER_NICE = 10    # workers yield the CPU to the crawl process, the night's one serial path


def _worker_start(path: str) -> None:
    """In each worker: a lower priority (the crawl process fetches, stores and writes; when it waits
    on the CPU the whole night waits, while processing can use whatever is left), then the model."""
    global _MODEL
    try:
        os.nice(WORKER_NICE)
    except OSError:
        pass
    _MODEL = ThemeModel.load(path)


def process_chunk(jobs: list[tuple]) -> list[tuple]:
    """Worker side: each job -> (extract outcome, tokens or None, probabilities or None, themes or None).

    Tokens and scores are computed for plain articles only; a failure there leaves None, and the tag
    stage tokenizes and scores that article again, recording the error against it if it fails again."""
    out: list[list[Any]] = []
    for job in jobs:
        outcome = _extract_one(job)
        toks = None
        if outcome[0] == "ok" and outcome[1].is_article and outcome[1].kind != "document":
            try:
                toks = tokenize_article(outcome[1].title, outcome[1].text)
            except Exception:  # noqa: BLE001 - the tag stage retries it and records why
                toks = None
        out.append([outcome, toks, None, None])
    todo = [i for i, o in enumerate(out) if o[1] is not None]
    if todo and _MODEL is not None:
        try:
            probs, assigned = predict(_MODEL, [Doc(out[i][1][0] or "", out[i][1][1] or "") for i in todo])
            for k, i in enumerate(todo):
                out[i][2], out[i][3] = probs[k], assigned[k]
        except Exception:  # noqa: BLE001 - the tag stage scores these articles
            pass
    return [tuple(o) for o in out]
