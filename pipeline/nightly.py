"""The nightly job: crawl -> channels -> extract -> tag -> refresh views (-> weekly summary), safely.

The crawl stage also extracts, tokenizes and tags the pages it stores, while it fetches
(pipeline/alongside.py); the extract and tag stages then do what is left.

Safe to run from cron (one run at a time, clear exit codes), safe to kill (every stage commits in
batches and the next run resumes where the last stopped) and safe to rerun (ids come from canonical
URLs, so nothing is stored twice).
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline import exitcodes
from pipeline.context import Context
from pipeline.interrupt import check as interrupt_check
from pipeline.interrupt import requested as interrupt_requested
from pipeline.interrupt import reraise_if_interrupt
from pipeline.lock import LockHeld
from pipeline.progress import StageProgress
from pipeline.publish import StorageError, WriterSession, explain_storage
from pipeline.setup_db import init_db
from warehouse import clock, connect, refresh_views
from warehouse.db import WarehouseError
from warehouse.publish import PublishError
from warehouse.runs import finish_run, start_run

log = logging.getLogger("chuyenmuc.nightly")
STAGES = ("crawl", "channels", "extract", "tag", "views", "weekly")


@dataclass
class RunState:
    run_id: int
    started_at: dt.datetime
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    stages: list = field(default_factory=list)


def _new_run(db: Path, command: str, args: dict, log_path: Path) -> RunState:
    # a `running` row left by a killed run was marked `interrupted` when the writer session opened
    con = connect(db)
    try:
        run_id, started = start_run(con, command, args, str(log_path))
    finally:
        con.close()
    return RunState(run_id, started)


def _finish_run(db: Path, st: RunState, status: str) -> None:
    con = connect(db)
    try:
        finish_run(con, st.run_id, status, {**st.counts, "seconds": st.seconds}, st.errors)
    finally:
        con.close()


def _log_to_file(logs_dir: Path, run_id: int) -> Path:
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / f"run-{run_id:05d}-{clock.now():%Y%m%d-%H%M%S}.log"
    h = logging.FileHandler(path, encoding="utf-8")
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(h)
    return path


def run_nightly(args: argparse.Namespace) -> int:
    ctx = Context(args)
    plan, reg, cfg = ctx.plan, ctx.registry, ctx.config  # bad files: exit 2 before anything is touched
    unit_ids = [u.strip() for u in args.units.split(",")] if getattr(args, "units", None) else None
    if unit_ids:
        known = {u.unit_id for u in reg.units}
        bad = [u for u in unit_ids if u not in known]
        if bad:
            print(f"chuyenmuc nightly: unknown unit id(s) {', '.join(bad)} (see {reg.source_path})", file=sys.stderr)
            return exitcodes.BAD_INPUT
    as_of = dt.date.fromisoformat(args.as_of) if getattr(args, "as_of", None) else clock.today()
    try:
        session = ctx.writer("nightly").open()  # waits up to --wait for another writer
    except LockHeld as e:
        print(f"chuyenmuc nightly: {e}", file=sys.stderr)
        return exitcodes.LOCKED
    except StorageError as e:
        print(f"chuyenmuc nightly: {e}", file=sys.stderr)
        return exitcodes.FAILED
    try:
        return _run_locked(args, ctx, plan, reg, cfg, session, unit_ids, as_of)
    finally:
        session.close()


def _run_locked(args, ctx, plan, reg, cfg, session: WriterSession, unit_ids, as_of: dt.date) -> int:
    db = session.work  # the job writes the working database; readers keep the published --db
    try:
        init_db(db, plan, reg)
    except (WarehouseError, duckdb.Error, OSError) as e:
        print(f"chuyenmuc nightly: cannot prepare {db}: {explain_storage(e, db) or e}", file=sys.stderr)
        return exitcodes.FAILED
    tmp_log = cfg.path("logs")
    st = _new_run(db, "nightly", {"units": unit_ids, "as_of": as_of, "proxy": getattr(args, "proxy", None)}, tmp_log)
    log_path = _log_to_file(cfg.path("logs"), st.run_id)
    log.info("nightly run %d started on %s (as of %s), log %s", st.run_id, db, as_of, log_path)
    failed = False
    wanted = [s for s in STAGES if s not in (args.skip or [])]
    st.stages = wanted
    weekday = int(cfg.section("report").get("weekly_weekday", 1))
    for stage in wanted:
        if stage == "weekly" and not (args.weekly or as_of.isoweekday() == weekday):
            continue
        t0 = time.monotonic()
        log.info("stage %s started", stage)
        try:
            interrupt_check()  # a stop swallowed inside the last stage still stops the night here
            st.counts[stage] = _run_stage(stage, args, cfg, plan, reg, db, unit_ids, as_of, st)
        except KeyboardInterrupt:
            st.seconds[stage] = round(time.monotonic() - t0, 2)
            _finish_run(db, st, "interrupted")
            print("chuyenmuc nightly: interrupted; committed batches are kept, rerun to resume", file=sys.stderr)
            return exitcodes.INTERRUPTED
        except Exception as e:
            if not (isinstance(e, duckdb.IOException | OSError) or explain_storage(e, db)):
                st.errors.append({"stage": stage, "kind": type(e).__name__, "message": str(e),
                                  "trace": traceback.format_exc(limit=5)})
                log.exception("stage %s failed", stage)  # a stage bug must not hide the others' results
                failed = True
                st.seconds[stage] = round(time.monotonic() - t0, 2)
                continue
            st.errors.append({"stage": stage, "kind": type(e).__name__, "message": str(e)})
            log.error("stage %s stopped: %s", stage, e)
            print(f"chuyenmuc nightly: stage {stage} stopped: {_explain_io(e, db)}", file=sys.stderr)
            failed = True
            st.seconds[stage] = round(time.monotonic() - t0, 2)
            break  # a full disk or a locked file: stop cleanly, nothing half-written beyond the open batch
        store_error = st.counts[stage].get("store_error") if isinstance(st.counts[stage], dict) else None
        if store_error:  # the crawl stopped fetching because its writes failed
            st.errors.append({"stage": stage, "kind": "StoreError", "message": store_error})
            print(f"chuyenmuc nightly: stage {stage} stopped: {_explain_io(RuntimeError(store_error), db)}", file=sys.stderr)
            failed = True
            st.seconds[stage] = round(time.monotonic() - t0, 2)
            break
        st.seconds[stage] = round(time.monotonic() - t0, 2)
        log.info("stage %s finished in %.1f s", stage, st.seconds[stage])
        if stage == "crawl" and no_site_reached(st.counts[stage]):
            log.error("no site answered any of %s requests: the network or the proxy is down; later stages skipped",
                      st.counts[stage].get("requests"))
            break
    if interrupt_requested():  # told to stop during the last stage, and its exception was swallowed
        _finish_run(db, st, "interrupted")
        print("chuyenmuc nightly: interrupted; committed batches are kept, rerun to resume", file=sys.stderr)
        return exitcodes.INTERRUPTED
    summary = _summary(db, st)
    summary["no_site_reached"] = no_site_reached(st.counts.get("crawl"))
    if summary["no_site_reached"]:
        failed = True
    status = "failed" if failed else ("partial" if summary["failing_sources"] or summary["run_errors"] else "ok")
    try:
        _finish_run(db, st, status)
    except Exception as e:  # a full disk: the row stays `running` and the next run marks it interrupted
        why = explain_storage(e, db)
        if why is None:
            raise
        print(f"chuyenmuc nightly: cannot record the end of run {st.run_id}: {why}", file=sys.stderr)
        status = "failed"
    if status in ("ok", "partial"):
        try:
            session.publish()
        except (StorageError, PublishError) as e:
            print(f"chuyenmuc nightly: {e}", file=sys.stderr)
            status = "failed"
    _print_summary(summary, st, status, session, log_path)
    return {"ok": exitcodes.OK, "partial": exitcodes.PARTIAL}.get(status, exitcodes.FAILED)


def no_site_reached(crawl: dict | None) -> bool:
    """The crawl sent requests and not one site answered (DNS, refused connections, proxy errors)."""
    if not isinstance(crawl, dict) or not crawl.get("requests"):
        return False
    return int(crawl.get("answered", crawl.get("responses", 0)) or 0) == 0


def _explain_io(e: Exception, db: Path) -> str:
    msg = str(e)
    if why := explain_storage(e, db):
        return why
    if "lock" in msg.lower():
        return f"{db} is locked by another program (an open DuckDB session?): close it and rerun"
    return msg.splitlines()[0] if msg else type(e).__name__


def _run_stage(stage: str, args, cfg, plan, reg, db: Path, unit_ids, as_of: dt.date, st: RunState) -> dict:
    prog = StageProgress(stage)
    try:
        if stage == "crawl":
            from pipeline.crawl_job import run_crawl
            model = None
            # process pages while the crawl fetches (pipeline/alongside.py), with the model the tag stage
            # would use; without a model file yet (first night) the tag stage trains it after the crawl,
            # so a night that reaches no site trains nothing
            if {"extract", "tag"} <= set(st.stages) and cfg.path("model").is_file():
                from pipeline.tag_job import ensure_model
                ensure_model(cfg.path("model"), plan)  # current before the first page is tagged
                model = cfg.path("model")
            return run_crawl(db, plan, reg, cfg, unit_ids=unit_ids, refetch=bool(getattr(args, "refetch", False)),
                             proxy=getattr(args, "proxy", None) or None, run_id=st.run_id, process_with=model)
        if stage == "channels":  # the units' registered official channels (issue #21)
            from pipeline.channel_job import run_channels
            return run_channels(db, reg, cfg, unit_ids=unit_ids, proxy=getattr(args, "proxy", None) or None,
                                run_id=st.run_id, refetch=bool(getattr(args, "refetch", False)))
        con = connect(db)
        try:
            if stage == "extract":
                from pipeline.extract_job import run_extract
                return run_extract(con, all=False, progress=prog, run_id=st.run_id)
            if stage == "tag":
                from pipeline.channel_tag_job import run_channel_tag
                from pipeline.tag_job import run_tag
                counts = run_tag(con, cfg.path("model"), all=False, progress=prog, run_id=st.run_id, plan=plan)
                ch = run_channel_tag(con, cfg.path("model"))  # the model file exists: run_tag made sure
                return {**counts, "channel_items_scored": ch["items_scored"], "channel_item_tags": ch["item_tags"]}
            if stage == "views":
                from pipeline.reports.settings import set_setting
                set_setting(con, "as_of", as_of.isoformat())
                set_setting(con, "dormant_days", str(cfg.section("status")["dormant_days"]))
                return {"views": len(refresh_views(con))}
            if stage == "weekly":
                from pipeline.reports.weekly import default_week, write_weekly
                week = default_week(con)
                out = write_weekly(con, cfg.path("reports"), week)
                return {"week": week, "files": [str(p) for p in out.values()]}
        finally:
            con.close()
    except Exception as e:
        reraise_if_interrupt(e)  # a signal inside a DuckDB query is an interrupt, not a failed stage
        raise
    finally:
        prog.close()
    raise ValueError(stage)


def _summary(db: Path, st: RunState) -> dict:
    con = connect(db)
    try:
        per_unit = con.execute(
            "SELECT a.unit_id, count(*) FROM articles a JOIN pages p ON p.page_id = a.article_id "
            "WHERE p.run_id = ? GROUP BY 1 ORDER BY 2 DESC, 1", [st.run_id]).fetchall()
        new_cols = con.execute("SELECT unit_id, name, url FROM unit_columns WHERE is_dedicated AND first_seen >= ? ORDER BY unit_id",
                               [st.started_at]).fetchall()
        failing = con.execute("SELECT unit_id, kind, url, status, last_error FROM source_health WHERE status <> 'ok' "
                              "ORDER BY status, unit_id").fetchall()
        errors = con.execute("SELECT count(*) FROM run_errors WHERE run_id = ?", [st.run_id]).fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    return {"new_per_unit": per_unit, "new_columns": new_cols, "failing_sources": failing, "run_errors": int(errors)}


def _more(shown: int, total: int, what: str) -> str | None:
    return f"      ... and {total - shown} more {what}" if total > shown else None


def _print_summary(s: dict, st: RunState, status: str, session: WriterSession, log_path: Path) -> None:
    out = sys.stdout
    print(f"\n== chuyenmuc nightly run {st.run_id}: {status}", file=out)
    if s.get("no_site_reached"):
        print("   no site reached: check the network/proxy", file=out)
    for stage, secs in st.seconds.items():
        c = st.counts.get(stage, {})
        brief = ", ".join(f"{k} {v}" for k, v in c.items() if isinstance(v, int | float | str) and k != "files") if isinstance(c, dict) else ""
        print(f"   {stage:8} {secs:7.1f}s  {brief}", file=out)
    total = sum(n for _, n in s["new_per_unit"])
    print(f"   new articles: {total} from {len(s['new_per_unit'])} units", file=out)
    for unit, n in s["new_per_unit"][:15]:
        print(f"      {unit:20} {n}", file=out)
    if line := _more(15, len(s["new_per_unit"]), "units"):
        print(line, file=out)
    print(f"   new dedicated columns: {len(s['new_columns'])}", file=out)
    for unit, name, url in s["new_columns"][:15]:
        print(f"      {unit:20} {name} <{url}>", file=out)
    if line := _more(15, len(s["new_columns"]), "columns"):
        print(line, file=out)
    print(f"   sources not ok: {len(s['failing_sources'])}", file=out)
    for unit, kind, url, status_, err in s["failing_sources"][:10]:
        print(f"      {status_:10} {unit:20} {kind:8} {url}  {(err or '')[:80]}", file=out)
    if line := _more(10, len(s["failing_sources"]), "sources (view source_health_summary)"):
        print(line, file=out)
    if st.errors:
        print(f"   stage errors: {len(st.errors)}", file=out)
        for e in st.errors:
            print(f"      {e['stage']}: {e['kind']}: {e['message'][:200]}", file=out)
    print(f"   typed errors logged this run: {s['run_errors']} (table run_errors)", file=out)
    if session.published:
        p = session.published
        print(f"   database: {p.path} (published: {p.bytes / 1e6:,.1f} MB in {p.seconds:.1f} s)", file=out)
    else:
        left = "it still holds the last complete night" if session.db.exists() else "no complete night yet"
        print(f"   database: {session.db} (not published this run: {left})", file=out)
    print(f"   log: {log_path}", file=out)
    out.flush()
    os.environ.setdefault("CHUYENMUC_LAST_RUN", str(st.run_id))
