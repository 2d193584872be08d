"""Running the `units` spider in this process (CrawlerProcess) against a warehouse file.

`crawl()` is what `chuyenmuc crawl` and pipeline.crawl_job call; Twisted's reactor cannot be started
twice in one process, so callers that crawl more than once (tests, the nightly job) run it through
`python -m crawlers.run` (JSON job on stdin, JSON counts on the last stdout line).
"""
from __future__ import annotations

import json
import logging
import resource
import sys
from pathlib import Path
from typing import Any

from crawlers.counts import crawl_counts
from crawlers.settings import build_settings
from crawlers.store import CrawlState
from registry import Plan, Registry, Unit, load_plan, load_units
from registry.config import Config
from warehouse.db import connect


def select_units(reg: Registry, unit_ids: list[str] | None) -> list[Unit]:
    """The units to crawl: those named (unknown ids are a ValidationError), else every unit with a site."""
    if not unit_ids:
        return reg.with_sites()
    from registry.errors import ValidationError
    known = {u.unit_id for u in reg.units}
    bad = [u for u in unit_ids if u not in known]
    if bad:
        raise ValidationError("--units", [("(argument)", "units", f"unknown unit id {b!r}") for b in bad])
    return [reg.unit(u) for u in unit_ids]


def crawl(db_path: str | Path, plan: Plan, reg: Registry, config: Config, unit_ids: list[str] | None = None,
          refetch: bool = False, proxy: str | None = None, run_id: int | None = None,
          settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl in-process; returns counts. The schema must exist (pipeline.setup_db.init_db)."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.spiders.units import UnitsSpider

    units = select_units(reg, unit_ids)
    state = CrawlState(run_id, str(db_path))
    con = connect(db_path)
    try:
        state.read(con, [u.unit_id for u in units])
    finally:
        con.close()  # the DuckDB item pipeline opens its own connection on this file
    st = build_settings(config.section("crawl"), proxy, settings)
    # under `chuyenmuc` logging is already set up: Scrapy must not add a second root handler
    st.setdefault("LOG_INSTALL_ROOT_HANDLER", not logging.getLogger().handlers)
    process = CrawlerProcess(st)
    crawler = process.create_crawler(UnitsSpider)
    failed: list[Any] = []  # a crawl that cannot start (a broken extension...) must not look like an empty night
    process.crawl(crawler, units=units, patterns=plan.column_patterns, state=state, refetch=refetch).addErrback(
        failed.append)
    process.start()
    if failed:
        failed[0].raiseException()
    counts = crawl_counts(crawler.stats.get_stats() if crawler.stats else {})
    counts["store_error"] = getattr(crawler.spider, "store_error", None)
    return counts


def main() -> int:
    """`python -m crawlers.run` < job.json: one crawl in a fresh process; counts as the last JSON line."""
    job = json.loads(sys.stdin.read())
    cfg = Config(job["config"], Path(job["config_root"]), job.get("config_source", "(job)"))
    counts = crawl(job["db"], load_plan(job["plan"]), load_units(job["units_file"]), cfg, job.get("unit_ids"),
                   bool(job.get("refetch")), job.get("proxy"), job.get("run_id"), job.get("settings"))
    # this process's own peak memory, so a run's counts show what the crawl cost (Linux: ru_maxrss in KiB)
    counts["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    sys.stdout.write("\n" + json.dumps(counts) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
