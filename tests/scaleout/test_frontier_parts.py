"""The Redis pieces on their own: round-robin queue, shared rate reservations, seeds, settings."""
from __future__ import annotations

import threading

import pytest
from scrapy import Request, Spider

from crawlers.scaleout.queues import RoundRobinQueue
from crawlers.scaleout.ratelimit import _RESERVE
from crawlers.scaleout.settings import apply, redis_settings
from pipeline.scaleout import push_seeds

pytestmark = pytest.mark.redis


class _S(Spider):
    name = "t"


def test_round_robin_queue_serves_sites_in_turn(redis_client):
    q = RoundRobinQueue(redis_client, _S(), "rr")
    for i in range(5):
        q.push(Request(f"http://a.example/{i}"))
    for i in range(2):
        q.push(Request(f"http://b.example/{i}"))
    q.push(Request("http://c.example/0"))
    assert len(q) == 8
    hosts = [q.pop().url.split("/")[2] for _ in range(8)]
    assert q.pop() is None and len(q) == 0
    # the first three pops touch three different sites; a's requests are not drained first
    assert set(hosts[:3]) == {"a.example", "b.example", "c.example"}
    assert hosts.count("a.example") == 5
    # FIFO within a site
    q.push(Request("http://a.example/x"))
    q.push(Request("http://a.example/y"))
    assert [q.pop().url, q.pop().url] == ["http://a.example/x", "http://a.example/y"]
    q.push(Request("http://d.example/"))
    q.clear()
    assert len(q) == 0 and q.pop() is None and not redis_client.keys("rr:*")


def test_rate_reservations_are_spaced_across_concurrent_clients(redis_client):
    """20 threads (each its own connection, like 20 workers) reserve the same site at once."""
    import redis

    url = redis_client.connection_pool.connection_kwargs
    waits: list[float] = []
    lock = threading.Lock()

    def reserve() -> None:
        c = redis.Redis(host=url["host"], port=url["port"])
        w = c.register_script(_RESERVE)(keys=["rate:site"], args=[100_000])  # 10 req/s
        with lock:
            waits.append(int(w) / 1e6)

    ts = [threading.Thread(target=reserve) for _ in range(20)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    waits.sort()
    gaps = [b - a for a, b in zip(waits, waits[1:], strict=False)]
    # every client got its own slot, 0.1 s apart (within the time the threads took to arrive)
    assert len(waits) == 20
    assert min(gaps) > 0.09 - 0.02 and waits[-1] >= 1.9 - 0.2


def test_settings_persist_and_replace_per_process_delay():
    s = apply({"DOWNLOAD_DELAY": 0.25, "DOWNLOADER_MIDDLEWARES": {"x.Y": 100}},
              redis_settings("redis://127.0.0.1:1/0", prefix="p"))
    assert s["SCHEDULER_PERSIST"] is True
    assert s["SCHEDULER"] == "scrapy_redis.scheduler.Scheduler"
    assert s["SCHEDULER_QUEUE_CLASS"].endswith("RoundRobinQueue")
    assert s["DOWNLOADER_MIDDLEWARES"]["x.Y"] == 100   # the crawler's own middlewares stay
    assert s["SCALEOUT_SITE_RATE"] == 4.0 and s["DOWNLOAD_DELAY"] == 0
    assert s["REDIS_START_URLS_KEY"] == "p:seeds" and s["SCHEDULER_DUPEFILTER_KEY"] == "p:dupefilter"
    with pytest.raises(ValueError, match="queue must be one of"):
        redis_settings("redis://x", queue="priority")


def test_seeds_are_pushed_in_order(redis_client):
    assert push_seeds(redis_client, "p", [{"unit_id": "a"}, {"unit_id": "b"}]) == 2
    assert redis_client.lrange("p:seeds", 0, -1) == [b'{"unit_id": "a"}', b'{"unit_id": "b"}']


def test_every_redis_key_of_a_crawl_comes_from_one_function() -> None:
    """Workers, the rate limiter, claims, the shared budget and robots.txt all name their keys through
    crawlers.scaleout.settings.keys, so one prefix (and clear_frontier's `prefix:*`) covers them all."""
    from scrapy.settings import Settings

    from crawlers.scaleout.settings import DEFAULT_PREFIX, keys, keys_of

    k = keys_of(Settings({"SCALEOUT_PREFIX": "night7"}))
    assert k == keys("night7") and len(set(k.values())) == len(k)
    assert all(v.startswith("night7:") for v in k.values())
    assert {"claimed", "budget", "robots", "rate", "workers"} <= set(k)
    assert keys_of(Settings())["claimed"] == f"{DEFAULT_PREFIX}:claimed"
