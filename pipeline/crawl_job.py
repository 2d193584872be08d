"""The crawl job: what `chuyenmuc crawl` and the nightly job call. Records a crawl_runs row when the
caller did not give a run id (the nightly job owns its own run row)."""
from __future__ import annotations

import collections
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nlp.pool import die_with_parent
from registry import Plan, Registry
from registry.config import Config
from warehouse.db import connect
from warehouse.runs import finish_run, start_run

log = logging.getLogger("chuyenmuc.crawl")
PROGRESS = logging.getLogger("chuyenmuc.progress")  # pipeline/progress.py logs there

ROOT = Path(__file__).resolve().parents[1]


class CrawlFailed(RuntimeError):
    """The crawl process itself died (not a site fault: those are health/error rows)."""


def run_crawl(db_path: str | Path, plan: Plan, registry: Registry, config: Config,
              unit_ids: list[str] | None = None, refetch: bool = False, proxy: str | None = None,
              run_id: int | None = None, *, in_process: bool = False,
              settings: dict[str, Any] | None = None, timeout: float | None = None,
              process_with: str | Path | None = None) -> dict[str, Any]:
    """Crawl the units into the warehouse; returns counts (requests, pages_stored, new_articles,
    not_modified, columns_found, errors, per_unit, ...).

    By default the crawl runs in a child process (`python -m crawlers.run`), so this can be called
    any number of times from one process; `in_process=True` runs Scrapy here (once per process).
    `settings` overrides Scrapy settings (tests use it to shorten delays). `process_with` (a theme
    model file) also extracts, tokenizes and tags the stored pages while the crawl fetches
    (pipeline/alongside.py): what the nightly job asks for; `chuyenmuc crawl` fetches and stores only.
    """
    if process_with is not None:
        settings = alongside_settings(settings, process_with)
    from crawlers.run import select_units
    from pipeline.setup_db import init_db
    select_units(registry, unit_ids)  # bad ids fail before anything is written
    init_db(Path(db_path), plan, registry)
    own_run = run_id is None
    if own_run:
        run_id = _with_runs(db_path, lambda con: start_run(con, "crawl", dict(units=unit_ids, refetch=refetch,
                                                                             proxy=proxy))[0])
    try:
        if in_process:
            from crawlers.run import crawl
            counts = crawl(db_path, plan, registry, config, unit_ids, refetch, proxy, run_id, settings)
        else:
            counts = _child(db_path, plan, registry, config, unit_ids, refetch, proxy, run_id, settings, timeout)
    except BaseException as e:
        if own_run:
            status = "interrupted" if isinstance(e, KeyboardInterrupt) else "failed"
            why = [f"{type(e).__name__}: {e}"]
            _with_runs(db_path, lambda con: finish_run(con, run_id, status, None, why))
        raise
    if own_run:
        status = "partial" if counts.get("sources_failing") else "ok"
        _with_runs(db_path, lambda con: finish_run(con, run_id, status, counts))
    counts["run_id"] = run_id
    return counts


def alongside_settings(settings: dict[str, Any] | None, model: str | Path) -> dict[str, Any]:
    """`settings` plus the extension that processes pages during the crawl (pipeline/alongside.py)."""
    from pipeline.alongside import SETTING
    out = dict(settings or {})
    out["EXTENSIONS"] = {**(out.get("EXTENSIONS") or {}), "pipeline.alongside.ProcessAlongside": 500}
    out[SETTING] = str(model)
    return out


STOP_GRACE = 20.0  # seconds the crawl child gets to close (store what it has, validators rule) before SIGKILL


def _die_with_parent() -> None:
    """Linux: the crawl child is killed at once if the job that started it dies (even by SIGKILL), so it
    never writes the database after its job is gone. (Safe: a crawl killed outright writes no source
    health, and the validators of the last complete night stay.)"""
    die_with_parent(signal.SIGKILL)


def _stop_child(p: subprocess.Popen) -> None:
    """The job was told to stop: the crawl child gets one SIGTERM (Scrapy's graceful shutdown: pages
    stored, validators kept only for complete sources), then SIGKILL after STOP_GRACE seconds. The
    child runs in its own process group, so a signal to the job's group reaches it only through here."""
    if p.poll() is not None:
        return
    log.warning("stopping the crawl process (pid %d)", p.pid)
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        log.warning("the crawl process did not stop within %.0f s: killed", STOP_GRACE)
        p.kill()
        p.wait()


def _child(db_path: str | Path, plan: Plan, registry: Registry, config: Config, unit_ids: list[str] | None,
           refetch: bool, proxy: str | None, run_id: int | None, settings: dict[str, Any] | None,
           timeout: float | None) -> dict[str, Any]:
    job = dict(db=str(db_path), plan=str(plan.source_path), units_file=str(registry.source_path),
               config=config.data, config_root=str(config.root), config_source=config.source,
               unit_ids=unit_ids, refetch=refetch, proxy=proxy, run_id=run_id, settings=settings)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    p = subprocess.Popen([sys.executable, "-m", "crawlers.run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT), preexec_fn=_die_with_parent,
                         process_group=0)
    tail: collections.deque[str] = collections.deque(maxlen=40)

    def forward() -> None:  # the child's log lines reach our log (and terminal/cron) as they happen
        assert p.stderr is not None
        quiet = False
        for line in p.stderr:
            tail.append(line)
            m = _RECORD.match(line)
            if m and m.group("name") == PROGRESS.name:  # the child's progress is the job's progress
                PROGRESS.info("%s", line[m.end():].rstrip())
                quiet = False
                continue
            quiet = quiet_line(line, quiet)
            log.info("crawl: %s", line.rstrip(), extra={"quiet": quiet})

    out_parts: list[str] = []

    def collect() -> None:  # stdout: the counts line (read here, so a full pipe never blocks the child)
        assert p.stdout is not None
        out_parts.extend(p.stdout)

    # not communicate(): it reads stderr too, and every line it took would never reach the log
    fwd = threading.Thread(target=forward, daemon=True)
    col = threading.Thread(target=collect, daemon=True)
    fwd.start()
    col.start()
    try:
        assert p.stdin is not None
        try:
            p.stdin.write(json.dumps(job, default=str))
            p.stdin.close()
        except BrokenPipeError:  # the child died at start: its exit code and stderr say why
            pass
        p.wait(timeout=timeout)
    except BaseException:
        _stop_child(p)
        raise
    fwd.join(timeout=5)
    col.join(timeout=5)
    out = "".join(out_parts)
    if p.returncode != 0:
        raise CrawlFailed(f"crawl process exited {p.returncode}: {''.join(tail)[-2000:]}")
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if not lines:
        raise CrawlFailed(f"crawl process printed no counts: {''.join(tail)[-2000:]}")
    return json.loads(lines[-1])


_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(?P<name>[^\]]+)\] (?P<level>[A-Z]+): ")


def quiet_line(line: str, previous: bool) -> bool:
    """Scrapy's own INFO lines (start-up dumps of middlewares and settings, stats) go to the run log
    only; warnings, errors and the project's lines reach the terminal. A line that does not start a
    record continues the one before."""
    m = _RECORD.match(line)
    if not m:
        return previous
    return m.group("level") in ("DEBUG", "INFO") and m.group("name").startswith(("scrapy", "py.warnings", "twisted"))


def _with_runs(db_path: str | Path, fn: Callable[[Any], Any]) -> Any:
    """`fn(con)` on a connection of its own: the crawl's own crawl_runs row (warehouse/runs.py)."""
    con = connect(db_path)
    try:
        return fn(con)
    finally:
        con.close()
