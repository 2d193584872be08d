"""The warehouse beyond one file: articles, tags and coverage tables as Parquet, partitioned by month.

Hive layout (`DIR/articles/month=2022-12/data_0.parquet`), so DuckDB (`read_parquet(...,
hive_partitioning = true)`), Spark, Trino/Presto and pandas/pyarrow read it as one table each and
prune by month. `month` is the article's publication month (YYYY-MM; `unknown` when the page gave
no date); tags take their article's month; coverage_weekly takes the month of the week's Monday.
Snapshot tables (column_status, theme_gaps, units, themes) are written unpartitioned. Each table's
folder is replaced as a whole, so re-exporting never duplicates rows. A `_manifest.json` lists
tables, row counts and partitions.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

_MONTH_OF = "coalesce(strftime({col}, '%Y-%m'), 'unknown')"


@dataclass(frozen=True)
class Export:
    name: str
    sql: str                 # SELECT producing the rows (with a `month` column when partitioned)
    needs: tuple[str, ...]   # tables/views that must exist
    partitioned: bool = True


EXPORTS: tuple[Export, ...] = (
    Export("articles", f"SELECT a.*, {_MONTH_OF.format(col='a.published_at')} AS month FROM articles a",
           ("articles",)),
    Export("article_themes",
           f"SELECT t.*, {_MONTH_OF.format(col='a.published_at')} AS month FROM article_themes t "
           "LEFT JOIN articles a USING (article_id)", ("article_themes", "articles")),
    Export("coverage_weekly", f"SELECT c.*, {_MONTH_OF.format(col='c.week_start')} AS month FROM coverage_weekly c",
           ("coverage_weekly",)),
    Export("unit_volume_weekly",
           f"SELECT v.*, {_MONTH_OF.format(col='v.week_start')} AS month FROM unit_volume_weekly v",
           ("unit_volume_weekly",)),
    Export("column_status", "SELECT * FROM column_status", ("column_status",), partitioned=False),
    Export("theme_gaps", "SELECT * FROM theme_gaps", ("theme_gaps",), partitioned=False),
    Export("units", "SELECT * FROM units", ("units",), partitioned=False),
    Export("themes", "SELECT * FROM themes", ("themes",), partitioned=False),
)


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    n = con.execute("SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = ?) + "
                    "(SELECT count(*) FROM duckdb_views() WHERE view_name = ?)", [name, name]).fetchone()
    return bool(n and n[0])


def _has_column(con: duckdb.DuckDBPyConnection, name: str, column: str) -> bool:
    return column in [d[0] for d in con.execute(f'SELECT * FROM "{name}" LIMIT 0').description]


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: str | Path,
                   tables: list[str] | None = None) -> dict[str, Any]:
    """Write each export to `out_dir/<name>/`; returns {name: {rows, partitions, path}} plus `skipped`
    (tables or views this warehouse does not have, e.g. before the reporting views exist)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    skipped: list[str] = []
    for ex in EXPORTS:
        if tables and ex.name not in tables:
            continue
        if not all(_exists(con, n) for n in ex.needs) or (
                ex.name in ("coverage_weekly", "unit_volume_weekly") and not _has_column(con, ex.needs[0], "week_start")):
            skipped.append(ex.name)
            continue
        dest = out / ex.name
        tmp = out / f".{ex.name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        rows = int(con.execute(f"SELECT count(*) FROM ({ex.sql})").fetchone()[0])
        if ex.partitioned:
            tmp.mkdir(parents=True)
            if rows:
                con.execute(f"COPY ({ex.sql}) TO '{_lit(tmp)}' (FORMAT parquet, PARTITION_BY (month), "
                            "COMPRESSION zstd, OVERWRITE_OR_IGNORE true)")
            parts = sorted(p.name.split("=", 1)[1] for p in tmp.iterdir() if p.is_dir() and "=" in p.name)
        else:
            tmp.mkdir(parents=True)
            con.execute(f"COPY ({ex.sql}) TO '{_lit(tmp / 'data.parquet')}' (FORMAT parquet, COMPRESSION zstd)")
            parts = []
        shutil.rmtree(dest, ignore_errors=True)   # replace the table's folder as a whole
        tmp.rename(dest)
        result[ex.name] = {"rows": rows, "partitions": parts, "path": str(dest)}
    manifest = {"exported_at": dt.datetime.now().isoformat(timespec="seconds"), "layout": "hive",
                "partition_column": "month", "tables": result, "skipped": skipped}
    (out / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return dict(result, skipped=skipped)


def _lit(p: Path) -> str:
    """A path as a SQL string literal (COPY takes no parameters for its target)."""
    return str(p).replace("'", "''")


def read_back_sql(out_dir: str | Path, name: str) -> str:
    """The DuckDB query that reads one exported table (what analysts and the tests use)."""
    d = Path(out_dir) / name
    return f"SELECT * FROM read_parquet('{_lit(d)}/**/*.parquet', hive_partitioning = true)"


def export_command(args: Any) -> int:
    """`chuyenmuc export --parquet DIR`: the hook the export command calls."""
    from pipeline import exitcodes
    from pipeline.context import Context
    from warehouse import connect

    ctx = Context(args)
    con = connect(ctx.db_path, read_only=True)
    try:
        res = export_parquet(con, args.parquet)
    finally:
        con.close()
    for name, info in res.items():
        if name != "skipped":
            print(f"{name}: {info['rows']} rows, {len(info['partitions'])} month partitions -> {info['path']}")
    if res["skipped"]:
        print(f"not in this warehouse (skipped): {', '.join(res['skipped'])}")
    return exitcodes.OK
