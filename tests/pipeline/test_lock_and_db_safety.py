"""One run at a time, stale-lock recovery, integrity check and backup."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import duckdb

from tests.conftest import ROOT

HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from pipeline.lock import RunLock
lock = RunLock(Path({db!r})).acquire()
print("held", flush=True)
time.sleep(60)
"""


def _hold_lock(db):
    p = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT), db=str(db))], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def test_second_nightly_waits_then_exits_4_naming_the_holder(tmp_path, cli):
    db = tmp_path / "w.duckdb"
    holder = _hold_lock(db)
    try:
        r = cli("nightly", "--db", str(db), "--skip", "crawl", "--wait", "1", timeout=60)
        assert r.code == 4, (r.code, r.err)
        assert "another chuyenmuc run holds" in r.err and f"pid {holder.pid}" in r.err and "waited 1 s" in r.err
        assert not db.exists(), "a locked-out run must not touch the database"
        assert not (tmp_path / "w.work.duckdb").exists()
    finally:
        holder.kill()
        holder.wait()


ORPHAN = """
import os, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from pipeline.lock import RunLock
lock = RunLock(Path({db!r})).acquire()
child = os.fork()
if child == 0:              # a pool worker forked while the lock was held
    time.sleep(60)
    os._exit(0)
print("held", child, flush=True)
time.sleep(60)
"""


def test_lock_of_a_dead_holder_is_recovered_even_with_orphaned_workers(tmp_path, cli):
    """#22 item 3: a worker forked by the holder outlives it; the lock is free once the holder is dead."""
    db = tmp_path / "w.duckdb"
    p = subprocess.Popen([sys.executable, "-c", ORPHAN.format(root=str(ROOT), db=str(db))], stdout=subprocess.PIPE, text=True)
    word, child = p.stdout.readline().split()
    assert word == "held"
    r = cli("db", "init", "--db", str(db), "--wait", "0")
    assert r.code == 4 and f"pid {p.pid}" in r.err, r.err
    p.send_signal(signal.SIGKILL)
    p.wait()
    try:
        r = cli("db", "init", "--db", str(db), "--wait", "0")
        assert r.code == 0, r.err
        assert f"lock recovered from pid {p.pid}" in r.err
        assert os.path.exists(f"/proc/{child}"), "the orphaned worker is still alive, holding the lock file open"
    finally:
        os.kill(int(child), signal.SIGKILL)


def test_lock_left_by_a_killed_run_is_recovered(tmp_path):
    db = tmp_path / "w.duckdb"
    holder = _hold_lock(db)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    from pipeline.lock import RunLock
    lock = RunLock(db).acquire()
    try:
        assert lock.recovered_from == holder.pid
    finally:
        lock.release()


def test_check_finds_orphans_and_backup_is_consistent(tmp_path, cli):
    db = tmp_path / "w.duckdb"
    assert cli("db", "init", "--db", str(db)).code == 0
    r = cli("db", "check", "--db", str(db))
    assert r.code == 0 and "no orphans" in r.out
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO article_themes (article_id, theme_id, score, model_version) VALUES (42, 'covid-prevention', 0.9, 'm')")
    con.close()
    r = cli("db", "check", "--db", str(db))
    assert r.code == 1 and "tags without an article: 1" in r.err
    backup = tmp_path / "copy.duckdb"
    r = cli("db", "backup", "--db", str(db), str(backup))
    assert r.code == 0, r.err
    con = duckdb.connect(str(backup), read_only=True)
    assert con.execute("SELECT count(*) FROM units").fetchone()[0] == 43
    assert con.execute("SELECT count(*) FROM article_themes").fetchone()[0] == 1
    con.close()
    r = cli("db", "backup", "--db", str(db), str(backup))
    assert r.code == 2 and "already exists" in r.err


def test_backup_and_check_work_while_a_run_holds_the_lock(tmp_path, cli):
    """Readers never take the writer's lock: the published file is never written in place."""
    db = tmp_path / "w.duckdb"
    assert cli("db", "init", "--db", str(db)).code == 0
    holder = _hold_lock(db)
    try:
        r = cli("db", "backup", "--db", str(db), str(tmp_path / "b.duckdb"))
        assert r.code == 0, r.err
        assert (tmp_path / "b.duckdb").exists()
        assert cli("db", "check", "--db", str(db)).code == 0
    finally:
        holder.kill()
        holder.wait()


def test_writer_killed_mid_transaction_leaves_a_consistent_file(tmp_path, cli):
    """SIGKILL a process committing batches in a loop: the file reopens, passes the check, no half batch."""
    db = tmp_path / "w.duckdb"
    assert cli("db", "init", "--db", str(db)).code == 0
    writer = f"""
import sys, datetime as dt
sys.path.insert(0, {str(ROOT)!r})
from warehouse import connect, write_rows
con = connect({str(db)!r})
i = 0
print("start", flush=True)
while True:
    rows = [dict(page_id=i * 1000 + k, url=f"https://x.vn/{{i}}/{{k}}", fetched_url="u", unit_id="so-y-te",
                 fetched_at=dt.datetime(2021, 6, 1)) for k in range(1000)]
    con.execute("BEGIN")
    write_rows(con, "pages", rows)
    con.execute("COMMIT")
    i += 1
    print("committed", i, flush=True)
"""
    p = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True, env={**os.environ})
    assert p.stdout.readline().strip() == "start"
    for _ in range(3):  # three batches committed; the kill lands in the loop's next transaction or between
        assert p.stdout.readline().startswith("committed")
    p.send_signal(signal.SIGKILL)
    p.wait()
    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("SELECT count(*) FROM pages").fetchone()[0]
    con.close()
    assert n > 0 and n % 1000 == 0, n
    r = cli("db", "check", "--db", str(db))
    assert r.code == 0, r.err


def test_a_program_holding_the_working_file_makes_writers_wait_then_exit_4(tmp_path, cli):
    """Someone opened data/x.work.duckdb (they should not): the writer waits --wait, then exits 4
    naming the process DuckDB reports; the published file stays readable throughout."""
    db = tmp_path / "w.duckdb"
    assert cli("db", "init", "--db", str(db)).code == 0
    code = ("import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print('open', flush=True)\ntime.sleep(60)")
    p = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "w.work.duckdb")], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "open"
        r = cli("db", "init", "--db", str(db), "--wait", "1")
        assert r.code == 4, (r.code, r.err)
        assert "another program holds the working database" in r.err and str(p.pid) in r.err, r.err
        assert cli("db", "check", "--db", str(db)).code == 0
    finally:
        p.kill()
        p.wait()
    assert cli("db", "init", "--db", str(db), "--wait", "0").code == 0
