"""A crash (SIGKILL) while writing leaves a DuckDB file that opens with every committed batch intact.

A child process writes batches of pages through warehouse.batch.write_rows, one transaction each,
and prints the batch number after each COMMIT. It is killed at a random moment (during a write, a
commit or a checkpoint). Reopened, the file must: open; hold every batch announced as committed,
whole; hold no partial batch; and accept new writes. `chuyenmuc db init`, killed mid-run, must
leave a file a second `db init` completes.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from warehouse.db import connect

WRITER = textwrap.dedent("""
    import datetime as dt, os, sys, zlib
    sys.path.insert(0, {root!r})
    from warehouse.db import connect, migrate
    from warehouse.batch import write_rows
    con = connect(sys.argv[1])
    migrate(con)
    start = int(sys.argv[2])
    rnd = os.urandom
    b = start
    while True:
        n = 20000 if b % 4 == 3 else 300          # some big transactions, to be killed mid-way
        rows = [dict(page_id=b * 100000 + i, url=f"https://x.test/{{b}}/{{i}}", fetched_url="u", unit_id=f"b{{b}}",
                     fetched_at=dt.datetime(2021, 5, 24), body_zlib=zlib.compress(rnd(256)), body_size=256)
                for i in range(n)]
        con.execute("BEGIN TRANSACTION")
        write_rows(con, "pages", rows)
        con.execute("COMMIT")
        print(b, n, flush=True)
        if b % 5 == 4:
            con.execute("CHECKPOINT")
        b += 1
