"""Analysts and the nightly job share the warehouse (#16): readers open the published --db read-only,
the job writes <name>.work.duckdb and publishes atomically; a second writer waits, then exits 4."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, demo_config

demoweb = pytest.importorskip("demoweb.server", reason="the demo web package is not in this checkout")

NIGHT1, NIGHT2 = dt.date(2022, 12, 30), dt.date(2022, 12, 31)
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ENV.pop("CHUYENMUC_DB", None)


def _wait_for(cond, timeout: float, what: str) -> None:
    """Wait on an event (a file appearing, a lock taken) with a generous timeout."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except FileNotFoundError:
        return -1


def _config(tmp: Path, model: Path) -> Path:
    return demo_config(tmp, model)


def _cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=ROOT,
                          env=ENV, timeout=timeout)


def _nightly(cfg: Path, db: Path, proxy: str, as_of: dt.date, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "nightly", "--config", str(cfg), "--db", str(db), "--proxy", proxy,
            "--as-of", as_of.isoformat(), "--skip", "weekly", *extra]


@pytest.fixture(scope="module")
def night1(tmp_path_factory):
    """A published warehouse after night 1 on the demo web, and the web serving night 2."""
    tmp = tmp_path_factory.mktemp("published")
    model = tmp / "themes.joblib"
    r = _cli("themes", "train", "--out", str(model), timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    cfg = _config(tmp, model)
    db = tmp / "w.duckdb"
    web = demoweb.DemoWeb(scale=1, seed=7, as_of=NIGHT1)
    web.start(0)
    try:
        p = subprocess.run(_nightly(cfg, db, web.proxy_url, NIGHT1), capture_output=True, text=True, cwd=ROOT,
                           env=ENV, timeout=900)
        assert p.returncode in (0, 3), (p.returncode, p.stderr[-3000:])
        web.set_as_of(NIGHT2)
        yield dict(tmp=tmp, cfg=cfg, db=db, web=web, night1=p)
    finally:
        web.stop()


LOOPER = r"""
import sys, time, os
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)   # held for the whole night: never reconnects
stop = sys.argv[2]
print("ready", flush=True)
n = 0
try:
    while not os.path.exists(stop) or n < 5:
        runs = con.execute("SELECT count(*), max(run_id) FROM crawl_runs").fetchall()[0]
        arts = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        cols = con.execute("SELECT count(*) FROM column_status").fetchall()[0][0]
        print(runs[0], runs[1], arts, cols, flush=True)
        n += 1
        time.sleep(0.02)
except Exception as e:
    print("ERROR", type(e).__name__, e, flush=True)
    sys.exit(1)
"""


def test_analysts_reports_and_a_second_nightly_during_a_nightly(night1, tmp_path):
    """The whole of night 2 runs while (a) this process holds a read-only connection, (b) another process
    queries in a loop on its own read-only connection, (c) reports and an export run, (d) a second
    nightly is started at the same moment: it waits, then exits 4 naming the one that runs."""
    db, cfg, web = night1["db"], night1["cfg"], night1["web"]
    analyst = duckdb.connect(str(db), read_only=True)
    runs_before, max_before = analyst.execute("SELECT count(*), max(run_id) FROM crawl_runs").fetchall()[0]
    arts_before = analyst.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    stop = tmp_path / "stop"
    looper = subprocess.Popen([sys.executable, "-c", LOOPER, str(db), str(stop)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    assert looper.stdout.readline().strip() == "ready"
    out_lines: list[str] = []
    reader = threading.Thread(target=lambda: out_lines.extend(looper.stdout), daemon=True)
    reader.start()

    a = subprocess.Popen(_nightly(cfg, db, web.proxy_url, NIGHT2, "--wait", "5"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)
    b = subprocess.Popen(_nightly(cfg, db, web.proxy_url, NIGHT2, "--wait", "5"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)
    lock = Path(str(db) + ".lock")
    _wait_for(lambda: lock.exists() and str(lock.read_text() or "").startswith('{"pid"'), 120, "a nightly to take the lock")
    import json
    holder = json.loads(lock.read_text())["pid"]
    runner, waiter = (a, b) if holder == a.pid else (b, a)
    assert holder in (a.pid, b.pid)

    # reports and an export against the published night while the nightly runs
    rep = tmp_path / "rep"
    results = {}

    def run(name: str, *args: str) -> None:
        results[name] = _cli(*args, "--config", str(cfg), "--db", str(db), timeout=600)

    jobs = [threading.Thread(target=run, args=("weekly", "report", "weekly", "--week", "2022-W50", "--out", str(rep))),
            threading.Thread(target=run, args=("annual", "report", "annual", "--year", "2021", "--out", str(rep))),
            threading.Thread(target=run, args=("export", "export", "column_status", "--format", "csv",
                                                "--out", str(rep / "cs.csv"))),
            threading.Thread(target=run, args=("check", "db", "check"))]
    for j in jobs:
        j.start()
    for j in jobs:
        j.join()
    reports_during = runner.poll() is None
    for name, r in results.items():
        assert r.returncode == 0, (name, r.returncode, r.stderr[-2000:])
        assert "Traceback" not in r.stderr, (name, r.stderr[-2000:])

    w_out, w_err = waiter.communicate(timeout=300)
    assert waiter.returncode == 4, (waiter.returncode, w_err[-2000:])
    assert f"pid {runner.pid}" in w_err and "chuyenmuc nightly" in w_err and "waited 5 s" in w_err, w_err[-2000:]
    assert runner.poll() is None, "the running nightly finished before the second one's wait was over"

    r_out, r_err = runner.communicate(timeout=900)
    assert runner.returncode in (0, 3), (runner.returncode, r_err[-3000:])
    assert reports_during, "the reports finished after the nightly: they did not run during it"

    # the held connection still answers from night 1; a new one sees night 2
    assert analyst.execute("SELECT count(*), max(run_id) FROM crawl_runs").fetchall()[0] == (runs_before, max_before)
    assert analyst.execute("SELECT count(*) FROM articles").fetchall()[0][0] == arts_before
    analyst.close()
    stop.write_text("")
    looper.wait(timeout=60)
    reader.join(timeout=10)
    assert looper.returncode == 0, (out_lines[-5:], looper.stderr.read())
    assert not [ln for ln in out_lines if ln.startswith("ERROR")]
    seen = {tuple(ln.split()[:3]) for ln in out_lines}
    assert seen == {(str(runs_before), str(max_before), str(arts_before))}, seen
    assert len(out_lines) > 20
    fresh = duckdb.connect(str(db), read_only=True)
    try:
        runs_after, max_after = fresh.execute("SELECT count(*), max(run_id) FROM crawl_runs").fetchall()[0]
        assert (runs_after, max_after) == (runs_before + 1, max_before + 1)  # the waiter wrote no run row
        status = fresh.execute("SELECT status FROM crawl_runs WHERE run_id = ?", [max_after]).fetchall()[0][0]
        assert status in ("ok", "partial")
        new = fresh.execute("SELECT count(*) FROM articles a JOIN pages p ON p.page_id = a.article_id "
                            "WHERE p.run_id = ?", [max_after]).fetchall()[0][0]
        assert new > 0 and fresh.execute("SELECT count(*) FROM articles").fetchall()[0][0] == arts_before + new
    finally:
        fresh.close()

    # quiet start-up at the default log level: Scrapy's dumps reach the run log, not the terminal
    for noise in ("[scrapy.middleware] INFO", "Enabled spider middlewares", "Overridden settings",
                  "RANDOMIZE_DOWNLOAD_DELAY", "ScrapyDeprecationWarning", "Dumping Scrapy stats"):
        assert noise not in r_err, noise
    logs = sorted((night1["tmp"] / "logs").glob(f"run-{max_after:05d}-*.log"))
    text = logs[-1].read_text(encoding="utf-8") if logs else ""
    # which dumps Scrapy writes varies (2.19 dropped "Overridden settings"; extensions are not always
    # listed): its middleware dump is there on every night
    assert "[scrapy.middleware] INFO: Enabled downloader middlewares" in text, text[:3000]
    assert f"published {db}" in r_err and "database: " + str(db) in r_out


def test_published_file_is_read_only_on_disk(night1):
    """A read-write open gets DuckDB's error; a read-only open works. Root ignores file modes, so as
    root the check runs without the capabilities that override them (setpriv), as an analyst would."""
    import shutil
    db = night1["db"]
    assert (db.stat().st_mode & 0o222) == 0
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: file modes cannot be shown to apply")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]
    code = ("import duckdb, sys\n"
            "try:\n    duckdb.connect(sys.argv[1])\nexcept duckdb.Error as e:\n    print('refused', e)\n"
            "print(duckdb.connect(sys.argv[1], read_only=True).execute('SELECT count(*) FROM units').fetchall())")
    r = subprocess.run([*prefix, sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "refused" in r.stdout and "Permission denied" in r.stdout, r.stdout
    assert "[(43,)]" in r.stdout


def test_sigkill_during_publishing_leaves_the_db_whole(night1, tmp_path):
    """Kill the nightly while it writes the new copy: --db is the old night or the new one, whole; the
    next run completes and publishes. The working file is made large so the copy takes a while."""
    db = tmp_path / "k.duckdb"
    db.write_bytes(night1["db"].read_bytes())  # a published warehouse, as if restored from a backup
    cfg = night1["cfg"]
    views_only = ["--skip", "crawl", "--skip", "extract", "--skip", "tag", "--wait", "0"]
    r = subprocess.run(_nightly(cfg, db, "http://127.0.0.1:9", NIGHT2, *views_only), capture_output=True,
                       text=True, cwd=ROOT, env=ENV, timeout=600)
    assert r.returncode in (0, 3), r.stderr[-2000:]
    work = tmp_path / "k.work.duckdb"
    con = duckdb.connect(str(work))
    con.execute("CREATE TABLE ballast AS SELECT i, repeat(md5(i::VARCHAR), 40)::BLOB AS b FROM range(300000) t(i)")
    con.close()
    tmp = tmp_path / ".k.duckdb.publishing"
    con = duckdb.connect(str(work), read_only=True)
    runs0 = con.execute("SELECT count(*) FROM crawl_runs").fetchall()[0][0]
    con.close()
    outcomes = []
    for kill_at in ("start", "middle"):
        old = db.read_bytes()
        p = subprocess.Popen(_nightly(cfg, db, "http://127.0.0.1:9", NIGHT2, *views_only), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV)
        want = 1 if kill_at == "start" else work.stat().st_size // 2
        if tmp.exists():  # the copy the last kill left: this run removes it when it opens, then makes its own
            _wait_for(lambda p=p: p.poll() is not None or not tmp.exists(), 300, "the left-over copy to go")
        _wait_for(lambda p=p, want=want: p.poll() is not None or _size(tmp) >= want, 300, "the publish copy to start")
        p.send_signal(signal.SIGKILL)
        p.wait()
        now = db.read_bytes()
        outcomes.append("old" if now == old else "new")
        assert now == old or len(now) == work.stat().st_size
        r = _cli("db", "check", "--db", str(db))
        assert r.returncode == 0, r.stderr
        assert "ok: no orphans" in r.stdout
    assert "old" in outcomes, outcomes  # at least one kill landed inside the copy
    r = subprocess.run(_nightly(cfg, db, "http://127.0.0.1:9", NIGHT2, *views_only), capture_output=True,
                       text=True, cwd=ROOT, env=ENV, timeout=600)
    assert r.returncode in (0, 3), r.stderr[-2000:]
    assert not tmp.exists()
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM ballast").fetchall()[0][0] == 300000
        assert con.execute("SELECT count(*) FROM crawl_runs WHERE status = 'running'").fetchall()[0][0] == 0
        # the killed runs had finished their work (publishing is last), so their rows are there too
        assert con.execute("SELECT count(*) FROM crawl_runs").fetchall()[0][0] == runs0 + 3
    finally:
        con.close()
