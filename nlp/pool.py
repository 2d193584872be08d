"""Worker processes for CPU-bound text work (extraction, tokenization) that never outlive their parent.

A pool worker forked from the nightly job inherits its open files, the run lock among them: a worker
left behind by a killed job would hold that lock forever. So every worker asks the kernel to kill it
when its parent dies (PR_SET_PDEATHSIG, Linux), and leaves SIGINT/SIGTERM to its parent, which
stops the pool itself (`stop_pool`) once it is told to stop.
"""
from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Linux: this process gets `sig` when the thread that started it exits (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig))


def _worker_init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # likewise; the parent stops the pool (stop_pool)
    die_with_parent(signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def process_pool(max_workers: int) -> ProcessPoolExecutor:
    """A fork-started pool whose workers die with this process."""
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_init, initargs=(os.getpid(),))


def stop_pool(pool: ProcessPoolExecutor, interrupted: bool = False) -> None:
    """Shut the pool down; when interrupted, kill its workers at once rather than wait for their work."""
    if interrupted:
        for p in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                p.kill()
    pool.shutdown(wait=True, cancel_futures=True)
