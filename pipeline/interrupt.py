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

log = logging.getLogger("chuyenmuc")


class Interrupted(KeyboardInterrupt):
    """Raised by the signal handler; names the signal."""


def install() -> None:
    """Route SIGTERM and SIGINT to `Interrupted` (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return
    fired: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if fired:
            log.warning("%s received again while stopping: still stopping", name)
            return
        fired.append(signum)
        log.warning("%s received: stopping (committed work is kept; rerun to resume)", name)
        raise Interrupted(name)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
