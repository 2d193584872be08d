"""One writer at a time: a lock on a file beside the database, holding the owner's pid, command and
start time.

It is a POSIX record lock (fcntl F_SETLK), not flock: the kernel releases it when the process that
took it dies, and a child forked from that process (a pool worker left orphaned) never holds it. So a
lock whose holder is dead is never stale in effect; the file's old contents are only reported
("recovered from pid N"). A POSIX lock is dropped when its process closes any descriptor of the
file, so this module is the only code that opens it, once per process per path.
"""
from __future__ import annotations

import fcntl
import json
import os
import struct
import sys
import time
from pathlib import Path

from warehouse import clock

_HELD: set[str] = set()  # lock files this process holds (POSIX locks never conflict within a process)


class LockHeld(Exception):
    """Another run holds the lock; the message names its pid, command, start time and the lock file."""


def lock_path(db_path: str | Path) -> Path:
    return Path(str(db_path) + ".lock")


class RunLock:
    def __init__(self, db_path: Path, command: str | None = None):
        self.path = lock_path(db_path)
        self.command = command or " ".join(["chuyenmuc", *sys.argv[1:3]])
        self.fd: int | None = None
        self.previous: dict | None = None

    def acquire(self, wait: float = 0.0, poll: float = 1.0) -> RunLock:
        """Take the lock, waiting up to `wait` seconds for the holder to finish; LockHeld after that."""
        key = str(self.path.resolve())
        if key in _HELD:
            raise LockHeld(f"this process already holds {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    holder, pid = _read(fd), _holder_pid(fd)
                    os.close(fd)
                    raise LockHeld(self._held_message(holder, pid, wait)) from None
                time.sleep(min(poll, max(0.05, deadline - time.monotonic())))
        self.previous = _read(fd) or None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": self.command,
                                  "started_at": clock.now().isoformat()}).encode(), 0)
        os.fsync(fd)
        self.fd = fd
        _HELD.add(key)
        return self

    def _held_message(self, holder: dict, pid: int | None, wait: float) -> str:
        pid = pid or holder.get("pid")
        who = f"pid {pid}"
        if holder.get("pid") == pid and holder:
            who += f" ({holder.get('command') or 'chuyenmuc'}, since {holder.get('started_at')})"
        waited = f"waited {wait:.0f} s; " if wait else ""
        return (f"another chuyenmuc run holds {self.path} ({who}); {waited}"
                "wait for it to finish or stop it (the lock frees itself when that process exits)")

    @property
    def recovered_from(self) -> int | None:
        """pid of a previous holder that died without releasing (its record was still in the file)."""
        if self.previous and self.previous.get("pid") and self.previous.get("pid") != os.getpid():
            return int(self.previous["pid"])
        return None

    def release(self) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            except OSError:
                pass  # a full or read-only disk: the lock is released below all the same
            os.close(self.fd)  # closing the descriptor drops the POSIX lock
            self.fd = None
            _HELD.discard(str(self.path.resolve()))

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read(fd: int) -> dict:
    try:
        raw = os.pread(fd, 4096, 0)
        return json.loads(raw) if raw.strip() else {}
    except (OSError, ValueError):
        return {}


_FLOCK = "hhqqi4x"  # struct flock on Linux x86-64/arm64: l_type, l_whence, l_start, l_len, l_pid


def _holder_pid(fd: int) -> int | None:
    """The pid the kernel says holds the lock (F_GETLK), whatever the file's contents say."""
    try:
        req = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        l_type, _, _, _, pid = struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, req))
        return pid if l_type != fcntl.F_UNLCK and pid > 0 else None
    except (OSError, struct.error):
        return None
