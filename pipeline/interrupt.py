"""SIGTERM and SIGINT stop a command the same way: as KeyboardInterrupt, raised once in the main thread.

Every job then takes the one path an interrupted run takes (stop its children, mark the run
`interrupted`, exit 130). A second signal while that path runs is logged and ignored, so the
clean-up itself (bounded: children get a grace period, then SIGKILL) is not cut short.
"""
from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import duckdb

log = logging.getLogger("chuyenmuc")
_fired: list[int] = []  # the signals received by this process (the handler's record)


class Interrupted(KeyboardInterrupt):
    """Raised by the signal handler; names the signal."""


def install() -> None:
    """Route SIGTERM and SIGINT to `Interrupted` (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return
    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if _fired:
            log.warning("%s received again while stopping: still stopping", name)
            return
        _fired.append(signum)
        log.warning("%s received: stopping (committed work is kept; rerun to resume)", name)
        raise Interrupted(name)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def is_interrupt(e: BaseException) -> bool:
    """Whether `e` is how a stop request surfaced. A signal that lands while DuckDB runs a query comes
    back as duckdb.InterruptException, an ordinary Exception: the per-page isolation and the stage
    error handling must not take it for a bad page or a failed stage."""
    return isinstance(e, KeyboardInterrupt | duckdb.InterruptException) or bool(_fired)


def reraise_if_interrupt(e: BaseException) -> None:
    """Raise Interrupted (from `e`) when `e` is a stop request in disguise; otherwise return."""
    if is_interrupt(e) and not isinstance(e, KeyboardInterrupt):
        name = signal.Signals(_fired[0]).name if _fired else "INTERRUPT"
        raise Interrupted(name) from e


def check() -> None:
    """Raise Interrupted if a stop was requested. Called between batches: a signal whose exception was
    swallowed on the way (DuckDB runs the handler while a query checks for signals, and may clear the
    exception it raised) still stops the job at the next batch."""
    if _fired:
        raise Interrupted(signal.Signals(_fired[0]).name)


def requested() -> bool:
    """Whether this process was told to stop (SIGTERM/SIGINT), whatever became of the exception."""
    return bool(_fired)
