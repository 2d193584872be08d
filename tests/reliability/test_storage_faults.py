"""Disk and read-only faults (#22 item 7): a full disk during the crawl or at start, a read-only file
system. Clear messages and exit codes, never a traceback; the crawl stops fetching once its writes
fail; run rows always finish (the next run marks a row it could not close); read-only commands work
on a read-only file system. Real small file systems (tmpfs), so these need root (CI runs as root)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest

from tests.conftest import crawl_child_of, demo_config

demoweb = pytest.importorskip("demoweb.server", reason="the demo web package is not in this checkout")
NIGHT1 = dt.date(2022, 12, 30)


def _mount(where: Path, size: str, *opts: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *opts]), "tmpfs", str(where)],
                   check=True, capture_output=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs mounted on tmp_path/disk (resized or made read-only by the test); unmounted after."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    where = tmp_path / "disk"
    where.mkdir()
    try:
        _mount(where, "64m")
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        pytest.skip(f"cannot mount tmpfs here: {e}")

    def remount(*opts: str) -> None:
        subprocess.run(["mount", "-o", ",".join(["remount", *opts]), str(where)], check=True, capture_output=True,
                       timeout=30)

    yield where, remount
    subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True, timeout=30)


def _cfg(tmp_path: Path) -> Path:
    return demo_config(tmp_path, tmp_path / 'model.joblib')


def _ok_message(r) -> None:
    assert "Traceback" not in r.err, r.err[-3000:]


def test_disk_full_during_the_crawl_stops_it_and_the_next_night_recovers(small_disk, tmp_path, cli):
    disk, remount = small_disk
    cfg, db = _cfg(tmp_path), disk / "w.duckdb"
    web = demoweb.DemoWeb(scale=1, seed=7, as_of=NIGHT1)
    web.start(0)
    try:
        env = {**os.environ}
        env.pop("CHUYENMUC_DB", None)
        p = subprocess.Popen([sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db),
                              "--proxy", web.proxy_url, "--skip", "tag", "--as-of", NIGHT1.isoformat()],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert p.stderr is not None
        err: list[str] = []
        for line in p.stderr:  # the schema is in place once the crawl starts: then fill the disk
            err.append(line)
            if "stage crawl started" in line:
                break
        # the crawl process (crawlers.run) has committed its first page batch once the WAL grows again
        wal = disk / "w.work.duckdb.wal"
        end = time.monotonic() + 300
        while not crawl_child_of(p.pid) and p.poll() is None and time.monotonic() < end:
            time.sleep(0.01)
        while not (wal.exists() and wal.stat().st_size > 0) and p.poll() is None and time.monotonic() < end:
            time.sleep(0.01)
        assert p.poll() is None, "the night ended before its first page batch"
        st = os.statvfs(disk)
        left = max(0, st.f_bavail * st.f_frsize - 2**17)  # leave 128 KB: a page batch or two, not the night's
        with open(disk / "filler", "wb") as f:
            try:
                while left > 0:
                    left -= f.write(b"\0" * min(left, 2**16))
                    f.flush()
            except OSError:  # the crawl took the last of it meanwhile: the disk is full all the same
                pass
        out, rest = p.communicate(timeout=600)
        r = type("R", (), {"code": p.returncode, "out": out, "err": "".join(err) + rest})
        assert r.code == 1, (r.code, r.out[-2000:], r.err[-2000:])
        _ok_message(r)
        assert f"the disk holding {disk / 'w.work.duckdb'} is full" in r.err
        assert "finish_reason store_failed" in r.out  # the crawl stopped fetching at the first failed write
        assert not db.exists(), "nothing half-done is published"
        (disk / "filler").unlink()
        first_requests = len(web.stats())
        web.reset_stats()
        remount("size=64m")
        r = cli("nightly", "--config", str(cfg), "--db", str(db), "--proxy", web.proxy_url, "--skip", "tag",
                "--as-of", NIGHT1.isoformat(), timeout=600)
        assert r.code in (0, 3), (r.code, r.err[-3000:])
    finally:
        web.stop()
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = dict(con.execute("SELECT run_id, status FROM crawl_runs").fetchall())
    finally:
        con.close()
    assert rows[1] in ("failed", "interrupted") and rows[2] in ("ok", "partial"), rows
    assert "running" not in rows.values()
    assert first_requests > 0


def test_full_disk_at_start_is_a_clear_message(small_disk, tmp_path, cli):
    disk, remount = small_disk
    remount("size=2m")
    with open(disk / "filler", "wb") as f:  # fill the disk to the last byte
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    cfg, db = _cfg(tmp_path), disk / "w.duckdb"
    for args in (["db", "init"], ["nightly", "--skip", "crawl"], ["tag"]):
        r = cli(*args, "--config", str(cfg), "--db", str(db), timeout=300)
        assert r.code == 1, (args, r.code, r.err[-2000:])
        _ok_message(r)
        assert "is full" in r.err, (args, r.err[-2000:])
    assert not db.exists()


def test_read_only_file_system(small_disk, tmp_path, cli):
    """Writers say the folder is read-only (exit 1); reports, exports and `db check` work on it."""
    disk, remount = small_disk
    cfg, db = _cfg(tmp_path), disk / "w.duckdb"
    assert cli("db", "init", "--config", str(cfg), "--db", str(db)).code == 0
    remount("ro")
    for args in (["db", "init"], ["nightly", "--skip", "crawl"], ["extract"]):
        r = cli(*args, "--config", str(cfg), "--db", str(db), timeout=300)
        assert r.code == 1, (args, r.code, r.err[-2000:])
        _ok_message(r)
        assert "read-only file system" in r.err, (args, r.err[-2000:])
    out = tmp_path / "out"
    for args in (["report", "weekly", "--week", "2022-W50", "--out", str(out)],
                 ["report", "annual", "--year", "2021", "--out", str(out)],
                 ["export", "column_status", "--format", "csv", "--out", str(out / f"{uuid.uuid4().hex}.csv")],
                 ["db", "check"]):
        r = cli(*args, "--config", str(cfg), "--db", str(db), timeout=300)
        assert r.code == 0, (args, r.code, r.err[-2000:])
    assert sys.executable  # (the CLI ran from this interpreter)
