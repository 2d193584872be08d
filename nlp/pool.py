"""Worker processes for CPU-bound text work (extraction, tokenization) that never outlive their job.

Why forkserver, not fork: the processes that start pools are multi-threaded by then (DuckDB's
scheduler and jemalloc threads, OpenBLAS's), and a plain fork copies whatever lock such a thread
held into a child that can never release it: a worker that hangs forever, and a night that never
ends. The forkserver is a fresh single-threaded interpreter (started once per process, with the
heavy libraries imported once) that forks the workers; they inherit none of the job's open files
either, so a worker left behind can never hold the run lock.

A forkserver worker is not the job's child, and it holds the write end of its own task queue and
the forkserver's liveness pipe: when the job is SIGKILLed, neither the worker nor the forkserver ever
sees an end of file. So every worker watches the job itself (a pidfd, Linux; a poll elsewhere) and
exits the moment the job is gone; the forkserver then exits with its last worker. Workers leave
SIGINT/SIGTERM to the job, which stops the pool itself (`stop_pool`) once it is told to stop.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_PR_SET_PDEATHSIG = 1

# imported once in the forkserver, so each worker starts with them loaded (a few seconds each otherwise)
PRELOAD = ["numpy", "lxml.html", "trafilatura", "underthesea", "sklearn.linear_model", "nlp.tokenize"]


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Linux: this process gets `sig` when the thread that started it exits (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig))


def _exit_when_gone(owner: int) -> None:
    """Block until process `owner` has exited, then end this process at once."""
    try:
        fd = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(1)
    except (OSError, AttributeError):  # no pidfd (old kernel, not Linux): look every two seconds
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(2.0)
    select.select([fd], [], [])  # readable once the process has exited
    os._exit(1)


def _worker_init(owner: int, ready: list[Any], init: Callable[..., Any] | None, args: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the whole group: the job decides
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # likewise; the job stops the pool (stop_pool)
    die_with_parent(signal.SIGKILL)                # the forkserver gone: so is this worker
    threading.Thread(target=_exit_when_gone, args=(owner,), name="owner-watch", daemon=True).start()
    if init is not None:
        init(*args)
    ready[0].wait()  # every worker up before process_pool returns


def _noop() -> None:
    return None


def _context() -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)  # takes effect when the server starts (once per process)
    global _helpers_registered
    if not _helpers_registered:
        atexit.register(stop_helpers)
        _helpers_registered = True
    return ctx


_helpers_registered = False
HELPER_GRACE = 10.0  # seconds the forkserver and resource tracker get to exit before they are killed


def _end(pid: int | None, fd: int | None) -> None:
    """Close a helper's liveness pipe (it exits on end of file), wait for it, kill it if it lingers."""
    if pid is None:
        return
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
    deadline = time.monotonic() + HELPER_GRACE
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        if time.monotonic() > deadline:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)  # its workers follow (PR_SET_PDEATHSIG)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            return
        time.sleep(0.02)


def stop_helpers() -> None:
    """End this process's forkserver and resource tracker (at exit; also safe to call earlier, the
    next pool starts them again). Why: without it they outlive the job by a moment, holding its
    stdout and stderr, so whoever waits for the job's output to end (cron, a test) waits on them."""
    from multiprocessing import forkserver, resource_tracker
    fs = forkserver._forkserver
    with contextlib.suppress(Exception):
        pid, fd = fs._forkserver_pid, fs._forkserver_alive_fd
        fs._forkserver_pid = fs._forkserver_alive_fd = None
        address, fs._forkserver_address = fs._forkserver_address, None
        _end(pid, fd)
        if address and not address.startswith("\0"):
            with contextlib.suppress(OSError):
                os.unlink(address)
    rt = resource_tracker._resource_tracker
    with contextlib.suppress(Exception):
        pid, fd = rt._pid, rt._fd
        rt._pid = rt._fd = None
        _end(pid, fd)


START_TIMEOUT = 300.0  # seconds the workers get to start (the first pool also starts the forkserver)


class PoolStartError(RuntimeError):
    """The worker processes did not all start."""


def process_pool(max_workers: int, initializer: Callable[..., Any] | None = None,
                 initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of forkserver-started workers that die with this process, all started when this
    returns; `initializer(*initargs)` runs in each (a model to load, say: workers inherit nothing of
    the job's memory).

    Why all at once: a worker still starting when the job stops the pool fails inside
    multiprocessing with a traceback on the job's stderr. So SIGINT/SIGTERM that arrive while the
    workers start are held, and delivered (to the job's own handlers) once they all have."""
    ctx = _context()
    ready = [ctx.Barrier(max_workers + 1)]  # a box: emptied once the workers are up, so the barrier's
    # semaphores are freed then, not left for the exit (the executor keeps its initargs)
    held: list[int] = []
    old: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        old = {sig: signal.signal(sig, lambda s, _f: held.append(s)) for sig in (signal.SIGINT, signal.SIGTERM)}
    pool = ProcessPoolExecutor(max_workers=max_workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(os.getpid(), ready, initializer, initargs))
    try:
        try:
            for _ in range(max_workers):  # one task each: every submit while none is idle starts a worker
                pool.submit(_noop)
            ready[0].wait(timeout=START_TIMEOUT)
        except threading.BrokenBarrierError:
            raise PoolStartError(f"{max_workers} worker processes did not start within {START_TIMEOUT:.0f} s") from None
        finally:
            ready.clear()
            for sig, handler in old.items():
                signal.signal(sig, handler)
        for sig in held[:1]:
            signal.raise_signal(sig)  # the job's own handler, now that stopping the pool is clean
    except BaseException:
        stop_pool(pool, interrupted=True)
        raise
    return pool


def stop_pool(pool: ProcessPoolExecutor, interrupted: bool = False) -> None:
    """Shut the pool down; when interrupted, kill its workers at once rather than wait for their work."""
    if interrupted:
        for p in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                p.kill()
    pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def pool_for(items: int, processes: int, min_items: int) -> Iterator[ProcessPoolExecutor | None]:
    """One pool for a whole job of `items` pieces of work, or None (work in this process) when there
    are fewer than `min_items` or one process. Why one for the job: each pool start forks its workers
    and each worker loads its libraries' models again (underthesea's CRF: 0.2 s of CPU), so a pool
    per batch spent that again for every batch. Stopped on the way out, at once when interrupted."""
    pool = process_pool(processes) if items >= min_items and processes > 1 else None
    try:
        yield pool
    except BaseException as e:
        if pool is not None:
            stop_pool(pool, interrupted=not isinstance(e, Exception))
            pool = None
        raise
    finally:
        if pool is not None:
            stop_pool(pool)
