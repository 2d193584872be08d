"""Helpers for the interrupt tests: the nightly job as a real process tree, watched through /proc.

Nothing here sleeps to hope: every wait is for an event (a log line, a process appearing or going,
a request count on the demo web), polled with a generous timeout.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT, demo_config

NIGHT = "2022-12-31"


def config(tmp: Path, model: Path | None = None) -> Path:
    return demo_config(tmp, model)


def nightly_cmd(cfg: Path, db: Path, proxy: str | None, *skip: str) -> list[str]:
    cmd = [sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db), "--as-of", NIGHT]
    if proxy:
        cmd += ["--proxy", proxy]
    for s in skip:
        cmd += ["--skip", s]
    return cmd


CRAWL_ONLY = ("extract", "tag", "views", "weekly")


def wait_for(pred: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `pred` until it is truthy (an event), failing after `timeout` seconds."""
    end = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def _ppid_and_state(pid: int) -> tuple[int, str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2:].split()
    return int(rest[1]), rest[0]


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for its parent)."""
    st = _ppid_and_state(pid)
    return st is not None and st[1] != "Z"


def children(pid: int) -> list[int]:
    """Live children of `pid`, from /proc."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = _ppid_and_state(int(d))
            if st and st[0] == pid and st[1] != "Z":
                out.append(int(d))
    return out


def descendants(pid: int) -> list[int]:
    """Live descendants of `pid` (children, grandchildren...), from /proc."""
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = _ppid_and_state(int(d))
            if st and st[1] != "Z":
                kids.setdefault(st[0], []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Job:
    """`chuyenmuc nightly` started in its own session (its pid is its process group), output watched."""

    def __init__(self, cmd: list[str]):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("CHUYENMUC_DB", None)
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                                  env=env, start_new_session=True)
        self.lines: list[str] = []
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.lines.append(line)

    @property
    def pid(self) -> int:
        return self.p.pid

    def saw(self, text: str) -> bool:
        return any(text in ln for ln in self.lines)

    def wait_line(self, text: str, timeout: float = 300) -> None:
        wait_for(lambda: self.saw(text) or self.p.poll() is not None, timeout, repr(text))
        assert self.saw(text), f"the job ended without {text!r}:\n{self.output[-3000:]}"

    def crawl_child(self, timeout: float = 120) -> int:
        got = wait_for(lambda: [c for c in descendants(self.pid) if "crawlers.run" in cmdline(c)]
                       or self.p.poll() is not None, timeout, "the crawl process")
        assert isinstance(got, list), f"the job ended before its crawl started:\n{self.output[-3000:]}"
        return got[0]

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def signal_group(self, sig: int) -> None:
        os.killpg(self.pid, sig)

    def wait(self, timeout: float = 300) -> int:
        rc = self.p.wait(timeout=timeout)
        self._t.join(timeout=10)
        return rc

    @property
    def output(self) -> str:
        return "".join(self.lines)


def run(cmd: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CHUYENMUC_DB", None)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)


SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT, "SIGKILL": signal.SIGKILL}
