"""Progress that suits where it runs: a bar on a terminal, plain periodic log lines under cron."""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

log = logging.getLogger("chuyenmuc.progress")

ProgressFn = Callable[[int, int | None], None]  # (done, total or None)


class StageProgress:
    """Call with (done, total). On a TTY draws a tqdm bar; otherwise logs at most every `every` seconds."""

    def __init__(self, stage: str, every: float = 10.0, stream=None):
        self.stage = stage
        self.every = every
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = None
        self.last = 0.0
        self.done = 0
        self.used = False
        self.sub = ""

    def __call__(self, done: int | str, total: int | None = None) -> None:
        """Either (done, total) or (sub_stage, increment): jobs report in whichever form suits them."""
        if isinstance(done, str):
            self.sub = done
            done, total = self.done + int(total or 0), None
        self.done = done
        self.used = True
        if self.tty:
            if self.bar is None:
                from tqdm import tqdm
                self.bar = tqdm(total=total, desc=self.stage, unit="item", file=self.stream, leave=True)
            if total is not None and self.bar.total != total:
                self.bar.total = total
            self.bar.n = done
            self.bar.refresh()
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            log.info("%s%s: %d%s done", self.stage, f" ({self.sub})" if self.sub else "", done, f"/{total}" if total else "")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.used:
            log.info("%s: finished, %d done", self.stage, self.done)
