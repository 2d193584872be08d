"""Parquet export (Hive layout, by month) read back with DuckDB's read_parquet gives the same counts."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from pipeline.parquet_export import export_parquet
from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS
from warehouse.batch import write_rows
from warehouse.ids import url_id


def read_back_sql(out_dir: Path, name: str) -> str:
    """The DuckDB query that reads one exported table back (hive-partitioned Parquet)."""
    d = str(Path(out_dir) / name).replace("'", "''")
    return f"SELECT * FROM read_parquet('{d}/**/*.parquet', hive_partitioning = true)"



@pytest.fixture
def warehouse(tmp_path):
    from pipeline.setup_db import init_db
    db = tmp_path / "w.duckdb"
    init_db(db, load_plan(PLAN), load_units(UNITS))
    con = duckdb.connect(str(db))
    themes = [r[0] for r in con.execute("SELECT theme_id FROM themes ORDER BY 1").fetchall()]
    units = [r[0] for r in con.execute("SELECT unit_id FROM units ORDER BY 1").fetchall()]
    arts, tags = [], []
    base = dt.datetime(2022, 10, 20, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    for i in range(90):
        url = f"https://site{i % 5}.daklak.gov.vn/tin/{i}.html"
        pub = None if i % 17 == 0 else base + dt.timedelta(days=i)   # Oct 2022 .. Jan 2023, some undated
        arts.append(dict(article_id=url_id(url), url=url, unit_id=units[i % len(units)], title=f"Bài {i}",
                         published_at=pub, text="nội dung " * 5, word_count=10, quality_flags=["x"] if i % 7 == 0 else []))
        for t in themes[: 1 + i % 3]:
            tags.append(dict(article_id=url_id(url), theme_id=t, score=0.5 + (i % 5) / 10, model_version="m1"))
    write_rows(con, "articles", arts)
    write_rows(con, "article_themes", tags)
    if not con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'coverage_weekly'").fetchone()[0]:
        # this branch predates the reporting views: a stand-in of the same shape
        con.execute("""CREATE VIEW coverage_weekly AS
            SELECT a.unit_id, t.theme_id, date_trunc('week', a.published_at)::DATE AS week_start, count(*) AS articles
            FROM articles a JOIN article_themes t USING (article_id) WHERE a.published_at IS NOT NULL GROUP BY ALL""")
    yield con
    con.close()


def test_export_reads_back_with_the_same_counts(warehouse, tmp_path):
    con = warehouse
    out = tmp_path / "lake"
    res = export_parquet(con, out)
    reader = duckdb.connect()
    for name, src in (("articles", "articles"), ("article_themes", "article_themes"),
                      ("coverage_weekly", "coverage_weekly"), ("units", "units"), ("themes", "themes")):
        n_src = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
        n_back = reader.execute(f"SELECT count(*) FROM ({read_back_sql(out, name)})").fetchone()[0]
        assert n_src == n_back == res[name]["rows"], name
    # Hive layout: one folder per month, and the month column comes back from the folder names
    months = {p.name for p in (out / "articles").iterdir()}
    assert {"month=2022-10", "month=2022-11", "month=2022-12", "month=2023-01", "month=unknown"} == months
    by_month_src = dict(con.execute(
        "SELECT coalesce(strftime(published_at, '%Y-%m'), 'unknown'), count(*) FROM articles GROUP BY 1").fetchall())
    by_month_back = dict(reader.execute(
        f"SELECT month::VARCHAR, count(*) FROM ({read_back_sql(out, 'articles')}) GROUP BY 1").fetchall())
    assert by_month_back == by_month_src
    # partition pruning works: a filter on month reads only that folder's rows
    n_dec = reader.execute(f"SELECT count(*) FROM ({read_back_sql(out, 'articles')}) WHERE month = '2022-12'").fetchone()[0]
    assert n_dec == by_month_src["2022-12"]
    # values survive: ids, timestamps with time zone, lists, scores
    src = con.execute("SELECT article_id, published_at, quality_flags FROM articles ORDER BY article_id").fetchall()
    back = reader.execute(f"SELECT article_id, published_at, quality_flags FROM ({read_back_sql(out, 'articles')}) "
                          "ORDER BY article_id").fetchall()
    assert back == src
    s1 = con.execute("SELECT sum(score) FROM article_themes").fetchone()[0]
    s2 = reader.execute(f"SELECT sum(score) FROM ({read_back_sql(out, 'article_themes')})").fetchone()[0]
    assert s1 == pytest.approx(s2)
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["tables"]["articles"]["rows"] == len(src)


def test_reexport_replaces_rather_than_duplicates(warehouse, tmp_path):
    out = tmp_path / "lake"
    export_parquet(warehouse, out)
    warehouse.execute("DELETE FROM article_themes WHERE article_id IN (SELECT article_id FROM articles "
                      "WHERE published_at < '2022-11-01')")
    warehouse.execute("DELETE FROM articles WHERE published_at < '2022-11-01'")
    res = export_parquet(warehouse, out)
    reader = duckdb.connect()
    n = reader.execute(f"SELECT count(*) FROM ({read_back_sql(out, 'articles')})").fetchone()[0]
    assert n == warehouse.execute("SELECT count(*) FROM articles").fetchone()[0] == res["articles"]["rows"]
    assert not (out / "articles" / "month=2022-10").exists()


def test_missing_views_are_skipped_not_fatal(tmp_path):
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    con.execute("CREATE TABLE articles (article_id BIGINT, url VARCHAR, published_at TIMESTAMPTZ)")
    res = export_parquet(con, tmp_path / "lake")
    assert res["articles"]["rows"] == 0 and "coverage_weekly" in res["skipped"] and "article_themes" in res["skipped"]


def test_export_command_hook_prints_counts(warehouse, tmp_path, capsys):
    import argparse

    from pipeline.parquet_export import export_command
    db = warehouse.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    warehouse.close()
    args = argparse.Namespace(parquet=str(tmp_path / "lake"), db=db, config=None, plan=None, units_file=None)
    assert export_command(args) == 0
    out = capsys.readouterr().out
    assert "articles: 90 rows, 5 month partitions" in out
