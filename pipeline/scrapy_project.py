"""The Scrapy project of `scrapy list` / `scrapy crawl units [-a units=a,b]` (scrapy.cfg names this module).

Scrapy reads this module's upper-case names: the crawler's settings with chuyenmuc.toml's `[crawl]`
section applied (`-s NAME=VALUE` still wins), and CHUYENMUC_STANDALONE_STORE, which tells the spider
where its units and store come from. Reading the CLI's config and creating the warehouse is the
application's part, so it lives here and not in crawlers/ (crawlers import no pipeline: pyproject's
import contracts).
"""
from __future__ import annotations

import atexit
import logging

from crawlers.run import select_units
from crawlers.settings import build_settings
from crawlers.store import CrawlState
from registry import Unit, load_plan, load_units
from registry.config import load_config
from warehouse.db import connect

globals().update(build_settings(load_config().section("crawl")))
CHUYENMUC_STANDALONE_STORE = f"{__name__}.open_store"
log = logging.getLogger("chuyenmuc.scrapy")


def open_store(unit_ids: str | None) -> tuple[list[Unit], tuple[str, ...], CrawlState]:
    """The units (all with a site, or those named, comma-separated), the plan's column patterns and the
    crawl's state read from the job's working database (the DuckDB item pipeline writes that file), as
    every writer has it: the run lock taken (waiting up to
    CHUYENMUC_LOCK_WAIT for a nightly), the working file beside chuyenmuc.toml's warehouse created or
    upgraded as `chuyenmuc db init` does, and published to the warehouse when Scrapy exits."""
    from pipeline.publish import WriterSession
    from pipeline.setup_db import init_db

    cfg = load_config()
    plan, reg = load_plan(cfg.path("plan")), load_units(cfg.path("units"))
    session = WriterSession(cfg.db_path, "scrapy crawl units").open()
    try:
        init_db(session.work, plan, reg)
        units = select_units(reg, unit_ids.split(",") if unit_ids else None)
        state = CrawlState(None, str(session.work))
        con = connect(session.work)
        try:
            state.read(con, [u.unit_id for u in units])
        finally:
            con.close()
    except BaseException:
        session.close()
        raise
    atexit.register(_publish, session)
    return units, plan.column_patterns, state


def _publish(session) -> None:  # noqa: ANN001 - a WriterSession
    """At exit, after the item pipeline closed its connection: publish what it stored, then release the lock."""
    try:
        session.publish()
        log.info("published %s", session.db)
    except Exception as e:  # noqa: BLE001 - at exit there is no caller left to tell but the log
        log.error("the crawl's working database %s was not published to %s: %s", session.work, session.db, e)
    finally:
        session.close()