""")


def _writer(tmp: Path) -> Path:
    p = tmp / "writer.py"
    p.write_text(WRITER.format(root=str(ROOT)), encoding="utf-8")
    return p


def _run_and_kill(writer: Path, db: Path, start: int, after_lines: int, extra_delay: float) -> dict[int, int]:
    """Start the writer, wait for `after_lines` commits (+ a delay), SIGKILL it; returns batch -> rows."""
    p = subprocess.Popen([sys.executable, str(writer), str(db), str(start)], stdout=subprocess.PIPE, text=True)
    committed: dict[int, int] = {}
    try:
        assert p.stdout is not None
        deadline = time.monotonic() + 60
        while len(committed) < after_lines and time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            b, n = map(int, line.split())
            committed[b] = n
        time.sleep(extra_delay)
    finally:
        p.send_signal(signal.SIGKILL)
        out, _ = p.communicate(timeout=30)
    for line in (out or "").splitlines():  # commits announced between the last read and the kill
        b, n = map(int, line.split())
        committed[b] = n
    assert p.returncode == -signal.SIGKILL
    return committed


@pytest.mark.parametrize("seed", range(4))
def test_sigkill_while_writing_keeps_committed_batches(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    db = tmp_path / "w.duckdb"
    writer = _writer(tmp_path)
    announced: dict[int, int] = {}
    start = 0
    for _ in range(2):  # kill, reopen and verify, write more, kill again
        got = _run_and_kill(writer, db, start, rng.randint(1, 6), rng.choice([0, 0.01, 0.05, 0.2, 0.5]))
        announced.update(got)
        con = connect(db)  # opens (replays or discards the WAL) without error
        try:
            rows = dict(con.execute("SELECT unit_id, count(*) FROM pages GROUP BY unit_id").fetchall())
            dup = con.execute("SELECT count(*) - count(DISTINCT url) FROM pages").fetchone()[0]
        finally:
            con.close()
        stored = {int(k[1:]): v for k, v in rows.items()}
        for b, n in announced.items():
            assert stored.get(b) == n, f"committed batch {b} ({n} rows) has {stored.get(b)} rows after SIGKILL"
        for b, n in stored.items():
            full = 20000 if b % 4 == 3 else 300
            assert n == full, f"batch {b} is partial: {n} of {full} rows"  # a transaction is all or nothing
        assert dup == 0
        start = max(stored or {0: 0}) + 1
    con = connect(db)  # and the file still takes writes
    try:
        con.execute("INSERT INTO run_errors (stage, kind, occurred_at) VALUES ('test', 'after-crash', now())")
        assert con.execute("SELECT count(*) FROM run_errors").fetchone()[0] == 1
    finally:
        con.close()


@pytest.mark.parametrize("delay", [0.4, 1.2])
def test_sigkill_during_db_init_then_init_again(tmp_path: Path, delay: float) -> None:
    db = tmp_path / "init.duckdb"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CHUYENMUC_DB", None)
    p = subprocess.Popen([sys.executable, "-m", "pipeline", "db", "init", "--db", str(db)], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    r = run_cli("db", "init", "--db", str(db))
    assert r.code == 0, r.err
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM units").fetchone()[0] > 0
        versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
        assert versions == sorted(set(versions)) and versions
    finally:
        con.close()
    if _has_db_command("check"):  # `chuyenmuc db check` (the lead's) when merged
        r = run_cli("db", "check", "--db", str(db))
        assert r.code == 0, (r.out, r.err)


def _has_db_command(name: str) -> bool:
    import re
    return re.search(rf"^\s+{name}\b", run_cli("db", "--help").out, re.M) is not None


def test_db_check_after_sigkill_mid_write(tmp_path: Path) -> None:
    """`chuyenmuc db check` (row counts, orphans, duplicate URLs) passes on a file killed mid-write."""
    if not _has_db_command("check"):
        pytest.skip("`chuyenmuc db check` is not in this checkout yet (the lead's)")
    db = tmp_path / "w.duckdb"
    assert run_cli("db", "init", "--db", str(db)).code == 0
    _run_and_kill(_writer(tmp_path), db, 0, 3, 0.05)
    # the writer names its batches by unit id ("b0", "b1"...): register them, so only real damage counts
    con = connect(db)
    try:
        con.execute("INSERT OR IGNORE INTO units (unit_id, name, kind, valid_from, requires_column) "
                    "SELECT DISTINCT unit_id, unit_id, 'department', DATE '2021-01-01', false FROM pages")
    finally:
        con.close()
    r = run_cli("db", "check", "--db", str(db))
    assert r.code == 0, (r.out, r.err)
    # and the check does see damage: a tag without its article
    con = connect(db)
    try:
        con.execute("INSERT INTO article_themes (article_id, theme_id, score, model_version) VALUES (1, 'covid-prevention', 1, 'm')")
    finally:
        con.close()
    r = run_cli("db", "check", "--db", str(db))
    assert r.code == 1 and "tags without an article" in r.err


def test_db_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    """`chuyenmuc db backup PATH`: the copy opens and holds the same rows; refused while a writer holds the lock."""
    if not _has_db_command("backup"):
        pytest.skip("`chuyenmuc db backup` is not in this checkout yet (the lead's)")
    db = tmp_path / "w.duckdb"
    assert run_cli("db", "init", "--db", str(db)).code == 0
    _run_and_kill(_writer(tmp_path), db, 0, 2, 0.0)
    con = connect(db, read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM pages").fetchone()[0]
    finally:
        con.close()
    copy = tmp_path / "backup.duckdb"
    r = run_cli("db", "backup", str(copy), "--db", str(db))
    assert r.code == 0, (r.out, r.err)
    con = connect(copy, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == n
    finally:
        con.close()
    # while another process writes, backup must not copy a half-written file: refuse (LOCKED) or wait
    p = subprocess.Popen([sys.executable, str(_writer(tmp_path)), str(db), "1000"], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None
        p.stdout.readline()
        r = run_cli("db", "backup", str(tmp_path / "b2.duckdb"), "--db", str(db), timeout=120)
        assert r.code in (0, 4), (r.code, r.err)
        assert "Traceback" not in r.err
        if r.code == 0:
            c2 = connect(tmp_path / "b2.duckdb", read_only=True)
            c2.execute("SELECT count(*) FROM pages").fetchone()
            c2.close()
    finally:
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
