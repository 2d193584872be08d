"""The `units` spider on the real Scrapy engine against the mini web, with a recording pipeline in place
of the DuckDB one: what it yields is the night's work, and the spider itself writes nothing."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.crawlers.test_crawl_minisite import _crawl, mini  # noqa: F401 - the mini web fixture
from warehouse.db import connect


def test_the_spider_yields_typed_items_and_stores_nothing(mini, tmp_path: Path) -> None:  # noqa: F811
    web, proxy, reg, db = mini
    record = tmp_path / "items.jsonl"
    counts = _crawl(db, reg, proxy, settings_extra={
        "ITEM_PIPELINES": {"tests.crawlers.recording.RecordingPipeline": 300},
        "CHUYENMUC_RECORD_ITEMS": str(record)})
    items = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    kinds = Counter(i["type"] for i in items)
    a, c = web.sites["a.test"], web.sites["c.test"]
    expected = {f"https://a.test/{cat}/{p}.html" for p, cat, _ in a.articles if cat != "noi-bo"}
    expected |= {f"https://c.test/{cat}/{p}.html" for p, cat, _ in c.articles}
    pages = [i["row"] for i in items if i["type"] == "PageItem"]
    assert sorted(p["url"] for p in pages) == sorted(expected)  # each allowed article once
    assert all(p["http_status"] == 200 and p["body_size"] > 0 for p in pages)
    assert counts["new_articles"] == len(expected)
    cols = {i["row"]["url"]: i["row"] for i in items if i["type"] == "ColumnItem"}
    assert [u for u, r in cols.items() if r["is_dedicated"]] == ["https://a.test/dua-nq"]
    health = {(i["row"]["unit_id"], i["row"]["kind"]): i["row"]["status"] for i in items if i["type"] == "HealthItem"}
    assert health[("so-b", "site")] in ("failing", "dead")     # the site that is down
    assert ("so-a", "feed") in health and ("so-c", "sitemap") in health
    assert {i["row"]["kind"] for i in items if i["type"] == "ErrorItem"} >= {"robots-disallowed"}
    assert kinds["RobotsItem"] >= 2 and kinds["SourceItem"] >= 1
    dedicated = next(r["column_id"] for r in cols.values() if r["is_dedicated"])
    attributed = {i["row"]["url"] for i in items if i["type"] == "AttributionItem" and i["row"]["column_id"] == dedicated}
    assert attributed == {f"https://a.test/dua-nq/{p}.html" for p, cat, _ in a.articles if cat == "dua-nq"}
    # without the DuckDB pipeline nothing reached the warehouse: the spider only yields
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM source_health").fetchone()[0] == 0
    finally:
        con.close()
