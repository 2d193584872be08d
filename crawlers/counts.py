"""The counts of one crawl, assembled from crawler.stats in one place (the single process and workers).

The spider counts under `chuyenmuc/NAME` and per unit under `chuyenmuc/unit/UNIT/NAME`; the item
pipelines count what they wrote (`chuyenmuc/pages_written`, `chuyenmuc/errors`); Scrapy counts the
requests and responses.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UNIT = "chuyenmuc/unit/"


def per_unit(stats: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """{unit_id: {name: n}} from the per-unit stats."""
    out: dict[str, dict[str, int]] = {}
    for k, v in stats.items():
        if k.startswith(UNIT):
            unit, name = k[len(UNIT):].rsplit("/", 1)
            out.setdefault(unit, {})[name] = int(v)
    return out


# count name -> the stats key it is read from
STATS_KEYS: dict[str, str] = {
    "requests": "downloader/request_count", "responses": "downloader/response_count",
    "robots_requests": "robotstxt/request_count", "robots_cache_hits": "robotstxt/cache_hit",
    "pages_stored": "chuyenmuc/pages_written", "new_articles": "chuyenmuc/pages_stored",
    "not_modified": "chuyenmuc/not_modified", "duplicates": "chuyenmuc/duplicates",
    "columns_found": "chuyenmuc/columns_found", "categories_seen": "chuyenmuc/categories_seen",
    "sources_failing": "chuyenmuc/sources_failing", "errors": "chuyenmuc/errors",
}


def crawl_counts(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The counts a crawl reports (`chuyenmuc crawl`, a worker's last line, the crawl_runs row)."""
    out: dict[str, Any] = {name: int(stats.get(key, 0) or 0) for name, key in STATS_KEYS.items()}
    out["per_unit"] = per_unit(stats)
    out["finish_reason"] = str(stats.get("finish_reason", ""))
    # responses below 500 (a site, not a proxy or gateway, answered); 0 with requests: no site reached
    out["answered"] = sum(int(v) for k, v in stats.items()
                          if k.startswith("downloader/response_status_count/") and int(k.rsplit("/", 1)[1]) < 500)
    # what an extension processed in the crawl process (pipeline/alongside.py), when one ran
    side = {k.rsplit("/", 1)[1]: v if isinstance(v, float) else int(v)
            for k, v in stats.items() if k.startswith("chuyenmuc/alongside/")}
    if side:
        out["processed_while_crawling"] = side.get("pages", 0)
        out["alongside"] = side
    return out
