"""Integrity checks an operator can run after a crash: counts, orphans, duplicates, stuck runs."""
from __future__ import annotations

import duckdb

# (name, SQL returning one count, what a non-zero count means)
CHECKS: list[tuple[str, str, str]] = [
    ("duplicate page urls", "SELECT count(*) FROM (SELECT url FROM pages GROUP BY url HAVING count(*) > 1)",
     "the same canonical URL stored twice"),
    ("duplicate article urls", "SELECT count(*) FROM (SELECT url FROM articles GROUP BY url HAVING count(*) > 1)",
     "the same article stored twice"),
    ("articles without a page", "SELECT count(*) FROM articles a LEFT JOIN pages p ON p.page_id = a.article_id WHERE p.page_id IS NULL",
     "articles whose raw page is missing"),
    ("pages of unknown units", "SELECT count(*) FROM pages p LEFT JOIN units u USING (unit_id) WHERE u.unit_id IS NULL",
     "pages whose unit is not in the registry"),
    ("tags without an article", "SELECT count(*) FROM article_themes t LEFT JOIN articles a USING (article_id) WHERE a.article_id IS NULL",
     "theme tags pointing at no article"),
    ("tags of unknown themes", "SELECT count(*) FROM article_themes t LEFT JOIN themes th USING (theme_id) WHERE th.theme_id IS NULL",
     "theme tags with a theme id the plan does not define"),
    ("scores without an article", "SELECT count(*) FROM article_theme_scores s LEFT JOIN articles a USING (article_id) WHERE a.article_id IS NULL",
     "scores pointing at no article"),
    ("tokens without an article", "SELECT count(*) FROM article_tokens t LEFT JOIN articles a USING (article_id) WHERE a.article_id IS NULL",
     "tokens pointing at no article"),
    ("columns of unknown units", "SELECT count(*) FROM unit_columns c LEFT JOIN units u USING (unit_id) WHERE u.unit_id IS NULL",
     "columns whose unit is not in the registry"),
    ("reposts of missing originals", "SELECT count(*) FROM articles a LEFT JOIN articles o ON o.article_id = a.repost_of "
     "WHERE a.repost_of IS NOT NULL AND o.article_id IS NULL", "repost links to an article that is not stored"),
    ("duplicate channel item urls", "SELECT count(*) FROM (SELECT url FROM channel_items GROUP BY url HAVING count(*) > 1)",
     "the same official channel item stored twice"),
    ("channel items of unknown channels", "SELECT count(*) FROM channel_items i LEFT JOIN channels c USING (channel_id) "
     "WHERE c.channel_id IS NULL", "channel items whose channel is not in the warehouse"),
    ("channel tags without an item", "SELECT count(*) FROM channel_item_themes t LEFT JOIN channel_items i USING (item_id) "
     "WHERE i.item_id IS NULL", "channel theme tags pointing at no item"),
]
# tables of later migrations: checked and counted only where the file has them
OPTIONAL = {"channels": 8, "channel_items": 8, "channel_item_themes": 8}

COUNTED = ("units", "sources", "crawl_runs", "pages", "articles", "article_tokens", "article_themes",
           "article_theme_scores", "labels", "unit_columns", "source_health", "run_errors", "channels", "channel_items",
           "channel_item_themes")


def check(con: duckdb.DuckDBPyConnection) -> dict:
    """Returns {"counts": {table: n}, "problems": [(name, n, meaning)], "running_runs": n}."""
    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    counts = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in COUNTED if t in have}  # type: ignore[index]
    problems = []
    for name, sql, meaning in CHECKS:
        if any(t in sql and t not in have for t in OPTIONAL):
            continue
        n = int(con.execute(sql).fetchone()[0])  # type: ignore[index]
        if n:
            problems.append((name, n, meaning))
    running = int(con.execute("SELECT count(*) FROM crawl_runs WHERE status = 'running'").fetchone()[0])  # type: ignore[index]
    return {"counts": counts, "problems": problems, "running_runs": running}


def backup(con: duckdb.DuckDBPyConnection, source_alias: str, target_path: str) -> None:
    """Copy every table of the attached source database into a new file (a consistent snapshot)."""
    quoted = target_path.replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS backup_target")
    try:
        con.execute(f"COPY FROM DATABASE {source_alias} TO backup_target")
    finally:
        con.execute("DETACH backup_target")
