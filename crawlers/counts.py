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


def crawl_counts(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The counts a crawl reports (`chuyenmuc crawl`, a worker's last line, the crawl_runs row)."""
    def n(key: str) -> int:
        return int(stats.get(key, 0) or 0)
    return dict(
        requests=n("downloader/request_count"),
        responses=n("downloader/response_count"),
        robots_requests=n("robotstxt/request_count"),
        robots_cache_hits=n("robotstxt/cache_hit"),
        pages_stored=n("chuyenmuc/pages_written"),
        new_articles=n("chuyenmuc/pages_stored"),
        not_modified=n("chuyenmuc/not_modified"),
        duplicates=n("chuyenmuc/duplicates"),
        columns_found=n("chuyenmuc/columns_found"),
        categories_seen=n("chuyenmuc/categories_seen"),
        sources_failing=n("chuyenmuc/sources_failing"),
        errors=n("chuyenmuc/errors"),
        per_unit=per_unit(stats),
        finish_reason=str(stats.get("finish_reason", "")),
        # responses below 500 (a site, not a proxy or gateway, answered); 0 with requests: no site reached
        answered=sum(int(v) for k, v in stats.items()
                     if k.startswith("downloader/response_status_count/") and int(k.rsplit("/", 1)[1]) < 500),
    )
