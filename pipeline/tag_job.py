"""`chuyenmuc tag`: tokenize new articles once, score them with the theme model, store scores and tags.

Every step works in batches inside BEGIN/COMMIT, so a kill loses at most one batch, and every write
is keyed (article_tokens by article, scores by article+theme+model version, tags by article+theme),
so a rerun continues where the last one stopped and never duplicates.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from nlp.sanitize import clean_web_text
from nlp.themes.data import repo_examples
from nlp.themes.features import Doc
from nlp.themes.model import ThemeModel
from nlp.themes.training import train
from nlp.tokenize import pool_for_tokenizing, tokenize_article, tokenize_articles, tokenizer_version
from pipeline.interrupt import check as interrupt_check
from pipeline.interrupt import reraise_if_interrupt
from registry import Plan
from warehouse import clock
from warehouse.batch import write_rows, write_table
from warehouse.db import transaction

Progress = Callable[[str, int], None]
log = logging.getLogger("chuyenmuc.tag")


REPO_SOURCES = frozenset({"plan", "own", "danes"})  # what repo_examples() yields


def stale_default(model: ThemeModel, plan: Plan) -> bool:
    """True for a model trained from the repository's data alone whose version no longer matches that
    data (new examples, new seed terms, changed feature code or tokenizer): the default model of an
    older checkout. A model trained with extra labels is never judged stale here: it is the analysts'."""
    from nlp.themes.model import DEFAULT_PARAMS
    from nlp.themes.training import model_version
    sources = set((model.training or {}).get("by_source") or {})
    if not sources or not sources <= REPO_SOURCES or model.training.get("plan_id") != plan.plan_id:
        return False
    return model.version != model_version(repo_examples(plan), plan, dict(DEFAULT_PARAMS))


def ensure_model(path: str | Path, plan: Plan, processes: int | None = None) -> ThemeModel:
    """The model at `path`. When the file is missing, or holds a default model that is out of date
    with the repository's training data, the default model is (re)trained from the repo's data."""
    path = Path(path)
    if path.is_file():
        m = ThemeModel.load(path)
        if not stale_default(m, plan):
            return m
        log.info("%s: default model %s is out of date with the repository's training data or code: retraining",
                 path, m.version)
    first = not path.is_file()
    t0 = time.monotonic()
    m = train(repo_examples(plan), plan, processes=processes)
    m.save(path)
    log.info("trained the default theme model %s%s in %.0f s -> %s", m.version,
             " (first use: no model file yet)" if first else "", time.monotonic() - t0, path)
    return m


def register_model(con: duckdb.DuckDBPyConnection, model: ThemeModel, path: str | Path) -> None:
    """One row per model version in `models` (created once; the path is refreshed)."""
    row = dict(model_version=model.version, created_at=clock.now(),
               path=str(path), training=json.dumps(model.training, ensure_ascii=False),
               metrics=json.dumps(model.metrics, ensure_ascii=False))
    with transaction(con):
        write_rows(con, "models", [row], mode="replace")


def _page_fault(e: BaseException) -> bool:
    """An error caused by an article's content (recorded against it), not by the disk or the database."""
    from pipeline.extract_job import storage_fault
    reraise_if_interrupt(e)
    return isinstance(e, Exception) and not storage_fault(e)


def record_failures(con: duckdb.DuckDBPyConnection, stage: str, failed: list[tuple[int, BaseException]],
                    run_id: int | None) -> None:
    """One run_errors row per article skipped by `stage`, with its URL and the reason."""
    if not failed:
        return
    urls = dict(con.execute("SELECT article_id, url FROM articles WHERE article_id IN (SELECT unnest(?))",
                            [[a for a, _ in failed]]).fetchall())
    units = dict(con.execute("SELECT article_id, unit_id FROM articles WHERE article_id IN (SELECT unnest(?))",
                             [[a for a, _ in failed]]).fetchall())
    now = clock.now()
    rows = [dict(run_id=run_id, stage=stage, unit_id=units.get(aid), url=urls.get(aid), kind=type(e).__name__,
                 message=clean_web_text(f"article {aid} skipped: {e}")[:2000], occurred_at=now) for aid, e in failed]
    for aid, e in failed:
        log.warning("%s: article %s (%s) skipped: %s", stage, aid, urls.get(aid), clean_web_text(str(e))[:200])
    with transaction(con):
        write_rows(con, "run_errors", rows)


