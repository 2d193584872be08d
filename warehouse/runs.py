"""The one place that records runs in `crawl_runs`: their ids, start, end, and runs left `running`.

Every command that writes (nightly, crawl, the scale-out crawl) starts and finishes its row here, so
run ids follow one scheme (1, 2, 3, ... in the order runs start, under the writer lock) and times one
clock: warehouse.clock.now(), an aware instant to the second (the columns are TIMESTAMPTZ).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from warehouse import clock


def start_run(con: duckdb.DuckDBPyConnection, command: str, args: dict[str, Any] | None = None,
              log_path: str | None = None) -> tuple[int, dt.datetime]:
    """Insert a `running` row; returns (run_id, started_at)."""
    run_id = int(con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM crawl_runs").fetchall()[0][0])
    started = clock.now()
    con.execute("INSERT INTO crawl_runs (run_id, command, started_at, status, args, log_path) "
                "VALUES (?, ?, ?, 'running', ?, ?)",
                [run_id, command, started, json.dumps(args or {}, default=str), log_path])
    return run_id, started


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, status: str, counts: dict[str, Any] | None = None,
               errors: list[Any] | None = None) -> None:
    """Record how a run ended (ok | partial | failed | interrupted), with its counts and errors."""
    con.execute("UPDATE crawl_runs SET finished_at = ?, status = ?, counts = ?, errors = ? WHERE run_id = ?",
                [clock.now(), status, json.dumps(counts, default=str) if counts is not None else None,
                 json.dumps(errors, default=str) if errors else None, run_id])


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Rows still `running` when a writer takes the lock belong to runs that were killed or crashed."""
    has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'crawl_runs'").fetchall()[0][0]
    if not has:
        return []
    rows = con.execute("UPDATE crawl_runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?) "
                       "WHERE status = 'running' RETURNING run_id", [clock.now()]).fetchall()
    return [int(r[0]) for r in rows]
