"""Pool workers never outlive the job that started them, however it ends (nlp/pool.py)."""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# a job that starts a pool, prints the pids of its workers and of their forkserver, then waits
JOB = """
import time
from nlp.pool import process_pool
pool = process_pool(2)
list(pool.map(abs, range(4)))
workers = sorted(pool._processes)
servers = {int(open(f"/proc/{w}/stat").read().rsplit(")", 1)[1].split()[1]) for w in workers}
print(" ".join(map(str, workers + sorted(servers))), flush=True)
time.sleep(600)
"""

def _gone(pid: int, timeout: float) -> bool:
    """Wait (on the kernel's event, not a sleep) for process `pid` to exit; True if it did."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_and_forkserver_exit_when_the_job_is_killed(sig):
    p = subprocess.Popen([sys.executable, "-c", JOB], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        pids = [int(x) for x in p.stdout.readline().split()]
        assert len(pids) == 3, pids  # two workers, one forkserver
        assert all(pid != p.pid for pid in pids)
        p.send_signal(sig)
        p.wait(timeout=60)
        for pid in pids:
            assert _gone(pid, 60), f"process {pid} outlived the job"
    finally:
        if p.poll() is None:
            p.kill()


CLEAN = """
from multiprocessing import forkserver, resource_tracker
from nlp.pool import process_pool, stop_pool
pool = process_pool(2)
list(pool.map(abs, range(4)))
stop_pool(pool)
print(forkserver._forkserver._forkserver_pid, resource_tracker._resource_tracker._pid, flush=True)
"""


def test_a_job_that_ends_leaves_no_helper_behind(tmp_path):
    """The forkserver and resource tracker end before the job does: whoever waits on the job (cron,
    the nightly's crawl child, a test) finds nothing of it left once it has exited."""
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("w") as fo, err.open("w") as fe:  # files, not pipes: the exit alone is waited on
        rc = subprocess.Popen([sys.executable, "-c", CLEAN], stdout=fo, stderr=fe, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}).wait(timeout=120)
    assert rc == 0, err.read_text()
    pids = [int(x) for x in out.read_text().split()]
    assert len(pids) == 2
    for pid in pids:
        assert _gone(pid, 0), f"helper {pid} outlived the job"
    assert "leaked" not in err.read_text(), err.read_text()
