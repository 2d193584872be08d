"""With 4 workers, each site's measured request rate stays at the configured per-site limit."""
from __future__ import annotations

import pytest

from tests.scaleout.miniweb import MiniWeb
from tests.scaleout.rates import max_rate, site_rates
from tests.scaleout.test_workers_mini import new_db, night

pytestmark = pytest.mark.redis


def test_max_rate_measures_the_densest_window():
    assert max_rate([0, 1, 2, 3], 2) == 1.0
    assert max_rate([0, 0.1, 0.2, 5], 3) == pytest.approx(10.0)
    assert max_rate([1.0], 5) == 0.0


def test_four_workers_keep_each_site_under_its_limit(redis_server, redis_client, tmp_path):
    limit = 6.0   # requests per second per site, all workers together
    web = MiniWeb(sites=3, lists=3, per_list=10, latency=0.02).start()
    try:
        out = night(redis_server.url, web, tmp_path, new_db(tmp_path / "r.duckdb"), 4, "rate", site_rate=limit)
        assert out["stored"] == web.all_articles()
        log = [(site, ts) for site, _, ts in web.fetches()]
        rates = site_rates(log, window_seconds=2.0, limit=limit)
        assert len(rates) == 3
        assert all(r <= limit * 1.10 for r in rates.values()), rates
        # and the limit is what paces the crawl: each site ran near it, not far below
        assert all(r >= limit * 0.7 for r in rates.values()), rates
    finally:
        web.stop()
