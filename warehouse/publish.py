"""Two files per warehouse: the working database the job writes and the published copy readers open.

DuckDB lets one process write a file, and a reader blocks that writer. So the job never writes the
file analysts open (`--db`): it writes `<name>.work.duckdb` beside it and, at the end of a run,
publishes: checkpoint the working file, copy it to a temporary name, fsync, make it read-only on
disk and rename it over `--db` (then fsync the folder). A reader that holds the old file keeps
reading it (its inode lives until it closes); a reader that opens after the rename sees the new
night. A crash or SIGKILL at any moment leaves `--db` either the old or the new file, whole.

The published copy is the whole working database, raw page bodies included: publishing is then a
file copy (no re-encoding), and the working file can be rebuilt from it without loss.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from warehouse.db import open_file


class PublishError(Exception):
    """Publishing or seeding failed; the message names the files, `--db` is untouched."""


@dataclass
class Published:
    path: Path
    bytes: int
    seconds: float


def work_path(db: str | Path) -> Path:
    """The job's working database for the published file `db`: `data/x.duckdb` -> `data/x.work.duckdb`."""
    db = Path(db)
    return db.with_name(f"{db.stem}.work{db.suffix}") if db.suffix else db.with_name(db.name + ".work")


def temp_path(db: str | Path) -> Path:
    """Where the next copy is written before the rename; a leftover one is a killed publish."""
    db = Path(db)
    return db.with_name(f".{db.name}.publishing")


def _record_path(work: Path) -> Path:
    return work.with_name(work.name + ".published")


def _fingerprint(p: Path) -> dict:
    s = p.stat()
    return {"ino": s.st_ino, "size": s.st_size, "mtime_ns": s.st_mtime_ns}


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(src: Path, dst: Path, mode: int) -> int:
    """Copy src to dst (created fresh), fsync it; returns its size."""
    dst.unlink(missing_ok=True)
    with open(src, "rb") as fi, open(dst, "xb") as fo:
        if hasattr(os, "sendfile"):
            _sendfile(fi.fileno(), fo.fileno())
        else:
            shutil.copyfileobj(fi, fo, 8 << 20)
        fo.flush()
        os.fsync(fo.fileno())
    os.chmod(dst, mode)
    return dst.stat().st_size


def _sendfile(fi: int, fo: int) -> None:
    offset, size = 0, os.fstat(fi).st_size
    while offset < size:
        n = os.sendfile(fo, fi, offset, min(size - offset, 1 << 30))
        if n == 0:
            break
        offset += n


def checkpoint(work: Path) -> None:
    """Fold the WAL into the working file so the file alone is the whole database."""
    con = open_file(work)
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if Path(str(work) + ".wal").exists() and Path(str(work) + ".wal").stat().st_size:
        raise PublishError(f"{work}: its WAL is still in use after a checkpoint (is another program writing it?)")


def publish(work: str | Path, db: str | Path) -> Published:
    """Replace `db` atomically by a read-only copy of `work`. The caller holds the run lock."""
    work, db = Path(work), Path(db)
    t0 = time.monotonic()
    checkpoint(work)
    tmp = temp_path(db)
    try:
        size = _copy(work, tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        con = open_file(tmp, read_only=True)  # a copy DuckDB cannot open is never published
        con.close()
        os.replace(tmp, db)
        _fsync_dir(db.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _record_path(work).write_text(json.dumps(_fingerprint(db)), encoding="utf-8")
    return Published(db, size, round(time.monotonic() - t0, 3))


def published_elsewhere(work: Path, db: Path) -> bool:
    """True when `db` is not the file this working database last published (restored from a backup,
    copied in by hand, or a single-file warehouse from before the split)."""
    if not db.exists():
        return False
    if not work.exists():
        return True
    rec = _record_path(work)
    try:
        return json.loads(rec.read_text(encoding="utf-8")) != _fingerprint(db)
    except (OSError, ValueError):
        return True


def seed(work: Path, db: Path) -> bool:
    """Make the working database a copy of `db` when `db` was not published from it; True if done.

    A `db` with a WAL (a single-file warehouse left by a crash) is checkpointed first, so nothing in
    its WAL is lost.
    """
    work, db = Path(work), Path(db)
    temp_path(db).unlink(missing_ok=True)  # a publish killed before its rename
    if not published_elsewhere(work, db):
        return False
    if Path(str(db) + ".wal").exists():
        checkpoint(db)
    tmp = work.with_name(work.name + ".seeding")
    _copy(db, tmp, 0o644)
    for side in (Path(str(work) + ".wal"), work):
        side.unlink(missing_ok=True)
    os.replace(tmp, work)
    _record_path(work).write_text(json.dumps(_fingerprint(db)), encoding="utf-8")
    return True


def _chain(e: BaseException | None):
    """The exception and those it was raised from or during (a failed ROLLBACK hides a failed COMMIT)."""
    seen = 0
    while e is not None and seen < 10:
        yield e
        e, seen = e.__cause__ or e.__context__, seen + 1


def is_disk_full(e: BaseException) -> bool:
    """DuckDB reports a full disk as text inside several exception types; the OS as ENOSPC."""
    return any((isinstance(x, OSError) and x.errno in (errno.ENOSPC, errno.EDQUOT)) or "No space left on device" in str(x)
               for x in _chain(e))


def is_read_only(e: BaseException) -> bool:
    return any((isinstance(x, OSError) and x.errno in (errno.EROFS, errno.EACCES, errno.EPERM))
               or "Read-only file system" in str(x) or "Permission denied" in str(x) for x in _chain(e))
