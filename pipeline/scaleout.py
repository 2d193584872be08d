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
import logging
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
from warehouse.db import open_file, transaction
from warehouse.runs import finish_run, start_run

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
                  log_dir: Path | None = None, first_id: int = 0, settings_file: Path | None = None) -> list[Worker]:
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
        if settings_file:
            cmd += ["--settings-file", str(settings_file)]
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


def wait_remote_workers(client: redis.Redis, prefix: str, timeout: float = 3600.0,
                        dead_after: float = 30.0, local: Iterable[str] = ()) -> dict[str, str]:
    """Wait until every worker that joined this run (also from other machines) has stopped:
    state "closed", or no heartbeat for `dead_after` seconds (killed). Returns worker -> state."""
    deadline = time.monotonic() + timeout
    skip = set(local)
    while True:
        states = {}
        for wid, raw in client.hgetall(keys(prefix)["workers"]).items():
            if (wid.decode() if isinstance(wid, bytes) else wid) in skip:
                continue   # our own processes: their exit codes and reports say how they ended
            row = json.loads(raw)
            alive = row["state"] == "running" and time.time() - float(row["at"]) < dead_after
            states[wid.decode() if isinstance(wid, bytes) else wid] = "running" if alive else (
                row["state"] if row["state"] != "running" else "dead")
        if not any(v == "running" for v in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(1.0)


# ---- the single writer

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def merge_spool(con: duckdb.DuckDBPyConnection, spool_dir: str | Path,
                tables: dict[str, Sequence[str]], order_by: dict[str, str] | None = None,
                also: Any = None) -> dict[str, int]:
    """Merge every finished Parquet batch under `spool_dir/<table>/` into `table`, then move the
    files to `spool_dir/merged/`. One transaction for all tables: all or nothing.

    tables: table -> key columns. Rows with a key replace the stored row with that key (delete +
    insert, which also suits `pages` with its two unique keys); among batches, the row with the
    greatest `order_by[table]` column (else the last file) wins, so two workers that met the same
    URL still give one row. An empty key means append (e.g. run_errors). `also(con, counts)`, when
    given, runs inside the same transaction after the tables (the crawl's validator drop and column
    attribution), so a merge is never half applied.
    """
    spool = Path(spool_dir)
    order_by = order_by or {}
    counts: dict[str, int] = {}
    done: list[Path] = []
    with transaction(con):
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
        if also is not None:
            also(con, counts)
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
            con = open_file(db_path)
            try:
                merged = merge_spool(con, spool_dir, tables)
            finally:
                con.close()
        return {"workers": n_workers, "seeds": pushed, "exit_codes": codes, "elapsed_s": round(elapsed, 3),
                "frontier_left": state, "complete": complete, "merged": merged, "prefix": prefix}
    finally:
        if local is not None:
            local.stop()


# ---- the project's crawl on N workers

def worker_reports(workers: Sequence[Worker]) -> list[dict[str, Any]]:
    """The JSON line each worker printed last (its counts), or what went wrong."""
    out = []
    for w in workers:
        text = w.log_path.read_text(encoding="utf-8", errors="replace") if w.log_path.exists() else ""
        lines = [ln for ln in text.splitlines() if ln.startswith('{"worker"')]
        out.append(json.loads(lines[-1]) if lines else {"worker": w.worker_id, "finish_reason": None,
                                                          "exit_code": w.proc.returncode, "log_tail": text[-1500:]})
    return out


def merge_crawl_spool(con: duckdb.DuckDBPyConnection, spool_dir: str | Path,
                      drop_validators: bool = False) -> dict[str, int]:
    """Merge the units workers' spool (pages, health, columns, sources, robots, errors) and apply the
    column attributions, as CrawlStore.close does in the single process.

    drop_validators: a worker died during the run, so some articles found in a feed or listing may
    never have been fetched (its in-flight requests are gone). The merged sources then lose their
    ETag/Last-Modified, so the next night reads every one of them in full instead of getting a 304,
    and finds those articles again.
    """
    from crawlers.scaleout.units import SPOOL_ORDER, SPOOL_TABLES

    spool = Path(spool_dir)
    attrib_files = sorted((spool / "_attrib").glob("*.parquet"))
    health_files = sorted((spool / "source_health").glob("*.parquet"))

    def also(con: duckdb.DuckDBPyConnection, counts: dict[str, int]) -> None:
        if drop_validators and health_files:
            con.execute("UPDATE source_health SET etag = NULL, last_modified = NULL "
                        "WHERE source_id IN (SELECT source_id FROM read_parquet(?, union_by_name = true))",
                        [[str(f) for f in health_files]])
            counts["validators_dropped"] = len(health_files)
        if attrib_files:
            con.execute("CREATE OR REPLACE TEMP TABLE _attrib AS SELECT url, any_value(column_id) AS column_id "
                        "FROM read_parquet(?) GROUP BY url", [[str(f) for f in attrib_files]])
            for t in ("pages", "articles"):
                con.execute(f"UPDATE {t} SET column_id = a.column_id FROM _attrib a "
                            f"WHERE {t}.url = a.url AND {t}.column_id IS DISTINCT FROM a.column_id")
            counts["attributions"] = int(con.execute("SELECT count(*) FROM _attrib").fetchone()[0])
            con.execute("DROP TABLE _attrib")

    counts = merge_spool(con, spool, SPOOL_TABLES, SPOOL_ORDER, also=also)  # one transaction, all or nothing
    if attrib_files:
        dest = spool / "merged" / "_attrib"
        dest.mkdir(parents=True, exist_ok=True)
        for f in attrib_files:
            shutil.move(str(f), dest / f.name)
    return counts


def run_scaleout_crawl(db_path: str | Path, plan: Any, registry: Any, config: Any, workers: int = 2,
                       redis_url: str | None = None, unit_ids: list[str] | None = None, refetch: bool = False,
                       proxy: str | None = None, run_id: int | None = None, settings: dict[str, Any] | None = None,
                       spool_dir: str | Path | None = None, site_rate: float | None = None,
                       idle_seconds: float = 10.0, timeout: float = 6 * 3600,
                       on_started: Any = None) -> dict[str, Any]:
    """`chuyenmuc crawl --workers N [--redis URL]`: the same crawl as pipeline.crawl_job.run_crawl, on N
    local worker processes over a shared frontier, merged into `db_path` by this process only.

    Without `redis_url` a private redis-server is started for the run. Returns run_crawl-like counts
    plus `workers` (per-worker reports) and `frontier_left` (0 when the run drained its frontier).
    `on_started(workers, redis_url, prefix, spool, settings_file)` lets a test stop a worker mid-crawl.
    """
    from crawlers.run import select_units
    from crawlers.scaleout.redis_server import LocalRedis
    from crawlers.scaleout.units import worker_overrides
    from crawlers.settings import build_settings
    from pipeline.setup_db import init_db
    from warehouse.db import connect

    units = select_units(registry, unit_ids)
    init_db(Path(db_path), plan, registry)
    own_run = run_id is None
    con = connect(db_path)
    try:
        if own_run:
            run_id = start_run(con, "crawl", dict(units=unit_ids, refetch=refetch, proxy=proxy, workers=workers,
                                                  redis=bool(redis_url)))[0]
    finally:
        con.close()   # the workers read the warehouse; nobody writes it until the merge
    spool_dir = Path(spool_dir) if spool_dir else Path(db_path).resolve().parent / "spool"
    spool = Path(spool_dir) / str(run_id)
    spool.mkdir(parents=True, exist_ok=True)
    base = build_settings(config.section("crawl"), proxy, settings)
    base["DOWNLOADER_MIDDLEWARES"] = {**base.get("DOWNLOADER_MIDDLEWARES", {}), **worker_overrides()["DOWNLOADER_MIDDLEWARES"]}
    base["CHUYENMUC_SCALEOUT_JOB"] = dict(db=str(Path(db_path).resolve()), plan=str(plan.source_path),
                                          units_file=str(registry.source_path), unit_ids=unit_ids,
                                          refetch=refetch, run_id=run_id)
    settings_file = spool / "worker-settings.json"
    settings_file.write_text(json.dumps(base, default=str, indent=1), encoding="utf-8")
    if redis_url:
        logging.getLogger(__name__).info(
            "run %s: workers on other machines join with: python -m crawlers.scaleout.worker --redis %s "
            "--prefix chuyenmuc:%s --spider crawlers.scaleout.units.RedisUnitsSpider --settings-file %s --spool %s",
            run_id, redis_url, run_id, settings_file, spool)
    local = None if redis_url else LocalRedis().start()
    url = redis_url or local.url  # type: ignore[union-attr]
    prefix = f"chuyenmuc:{run_id}"
    try:
        client = redis.Redis.from_url(url)
        push_seeds(client, prefix, [{"unit_id": u.unit_id} for u in units])
        t0 = time.monotonic()
        procs = start_workers(workers, url, spool, prefix, spider="crawlers.scaleout.units.RedisUnitsSpider",
                              site_rate=site_rate, idle_seconds=idle_seconds, settings_file=settings_file)
        if on_started is not None:
            procs = list(procs)
            on_started(procs, url, prefix, spool, settings_file)
        wait_workers(procs, timeout)
        remote = wait_remote_workers(client, prefix, timeout, local=[w.worker_id for w in procs]) if redis_url else {}
        elapsed = time.monotonic() - t0
        state = frontier_state(client, prefix)
        complete = state["seeds"] == 0 and state["requests"] == 0
        if complete:
            clear_frontier(client, prefix)
        reports = worker_reports(procs)
    finally:
        if local is not None:
            local.stop()
    con = connect(db_path)
    try:
        clean = complete and all(r.get("finish_reason") == "finished" for r in reports) \
            and all(v == "closed" for v in remote.values())
        merged = merge_crawl_spool(con, spool, drop_validators=not clean)
        counts: dict[str, Any] = dict(requests=0, responses=0, robots_requests=0, pages_stored=0, new_articles=0,
                                      not_modified=0, duplicates=0, errors=0)
        for r in reports:
            for k in counts:
                counts[k] += int((r.get("counts") or {}).get(k, 0))
        counts["sources_failing"] = int(con.execute(
            "SELECT count(*) FROM source_health WHERE status <> 'ok' AND updated_at >= "
            "(SELECT started_at FROM crawl_runs WHERE run_id = ?)", [run_id]).fetchone()[0] or 0)
        counts["columns_found"] = int(con.execute(
            "SELECT count(*) FROM unit_columns WHERE is_dedicated AND last_seen >= "
            "(SELECT started_at FROM crawl_runs WHERE run_id = ?)", [run_id]).fetchone()[0] or 0)
        ok = clean
        counts.update(workers=reports, remote_workers=remote, merged=merged, frontier_left=state, complete=complete,
                      elapsed_s=round(elapsed, 3), run_id=run_id,
                      finish_reason="finished" if ok else "incomplete")
        if own_run:
            status = ("partial" if counts["sources_failing"] or counts["errors"] else "ok") if ok else "partial"
            finish_run(con, run_id, status, {k: v for k, v in counts.items() if k != "workers"})
    finally:
        con.close()
    shutil.rmtree(spool / "merged", ignore_errors=True)   # merged and committed: the batches are done
    return counts


# ---- the hook for `chuyenmuc crawl` (pipeline/commands/crawl.py)

def add_arguments(p: Any) -> None:
    """`--workers N --redis URL [--spool DIR] [--site-rate R]` on the crawl command."""
    g = p.add_argument_group("scale-out (several workers over a shared Redis frontier; docs/scaleout.md)")
    g.add_argument("--workers", type=int, default=0, metavar="N",
                   help="crawl with N local worker processes (default 0: the ordinary single process)")
    g.add_argument("--redis", metavar="URL", help="Redis of the shared frontier, e.g. redis://10.0.0.5:6379/0 "
                   "(workers on other machines join it); default with --workers: a private redis-server")
    g.add_argument("--spool", metavar="DIR", help="folder for the workers' Parquet batches (shared with remote "
                   "workers; default: spool/ next to the database)")
    g.add_argument("--site-rate", type=float, metavar="R",
                   help="requests per second per site, all workers together (default: 1 / crawl.download_delay)")


def maybe_scaleout(args: Any, db_path: str | Path, plan: Any, registry: Any, config: Any,
                   unit_ids: list[str] | None) -> dict[str, Any] | None:
    """The scale-out crawl when --workers or --redis was given, else None (the caller runs run_crawl)."""
    workers = int(getattr(args, "workers", 0) or 0)
    url = getattr(args, "redis", None)
    if workers <= 0 and not url:
        return None
    if workers < 0:
        from registry.errors import ValidationError
        raise ValidationError("--workers", [("(argument)", "workers", "must be 0 or more")])
    return run_scaleout_crawl(db_path, plan, registry, config, workers=max(1, workers), redis_url=url,
                              unit_ids=unit_ids, refetch=bool(getattr(args, "refetch", False)),
                              proxy=getattr(args, "proxy", None), spool_dir=getattr(args, "spool", None),
                              site_rate=getattr(args, "site_rate", None))
