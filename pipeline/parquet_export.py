"""The warehouse beyond one file: articles, tags and coverage tables as Parquet, partitioned by month.

Hive layout (`DIR/articles/month=2022-12/data_0.parquet`), so DuckDB (`read_parquet(...,
hive_partitioning = true)`), Spark, Trino/Presto and pandas/pyarrow read it as one table each and
prune by month. `month` is the article's publication month (YYYY-MM; `unknown` when the page gave
no date); tags take their article's month; coverage_weekly takes the month of the week's Monday.
Snapshot tables (column_status, theme_gaps, units, themes) are written unpartitioned. A
`_manifest.json` lists tables, row counts, partitions and every file written. A re-export replaces
exactly the files the last export wrote, so it never duplicates rows and never deletes anything else:
a non-empty folder without our manifest, or a table folder holding files we did not write, is refused
(ExportRefused) before anything is written.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse import clock

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


MANIFEST = "_manifest.json"


class ExportRefused(ValueError):
    """The target folder holds files this export did not write; the message names them."""


def _files(d: Path) -> list[str]:
    """Every file under `d`, as paths relative to `d` (sorted)."""
    return sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()) if d.is_dir() else []


def _owned(out: Path, names: list[str]) -> dict[str, set[str]]:
    """{table: files the last export wrote} for the tables about to be written; refuses what is not ours."""
    entries = [p for p in out.iterdir() if not p.name.startswith(".")] if out.is_dir() else []
    man_path = out / MANIFEST
    if not man_path.is_file():
        if entries:
            shown = ", ".join(sorted(p.name for p in entries)[:5])
            raise ExportRefused(f"{out} is not empty and holds no {MANIFEST} of an earlier export ({shown}"
                                f"{', ...' if len(entries) > 5 else ''}): choose an empty or new folder, "
                                "nothing was written")
        return {n: set() for n in names}
    try:
        man = json.loads(man_path.read_text(encoding="utf-8"))
        tables = man.get("tables") or {}
    except (OSError, ValueError, AttributeError) as e:
        raise ExportRefused(f"{man_path} cannot be read ({e}): choose another folder, nothing was written") from None
    owned: dict[str, set[str]] = {}
    for n in names:
        info = tables.get(n) or {}
        mine = set(info.get("files") or []) if isinstance(info, dict) else set()
        if isinstance(info, dict) and "files" not in info:  # a manifest from before files were listed
            mine = {f for f in _files(out / n) if f.endswith(".parquet")}
        foreign = [f for f in _files(out / n) if f not in mine]
        if foreign:
            raise ExportRefused(f"{out / n} holds files an export did not write ({', '.join(foreign[:5])}"
                                f"{', ...' if len(foreign) > 5 else ''}): move them, nothing was written")
        owned[n] = mine
    return owned


def _replace(dest: Path, tmp: Path, old: set[str]) -> None:
    """Swap in the new files of a table: remove exactly the old export's files (and the folders that
    leaves empty), then move the new ones in."""
    for f in sorted(old):
        (dest / f).unlink(missing_ok=True)
    if dest.is_dir():
        for d in sorted((p for p in dest.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            if not any(d.iterdir()):
                d.rmdir()
        if not any(dest.iterdir()):
            dest.rmdir()
    if not dest.exists():
        tmp.rename(dest)
        return
    for f in _files(tmp):  # only reachable if dest kept something: never, since _owned refused that
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp / f).rename(dest / f)
    shutil.rmtree(tmp, ignore_errors=True)


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: str | Path,
                   tables: list[str] | None = None) -> dict[str, Any]:
    """Write each export to `out_dir/<name>/`; returns {name: {rows, partitions, path, files}} plus
    `skipped` (tables or views this warehouse does not have, e.g. before the reporting views exist).
    Raises ExportRefused, before writing anything, when the folder holds files it did not write."""
    out = Path(out_dir)
    result: dict[str, Any] = {}
    skipped: list[str] = []
    todo = []
    for ex in EXPORTS:
        if tables and ex.name not in tables:
            continue
        if not all(_exists(con, n) for n in ex.needs) or (
                ex.name in ("coverage_weekly", "unit_volume_weekly") and not _has_column(con, ex.needs[0], "week_start")):
            skipped.append(ex.name)
            continue
        todo.append(ex)
    if out.exists() and not out.is_dir():
        raise ExportRefused(f"{out} is a file, not a folder: nothing was written")
    owned = _owned(out, [ex.name for ex in todo])
    out.mkdir(parents=True, exist_ok=True)
    previous = {}
    if (out / MANIFEST).is_file():
        previous = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("tables") or {}
    for ex in todo:
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
        files = _files(tmp)
        _replace(dest, tmp, owned[ex.name])
        result[ex.name] = {"rows": rows, "partitions": parts, "path": str(dest), "files": files}
    # tables not written this time stay listed as the earlier export left them (still ours)
    listed = {k: v for k, v in previous.items() if k not in result and isinstance(v, dict)}
    manifest = {"exported_at": clock.now().isoformat(), "layout": "hive",
                "partition_column": "month", "tables": {**listed, **result}, "skipped": skipped}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return dict(result, skipped=skipped)


def _lit(p: Path) -> str:
    """A path as a SQL string literal (COPY takes no parameters for its target)."""
    return str(p).replace("'", "''")


def export_command(args: Any) -> int:
    """`chuyenmuc export --parquet DIR`: the hook the export command calls."""
    import sys

    from pipeline import exitcodes
    from pipeline.context import Context
    from warehouse import connect
    ctx = Context(args)
    con = connect(ctx.db_path, read_only=True)
    try:
        res = export_parquet(con, args.parquet)
    except ExportRefused as e:
        print(f"chuyenmuc export --parquet: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    finally:
        con.close()
    for name, info in res.items():
        if name != "skipped":
            print(f"{name}: {info['rows']} rows, {len(info['partitions'])} month partitions -> {info['path']}")
    if res["skipped"]:
        print(f"not in this warehouse (skipped): {', '.join(res['skipped'])}")
    return exitcodes.OK
