"""One run at a time: an flock on a file beside the database, holding the owner's pid and start time.

flock is released by the kernel when the holder dies, so a lock left by a killed run is never stale
in effect; the file's old contents are only reported ("recovered from pid N").
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path


class LockHeld(Exception):
    """Another run holds the lock; the message names its pid, start time and the lock file."""


class RunLock:
    def __init__(self, db_path: Path):
        self.path = Path(str(db_path) + ".lock")
        self.fd: int | None = None
        self.previous: dict | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            who = f"pid {holder.get('pid')} since {holder.get('started_at')}" if holder else "another process"
            raise LockHeld(f"another chuyenmuc run holds {self.path} ({who}); "
                           "wait for it to finish, or stop it (the lock frees itself when it exits)") from None
        self.previous = _read(fd) or None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "started_at": dt.datetime.now().isoformat(timespec="seconds")}).encode())
        os.fsync(fd)
        self.fd = fd
        return self

    @property
    def recovered_from(self) -> int | None:
        """pid of a previous holder that died without releasing (its record was still in the file)."""
        if self.previous and self.previous.get("pid") and self.previous.get("pid") != os.getpid():
            return int(self.previous["pid"])
        return None

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
        return json.loads(raw) if raw.strip() else {}
    except (OSError, ValueError):
        return {}
