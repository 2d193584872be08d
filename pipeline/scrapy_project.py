"""The Scrapy project of `scrapy list` / `scrapy crawl units [-a units=a,b]` (scrapy.cfg names this module).

Scrapy reads this module's upper-case names: the crawler's settings with chuyenmuc.toml's `[crawl]`
section applied (`-s NAME=VALUE` still wins), and CHUYENMUC_STANDALONE_STORE, which tells the spider
where its units and store come from. Reading the CLI's config and creating the warehouse is the
application's part, so it lives here and not in crawlers/ (crawlers import no pipeline: pyproject's
import contracts).
"""
from __future__ import annotations

from crawlers.run import select_units
from crawlers.settings import build_settings
from crawlers.store import CrawlStore
from registry import Unit, load_plan, load_units
from registry.config import load_config
from warehouse.db import connect

globals().update(build_settings(load_config().section("crawl")))
CHUYENMUC_STANDALONE_STORE = f"{__name__}.open_store"


def open_store(unit_ids: str | None) -> tuple[list[Unit], tuple[str, ...], CrawlStore]:
    """The units (all with a site, or those named, comma-separated), the plan's column patterns and a
    store on chuyenmuc.toml's warehouse, created or upgraded first as `chuyenmuc db init` does."""
    from pipeline.setup_db import init_db

    cfg = load_config()
    plan, reg = load_plan(cfg.path("plan")), load_units(cfg.path("units"))
    init_db(cfg.db_path, plan, reg)
    units = select_units(reg, unit_ids.split(",") if unit_ids else None)
    store = CrawlStore(connect(cfg.db_path), None)
    store.load([u.unit_id for u in units])
    return units, plan.column_patterns, store
