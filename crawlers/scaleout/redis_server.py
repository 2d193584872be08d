"""Start a private redis-server (Debian's binary) on a free loopback port, in a temp dir.

Used by the tests, the benchmark and `pipeline.scaleout` when no --redis URL is given: Redis is
never assumed to be running. Persistence is off (the frontier of one night is disposable: the
incremental crawl re-reads feeds and listings), and it binds 127.0.0.1 only.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis


class RedisUnavailable(RuntimeError):
    """No redis-server binary on this machine (install Debian's `redis-server`)."""


def find_redis_server() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).is_file()), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalRedis:
    """A redis-server child process; `url` is what workers connect to. Use as a context manager."""

    def __init__(self, workdir: str | Path | None = None, port: int | None = None):
        binary = find_redis_server()
        if binary is None:
            raise RedisUnavailable("redis-server not found: apt-get install -y redis-server")
        self.binary = binary
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="chuyenmuc-redis-")
        self.dir = Path(workdir) if workdir else Path(self._tmp.name)  # type: ignore[union-attr]
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> LocalRedis:
        args = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir),
                "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no",
                "--logfile", str(self.dir / "redis.log")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log = (self.dir / "redis.log").read_text(errors="replace")[-2000:] if (self.dir / "redis.log").exists() else ""
                    self.stop()
                    raise RedisUnavailable(f"redis-server did not start on port {self.port}: {log}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
