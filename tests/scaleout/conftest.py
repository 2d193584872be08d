"""Fixtures: a private redis-server (Debian's binary, free loopback port, temp dir) and a mini web."""
from __future__ import annotations

import pytest
import redis

from crawlers.scaleout.redis_server import LocalRedis, find_redis_server
from tests.conftest import missing_service
from tests.scaleout.miniweb import MiniWeb


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A redis-server started for this test session; never assumed to be running already."""
    if find_redis_server() is None:
        missing_service("redis-server binary not found (apt-get install -y redis-server; .ci/services.sh does)")
    srv = LocalRedis(tmp_path_factory.mktemp("redis")).start()
    yield srv
    srv.stop()


@pytest.fixture
def redis_client(redis_server):  # type: ignore[no-untyped-def]
    c = redis.Redis.from_url(redis_server.url)
    c.flushdb()
    yield c
    c.flushdb()


@pytest.fixture
def miniweb():  # type: ignore[no-untyped-def]
    web = MiniWeb(sites=3, lists=3, per_list=8, latency=0.01).start()
    yield web
    web.stop()
