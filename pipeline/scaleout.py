"""Run one crawl on N local workers over a shared Redis frontier, then merge their output (one writer).

    start_workers(...)  -> Worker processes (`python -m crawlers.scaleout.worker`)
    push_seeds(...)     seeds (JSON) on the Redis seed list, in registry order
    wait_workers(...)   until every worker has stopped (idle rule) or a timeout
    merge_spool(...)    the only writer: per-worker Parquet batches -> DuckDB, in one transaction
    run_local(...)      all of the above (a private redis-server if no URL is given)

Workers on other machines run the same worker module against the same Redis URL and spool folder
(docs/scaleout.md); this module is the coordinator and the writer.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import redis

from crawlers.scaleout.settings import keys

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Worker:
    worker_id: str
    proc: subprocess.Popen
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to put its in-flight requests back."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self) -> None:
        """SIGTERM: Scrapy's clean shutdown; in-flight requests go back on the frontier."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)


def unit_seeds(registry: Any, unit_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One seed per unit with something to crawl (a site or registered sources)."""
    wanted = set(unit_ids or ())
    return [{"unit_id": u.unit_id} for u in registry.units
            if (u.site is not None or u.sources) and (not wanted or u.unit_id in wanted)]


def push_seeds(client: redis.Redis, prefix: str, seeds: Iterable[dict[str, Any]]) -> int:
    data = [json.dumps(s, ensure_ascii=False, sort_keys=True) for s in seeds]
    if data:
        client.rpush(keys(prefix)["seeds"], *data)
    return len(data)


def frontier_state(client: redis.Redis, prefix: str) -> dict[str, int]:
    k = keys(prefix)
    queued = client.get(f"{k['requests']}:n")
    return {"seeds": int(client.llen(k["seeds"])),
            "requests": int(queued) if queued is not None else int(client.llen(k["requests"]) if client.type(k["requests"]) == b"list" else 0),
            "seen": int(client.scard(k["dupefilter"]))}


def clear_frontier(client: redis.Redis, prefix: str) -> int:
    """Delete this crawl's keys (after a complete run; a new run starts with a fresh dupefilter)."""
    ks = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    return int(client.delete(*ks)) if ks else 0


def start_workers(n: int, redis_url: str, spool_dir: Path, prefix: str, spider: str | None = None,
                  settings: dict[str, Any] | None = None, site_rate: float | None = None,
                  idle_seconds: float = 5.0, queue: str = "roundrobin", spider_args: Sequence[str] = (),
                  log_dir: Path | None = None, first_id: int = 0) -> list[Worker]:
    spool_dir = Path(spool_dir)
    log_dir = Path(log_dir or spool_dir / "logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out = []
    for i in range(first_id, first_id + n):
        wid = f"w{i}"
        cmd = [sys.executable, "-m", "crawlers.scaleout.worker", "--redis", redis_url, "--prefix", prefix,
               "--spool", str(spool_dir), "--worker-id", wid, "--queue", queue,
               "--idle-seconds", str(idle_seconds), "--settings-json", json.dumps(settings or {})]
        if spider:
            cmd += ["--spider", spider]
        if site_rate is not None:
            cmd += ["--site-rate", str(site_rate)]
        for a in spider_args:
            cmd += ["--spider-arg", a]
        log = log_dir / f"{wid}-{int(time.time() * 1000)}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        out.append(Worker(wid, proc, log))
    return out


def wait_workers(workers: Sequence[Worker], timeout: float = 600.0) -> dict[str, int | None]:
    """Exit code per worker; on timeout the rest get SIGTERM (and SIGKILL 30 s later)."""
    deadline = time.monotonic() + timeout
    for w in workers:
        left = max(0.0, deadline - time.monotonic())
        try:
            w.proc.wait(left)
        except subprocess.TimeoutExpired:
            w.terminate()
    for w in workers:
        try:
            w.proc.wait(30)
        except subprocess.TimeoutExpired:
            w.kill()
    return {w.worker_id: w.proc.returncode for w in workers}


# ---- the single writer

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def merge_spool(con: duckdb.DuckDBPyConnection, spool_dir: str | Path,
                tables: dict[str, Sequence[str]], order_by: dict[str, str] | None = None) -> dict[str, int]:
    """Merge every finished Parquet batch under `spool_dir/<table>/` into `table`, then move the
    files to `spool_dir/merged/`. One transaction for all tables: all or nothing.

    tables: table -> key columns. Rows with a key replace the stored row with that key (delete +
    insert, which also suits `pages` with its two unique keys); among batches, the row with the
    greatest `order_by[table]` column (else the last file) wins, so two workers that met the same
    URL still give one row. An empty key means append (e.g. run_errors).
    """
    spool = Path(spool_dir)
    order_by = order_by or {}
    counts: dict[str, int] = {}
    done: list[Path] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for table, key in tables.items():
            files = sorted((spool / table).glob("*.parquet"))
            if not files:
                counts[table] = 0
                continue
            cols = [r[0] for r in con.execute(f"DESCRIBE {_quote(table)}").fetchall()]
            src = con.read_parquet([str(f) for f in files], union_by_name=True, filename=True)
            src_cols = [c for c in src.columns if c in cols]
            col_list = ", ".join(_quote(c) for c in src_cols)
            con.register("_spool_src", src)
            try:
                if key:
                    k = ", ".join(_quote(c) for c in key)
                    order = _quote(order_by[table]) + " DESC, filename DESC" if table in order_by else "filename DESC"
                    con.execute(f"CREATE OR REPLACE TEMP TABLE _spool AS SELECT {col_list} FROM _spool_src "
                                f"QUALIFY row_number() OVER (PARTITION BY {k} ORDER BY {order}) = 1")
                    con.execute(f"DELETE FROM {_quote(table)} WHERE ({k}) IN (SELECT ({k}) FROM _spool)")
                else:
                    con.execute(f"CREATE OR REPLACE TEMP TABLE _spool AS SELECT {col_list} FROM _spool_src")
                con.execute(f"INSERT INTO {_quote(table)} ({col_list}) SELECT {col_list} FROM _spool")
                counts[table] = int(con.execute("SELECT count(*) FROM _spool").fetchone()[0])
                con.execute("DROP TABLE _spool")
            finally:
                con.unregister("_spool_src")
            done.extend(files)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    merged = spool / "merged"
    for f in done:
        dest = merged / f.parent.name
        dest.mkdir(parents=True, exist_ok=True)
        shutil.move(str(f), dest / f.name)
    return counts


def run_local(n_workers: int, seeds: Sequence[dict[str, Any]], spool_dir: Path, db_path: Path | None = None,
              tables: dict[str, Sequence[str]] | None = None, redis_url: str | None = None,
              prefix: str | None = None, timeout: float = 3600.0, **worker_kw: Any) -> dict[str, Any]:
    """Push seeds, run N local workers until the frontier is drained, merge into `db_path`."""
    from crawlers.scaleout.redis_server import LocalRedis

    local = None if redis_url else LocalRedis().start()
    url = redis_url or local.url  # type: ignore[union-attr]
    prefix = prefix or f"chuyenmuc:{int(time.time() * 1000)}"
    try:
        client = redis.Redis.from_url(url)
        pushed = push_seeds(client, prefix, seeds)
        t0 = time.monotonic()
        workers = start_workers(n_workers, url, Path(spool_dir), prefix, **worker_kw)
        codes = wait_workers(workers, timeout)
        elapsed = time.monotonic() - t0
        state = frontier_state(client, prefix)
        complete = state["seeds"] == 0 and state["requests"] == 0
        if complete:
            clear_frontier(client, prefix)
        merged: dict[str, int] = {}
        if db_path is not None and tables:
            con = duckdb.connect(str(db_path))
            try:
                merged = merge_spool(con, spool_dir, tables)
            finally:
                con.close()
        return {"workers": n_workers, "seeds": pushed, "exit_codes": codes, "elapsed_s": round(elapsed, 3),
                "frontier_left": state, "complete": complete, "merged": merged, "prefix": prefix}
    finally:
        if local is not None:
            local.stop()