def tokenize_rows(rows: list[tuple], processes: int | None = None,
                  pool: Executor | None = None) -> tuple[list[tuple], list[tuple[int, BaseException]]]:
    """Tokenize (article_id, title, text) rows: ([(row, (title_tokens, text_tokens))], [(article_id, error)]).
    When the batch fails, each article is tokenized alone, so one bad text costs only itself."""
    try:
        toks = tokenize_articles([(r[1], r[2]) for r in rows], processes=processes, pool=pool)
        return list(zip(rows, toks, strict=True)), []
    except Exception as e:  # noqa: BLE001 - find the article below
        if not _page_fault(e):
            raise
        if len(rows) == 1:
            return [], [(int(rows[0][0]), e)]
    done, failed = [], []
    for r in rows:
        try:
            done.append((r, tokenize_article(r[1], r[2])))
        except Exception as e:  # noqa: BLE001 - recorded by the caller
            if not _page_fault(e):
                raise
            failed.append((int(r[0]), e))
    return done, failed


def store_tokens(con: duckdb.DuckDBPyConnection, rows: list[tuple[int, str, str]]) -> int:
    """Store (article_id, title_tokens, text_tokens) rows in one transaction (replacing older ones)."""
    now = clock.now()
    version = tokenizer_version()
    out = [dict(article_id=a, title_tokens=tt, text_tokens=xt, tokenizer_version=version, created_at=now)
           for a, tt, xt in rows]
    with transaction(con):
        write_rows(con, "article_tokens", out, mode="replace")
    return len(out)


def tokenize_missing(con: duckdb.DuckDBPyConnection, batch_size: int = 500, processes: int | None = None,
                     progress: Progress | None = None, run_id: int | None = None) -> int:
    """Store tokens for every article that has none yet; returns how many were tokenized. An article
    that cannot be tokenized is recorded in run_errors and skipped (tried again next run)."""
    untokenized = "FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_tokens t WHERE t.article_id = a.article_id)"
    total = con.execute(f"SELECT count(*) {untokenized}").fetchone()[0]
    with pool_for_tokenizing(total, processes) as pool:  # one pool for every batch (nlp.pool.pool_for)
        return _tokenize_batches(con, untokenized, batch_size, processes, pool, progress, run_id)


def _tokenize_batches(con: duckdb.DuckDBPyConnection, untokenized: str, batch_size: int, processes: int | None,
                      pool: Executor | None, progress: Progress | None, run_id: int | None) -> int:
    done = 0
    last = None
    while True:
        interrupt_check()
        rows = con.execute(f"SELECT a.article_id, a.title, a.text {untokenized} "
                           "AND (? IS NULL OR a.article_id > ?) ORDER BY a.article_id LIMIT ?",
                           [last, last, batch_size]).fetchall()
        if not rows:
            return done
        last = rows[-1][0]
        ok, failed = tokenize_rows(rows, processes, pool)
        done += store_tokens(con, [(int(r[0]), tt, xt) for r, (tt, xt) in ok])
        record_failures(con, "tokenize", failed, run_id)
        if progress:
            progress("tokenize", len(rows))


def _labels_for(con: duckdb.DuckDBPyConnection, ids: list[int]) -> dict[int, list[str]]:
    rows = con.execute("SELECT article_id, themes FROM labels WHERE article_id IN (SELECT unnest(?))",
                       [ids]).fetchall()
    return {r[0]: list(r[1]) for r in rows}


def predict(model: ThemeModel, docs: list[Doc]) -> tuple[np.ndarray, list[list[str]]]:
    """The model's probabilities (docs x themes) and the themes each doc reaches: pure, so it can run
    in a worker process (pipeline/alongside.py) as well as here."""
    probs = model.predict_proba(docs)
    return probs, model.assign(probs)


def score_batch(con: duckdb.DuckDBPyConnection, model: ThemeModel, rows: list[tuple]) -> tuple[int, int]:
    """Score (article_id, title_tokens, text_tokens) rows and replace those articles' tags, in one transaction.
    Returns (articles tagged with at least one theme, tags written)."""
    probs, assigned = predict(model, [Doc(r[1] or "", r[2] or "") for r in rows])
    return store_scores(con, model, [int(r[0]) for r in rows], probs, assigned)


