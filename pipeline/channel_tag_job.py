"""Tagging the official channels' items (issue #21) with the shipped theme model: title and
description are tokenized and scored as an article's title and text would be.

Keyed writes in one transaction per batch (scores by item+theme+model version, tags by item+theme),
so a rerun scores only items this model has not scored yet and never duplicates a tag.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from nlp.themes.features import Doc
from nlp.themes.model import ThemeModel
from nlp.tokenize import tokenize_articles
from registry import Plan
from warehouse import clock
from warehouse.batch import write_rows
from warehouse.db import transaction


def tag_items(con: duckdb.DuckDBPyConnection, model: ThemeModel, rows: list[tuple]) -> int:
    """Score (item_id, title, description) rows and replace their tags; returns tags written."""
    toks = tokenize_articles([(r[1], r[2]) for r in rows], processes=1)
    probs = model.predict_proba([Doc(t or "", x or "") for t, x in toks])
    assigned = model.assign(probs)
    now = clock.now()
    scores, tags = [], []
    for i, r in enumerate(rows):
        iid = int(r[0])
        for j, t in enumerate(model.theme_ids):
            scores.append(dict(item_id=iid, theme_id=t, score=float(probs[i, j]), model_version=model.version))
        for t in assigned[i]:
            j = model.theme_ids.index(t)
            tags.append(dict(item_id=iid, theme_id=t, score=float(probs[i, j]), model_version=model.version,
                             source="model", tagged_at=now))
    ids = [int(r[0]) for r in rows]
    with transaction(con):
        write_rows(con, "channel_item_scores", scores, mode="replace")
        con.execute("DELETE FROM channel_item_themes WHERE list_contains(?, item_id)", [ids])
        write_rows(con, "channel_item_themes", tags)
    return len(tags)


def run_channel_tag(con: duckdb.DuckDBPyConnection, model_path: str | Path, plan: Plan | None = None,
                    all: bool = False, batch_size: int = 500) -> dict:
    """Tag every channel item this model version has not scored yet (every item with all=True)."""
    from pipeline.tag_job import ensure_model
    model = ensure_model(model_path, plan) if plan is not None else ThemeModel.load(model_path)
    done = tags = 0
    last = None
    while True:
        rows = con.execute(
            "SELECT i.item_id, i.title, i.description FROM channel_items i "
            "WHERE (? OR NOT EXISTS (SELECT 1 FROM channel_item_scores s WHERE s.item_id = i.item_id "
            "AND s.model_version = ?)) AND (? IS NULL OR i.item_id > ?) ORDER BY i.item_id LIMIT ?",
            [all, model.version, last, last, batch_size]).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        tags += tag_items(con, model, rows)
        done += len(rows)
    return {"model_version": model.version, "items_scored": done, "item_tags": tags}
