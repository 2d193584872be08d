"""Loading the demo web's ground truth into the warehouse: a 'perfect crawl' and 'perfect tags'.

Used by tests to check that the analysts' views agree with what the demo web
actually contains, independently of how well crawling, extraction and tagging did.
Truth URLs are canonical already, so article_id = url_id(url) as for crawled articles.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.reports.settings import set_setting
from warehouse import clock
from warehouse.batch import write_rows
from warehouse.db import rollback
from warehouse.ids import column_id, url_id

TRUTH_MODEL = "truth"


class TruthError(ValueError):
    """The truth file is malformed; the message names the entry."""


def _ts(value: str, where: str) -> dt.datetime:
    try:
        d = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise TruthError(f"{where}: bad published_at {value!r}") from None
    if d.tzinfo is None:
        raise TruthError(f"{where}: published_at {value!r} has no UTC offset")
    return d


def crawlable(article: dict[str, Any], respect_robots: bool = True) -> bool:
    return not respect_robots or article.get("robots_allowed", True) is not False


def load_truth_articles(con: duckdb.DuckDBPyConnection, truth: dict[str, Any],
                        respect_robots: bool = True) -> dict[str, int]:
    """Fill `articles` and `unit_columns` straight from a truth dict, and set settings.as_of.

    A perfect crawler obeys robots.txt, so articles with robots_allowed = false are skipped unless
    respect_robots is False. Reloading replaces rows (ids come from URLs), never duplicates them.
    """
    known = {r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()}
    as_of = truth.get("as_of")
    seen = dt.datetime.fromisoformat(as_of) if as_of else clock.now()
    if isinstance(seen, dt.datetime) and seen.tzinfo is not None:
        seen = seen.replace(tzinfo=None)
    columns: dict[str, dict[str, Any]] = {}
    for i, u in enumerate(truth.get("units", [])):
        if u.get("unit_id") not in known:
            raise TruthError(f"units[{i}]: unit {u.get('unit_id')!r} is not in the registry")
        col = u.get("column")
        if col:
            columns[col["url"]] = dict(column_id=column_id(u["unit_id"], col["url"]), unit_id=u["unit_id"], url=col["url"],
                                       name=col.get("name"), is_dedicated=True, matched_pattern=TRUTH_MODEL,
                                       first_seen=seen, last_seen=seen)
    rows = []
    for i, a in enumerate(truth.get("articles", [])):
        where = f"articles[{i}] ({a.get('url')})"
        if a.get("unit_id") not in known:
            raise TruthError(f"{where}: unit {a.get('unit_id')!r} is not in the registry")
        if not crawlable(a, respect_robots):
            continue
        cu = a.get("column_url")
        if cu and cu not in columns:  # an ordinary (not dedicated) category of the site
            columns[cu] = dict(column_id=column_id(a["unit_id"], cu), unit_id=a["unit_id"], url=cu, name=None,
                               is_dedicated=False, matched_pattern=None, first_seen=seen, last_seen=seen)
        rows.append(dict(article_id=url_id(a["url"]), url=a["url"], unit_id=a["unit_id"],
                         column_id=columns[cu]["column_id"] if cu else None, title=a.get("title"),
                         published_at=_ts(a.get("published_at"), where),
                         repost_of=url_id(a["repost_of"]) if a.get("repost_of") else None,
                         extractor_version=TRUTH_MODEL, extracted_at=seen,
                         is_document=bool(a.get("document"))))  # a document published as a page (#20)
    first: dict[str, dt.datetime] = {}
    for r in rows:  # a column is first seen with its oldest article (as a crawler of the archive would)
        if r["column_id"]:
            ts = r["published_at"].astimezone(dt.timezone(dt.timedelta(hours=7))).replace(tzinfo=None)
            first[r["column_id"]] = min(first.get(r["column_id"], ts), ts)
    for c in columns.values():
        c["first_seen"] = min(c["first_seen"], first.get(c["column_id"], c["first_seen"]))
    con.execute("BEGIN TRANSACTION")
    try:
        write_rows(con, "unit_columns", list(columns.values()), mode="replace")
        _delete_ids(con, "articles", [r["article_id"] for r in rows])  # url is UNIQUE too: no upsert
        write_rows(con, "articles", rows)
        if as_of:
            set_setting(con, "as_of", str(as_of)[:10])
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise
    return {"articles": len(rows), "unit_columns": len(columns)}


def _delete_ids(con: duckdb.DuckDBPyConnection, table: str, ids: list[int]) -> None:
    """Delete the rows of these article ids (table is one of ours, never user input)."""
    if not ids:
        return
    con.register("_truth_ids", pa.table({"article_id": pa.array(ids, pa.int64())}))
    try:
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _truth_ids)")
    finally:
        con.unregister("_truth_ids")


def load_truth_tags(con: duckdb.DuckDBPyConnection, truth: dict[str, Any]) -> int:
    """Tag every truth article present in `articles` with its true themes (source 'truth', score 1).

    Existing tags of those articles are replaced, so coverage can be checked 'given perfect tags'.
    """
    present = {r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()}
    now = clock.now()
    rows, ids = [], []
    for a in truth.get("articles", []):
        aid = url_id(a["url"])
        if aid not in present:
            continue
        ids.append(aid)
        for theme in dict.fromkeys(a.get("themes") or []):
            rows.append(dict(article_id=aid, theme_id=theme, score=1.0, model_version=TRUTH_MODEL,
                             source=TRUTH_MODEL, tagged_at=now))
    con.execute("BEGIN TRANSACTION")
    try:
        _delete_ids(con, "article_themes", ids)
        write_rows(con, "article_themes", rows)
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise
    return len(rows)
