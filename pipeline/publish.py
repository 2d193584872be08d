"""The writer's session: lock, working database, publish. Every command that writes goes through it.

    with WriterSession(db, "crawl", wait=args.wait) as s:   # LockHeld after `wait` seconds
        run_crawl(s.work, ...)
        s.publish()                                         # --db now holds this run

Readers (reports, exports, `db check`, notebooks) open `--db` read-only and never meet the lock.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import duckdb

from pipeline.lock import LockHeld, RunLock
from warehouse.db import open_file
from warehouse.publish import Published, PublishError, is_disk_full, is_read_only, publish, seed, work_path
from warehouse.runs import mark_interrupted

log = logging.getLogger("chuyenmuc.publish")

DEFAULT_WAIT = 300.0  # seconds a writer waits for another writer before exiting 4 (--wait, $CHUYENMUC_LOCK_WAIT)


class StorageError(Exception):
    """The disk is full or the folder is read-only: the message says which file and what to do."""


def default_wait() -> float:
    try:
        return float(os.environ.get("CHUYENMUC_LOCK_WAIT", DEFAULT_WAIT))
    except ValueError:
        return DEFAULT_WAIT


def explain_storage(e: BaseException, path: Path) -> str | None:
    """A one-line explanation for a full disk or a read-only folder, else None."""
    if is_disk_full(e):
        return (f"the disk holding {path} is full: free space and rerun "
                "(committed batches are kept; the published warehouse is still the last complete one)")
    if is_read_only(e):
        return f"{path}: cannot write there (read-only file system or no permission): {_first_line(e)}"
    return None


def _first_line(e: BaseException) -> str:
    s = str(e).strip()
    return s.splitlines()[0][:300] if s else type(e).__name__


class WriterSession:
    def __init__(self, db: str | Path, command: str, wait: float | None = None):
        self.db = Path(db)
        self.work = work_path(self.db)
        self.command = command
        self.wait = default_wait() if wait is None else max(0.0, float(wait))
        self.lock = RunLock(self.db, command=f"chuyenmuc {command}")
        self.published: Published | None = None
        self.interrupted_runs: list[int] = []

    def open(self) -> WriterSession:
        t0 = time.monotonic()
        try:
            self.lock.acquire(wait=self.wait)
        except OSError as e:
            raise StorageError(explain_storage(e, self.lock.path) or f"{self.lock.path}: {_first_line(e)}") from None
        try:
            if self.lock.recovered_from:
                log.warning("lock recovered from pid %s, which exited without releasing it", self.lock.recovered_from)
            self._wait_for_file(self.wait - (time.monotonic() - t0))
            if seed(self.work, self.db):
                log.warning("%s was not published from %s (restored, copied in, or from before the split): "
                            "the working database starts from it", self.db, self.work)
            self._mark_interrupted()
        except (OSError, duckdb.Error, PublishError) as e:
            self.lock.release()
            why = explain_storage(e, self.work)
            if why:
                raise StorageError(why) from None
            raise
        except BaseException:
            self.lock.release()
            raise
        return self

    def _wait_for_file(self, wait: float) -> None:
        """Another program (not a chuyenmuc writer) may have the working file open: wait, then LockHeld."""
        if not self.work.exists():
            return
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                open_file(self.work).close()
                return
            except duckdb.IOException as e:
                msg = str(e)
                if "lock" not in msg.lower():
                    raise
                if time.monotonic() >= deadline:
                    holder = msg.split("Conflicting lock is held in", 1)[-1].strip().splitlines()[0] if \
                        "Conflicting lock" in msg else msg.splitlines()[0]
                    raise LockHeld(f"another program holds the working database {self.work} ({holder}); "
                                   f"waited {wait:.0f} s; close it (analysts open {self.db}, never the working file)") from None
                time.sleep(1.0)

    def _mark_interrupted(self) -> None:
        """Under the lock no other run is alive, so a `running` row is a run that was killed or crashed."""
        if not self.work.exists():
            return
        con = open_file(self.work)
        try:
            self.interrupted_runs = mark_interrupted(con)
            for rid in self.interrupted_runs:
                log.warning("run %s was interrupted (killed or crashed); its committed batches are kept", rid)
        finally:
            con.close()

    def publish(self) -> Published:
        """Publish the working database to --db; StorageError when the disk is full (--db untouched)."""
        try:
            self.published = publish(self.work, self.db)
        except (OSError, duckdb.Error) as e:
            why = explain_storage(e, self.db)
            if why:
                raise StorageError(f"publishing failed: {why}") from None
            raise PublishError(f"publishing {self.work} to {self.db} failed: {_first_line(e)}") from None
        log.info("published %s (%s bytes) in %.2f s", self.db, f"{self.published.bytes:,}", self.published.seconds)
        return self.published

    def close(self) -> None:
        self.lock.release()

    def __enter__(self) -> WriterSession:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def add_wait_option(p) -> None:
    p.add_argument("--wait", type=_seconds, default=None, metavar="SECONDS",
                   help=f"wait this long for another writer (a nightly, a label import) before exiting 4 "
                        f"(default {DEFAULT_WAIT:.0f}, or $CHUYENMUC_LOCK_WAIT)")


def _seconds(s: str) -> float:
    import argparse
    try:
        v = float(s)
    except ValueError:
        v = -1.0
    if not (v >= 0) or v == float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds >= 0: {s!r}")
    return v