def store_scores(con: duckdb.DuckDBPyConnection, model: ThemeModel, ids: list[int], probs: np.ndarray,
                 assigned: list[list[str]]) -> tuple[int, int]:
    """Store the scores of `ids` and replace their tags, in one transaction.

    An analyst's label, when present, decides the article's tags (source 'label'); the model's score is
    still stored beside it. Returns (articles tagged with at least one theme, tags written).
    """
    labels = _labels_for(con, ids)
    now = clock.now()
    n, k = len(ids), len(model.theme_ids)
    scores = pa.table({  # articles x themes rows, as columns (one dict per row was most of this store's time)
        "article_id": pa.array(np.repeat(np.asarray(ids, dtype=np.int64), k)),
        "theme_id": pa.array(list(model.theme_ids) * n, pa.string()),
        "score": pa.array(np.asarray(probs, dtype=np.float64).reshape(n * k)),
        "model_version": pa.array([model.version] * (n * k), pa.string()),
    })
    tags = []
    for i, aid in enumerate(ids):
        if aid in labels:
            chosen, source = [t for t in labels[aid] if t in model.theme_ids], "label"
        else:
            chosen, source = assigned[i], "model"
        for t in chosen:
            j = model.theme_ids.index(t)
            tags.append(dict(article_id=aid, theme_id=t, score=float(probs[i, j]), model_version=model.version,
                             source=source, tagged_at=now))
    with transaction(con):
        write_table(con, "article_theme_scores", scores, mode="replace")
        con.execute("DELETE FROM article_themes WHERE article_id IN (SELECT unnest(?))", [ids])
        write_rows(con, "article_themes", tags)
    return len({t["article_id"] for t in tags}), len(tags)


def _score_isolated(con: duckdb.DuckDBPyConnection, model: ThemeModel, rows: list[tuple],
                    run_id: int | None) -> tuple[int, int]:
    """score_batch; when the batch fails, article by article, recording (and skipping) each that fails."""
    try:
        return score_batch(con, model, rows)
    except Exception as e:  # noqa: BLE001 - find the article below
        if not _page_fault(e):
            raise
        if len(rows) == 1:
            record_failures(con, "tag", [(int(rows[0][0]), e)], run_id)
            return 0, 0
    n_art = n_tags = 0
    failed = []
    for r in rows:
        try:
            a, t = score_batch(con, model, [r])
            n_art, n_tags = n_art + a, n_tags + t
        except Exception as e:  # noqa: BLE001 - recorded below
            if not _page_fault(e):
                raise
            failed.append((int(r[0]), e))
    record_failures(con, "tag", failed, run_id)
    return n_art, n_tags


def run_tag(con: duckdb.DuckDBPyConnection, model_path: str | Path, all: bool = False, batch_size: int = 500,
            processes: int | None = None, progress: Progress | None = None, run_id: int | None = None,
            plan: Plan | None = None) -> dict:
    """Tokenize untokenized articles, then score untagged articles (all with all=True) and store tags.

    "Untagged" means: no scores yet from this model version. `plan` is needed only when the model file
    is missing and must be trained (default: the configured plan). Returns counts.
    """
    model_path = Path(model_path)
    if not model_path.is_file():
        if plan is None:
            from registry import load_plan
            from registry.config import load_config
            plan = load_plan(load_config().path("plan"))
    model = ensure_model(model_path, plan) if plan is not None else ThemeModel.load(model_path)
    register_model(con, model, model_path)
    tokenized = tokenize_missing(con, batch_size, processes, progress, run_id)
    scored = tagged_articles = tags = 0
    last = None
    while True:
        interrupt_check()
        if all:
            rows = con.execute(
                "SELECT t.article_id, t.title_tokens, t.text_tokens FROM article_tokens t "
                "JOIN articles a USING (article_id) WHERE (? IS NULL OR t.article_id > ?) "
                "ORDER BY t.article_id LIMIT ?", [last, last, batch_size]).fetchall()
        else:
            rows = con.execute(
                "SELECT t.article_id, t.title_tokens, t.text_tokens FROM article_tokens t "
                "JOIN articles a USING (article_id) WHERE NOT EXISTS (SELECT 1 FROM article_theme_scores s "
                "WHERE s.article_id = t.article_id AND s.model_version = ?) AND (? IS NULL OR t.article_id > ?) "
                "ORDER BY t.article_id LIMIT ?", [model.version, last, last, batch_size]).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        n_art, n_tags = _score_isolated(con, model, rows, run_id)
        scored += len(rows)
        tagged_articles += n_art
        tags += n_tags
        if progress:
            progress("score", len(rows))
    return {"model_version": model.version, "tokenized": tokenized, "scored": scored,
            "tagged_articles": tagged_articles, "tags": tags, "run_id": run_id}


def theme_margin(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How close each row is to flipping a decision: min over themes of |logit(p) - logit(threshold)|."""
    eps = 1e-6
    p = np.clip(probs, eps, 1 - eps)
    t = np.clip(thresholds, eps, 1 - eps)
    return np.min(np.abs(np.log(p / (1 - p)) - np.log(t / (1 - t))), axis=1)
