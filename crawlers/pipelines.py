"""Item pipelines of the `units` spider: they store what it yields (crawlers/items.py), nothing else.

- DuckDBStorePipeline: the single-process crawl (`chuyenmuc crawl`, `scrapy crawl units`) writes the
  working database the spider's state was read from, through a CrawlStore: pages in batches of
  `page_batch`, each its own transaction; the state rows (health, columns, sources, errors, robots,
  attributions) in one transaction at the end.
- SpoolPipeline: a scale-out worker writes the same rows as Parquet batches in its spool directory;
  one writer merges the spools (pipeline/scaleout.py).
ITEM_PIPELINES (crawlers/settings.py) chooses; the worker settings swap one for the other.

Why the end of the night comes through `spider_closed` and not `close_spider`: Scrapy closes the item
pipelines before it sends spider_closed, and tells them no close reason, yet the last items depend on
it (a crawl stopped early forgets the validators of the sources whose links were not all fetched, see
UnitsSpider.closing_items). So the pipelines finish on spider_closed, where the reason is known.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from crawlers import signals as crawl_signals
from crawlers.items import CrawlItem, ErrorItem, PageItem


def _short(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0][:300] if text else ''}"


class ItemsPipeline:
    """What both pipelines share: page rows in batches, keyed state rows kept last-seen, errors appended,
    counts into crawler.stats (`chuyenmuc/...`), and the end-of-night items taken from the spider."""

    page_batch = 100
    committed = False  # True where a written batch is readable by others (a database, not a spool)

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.pages: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.state: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        self.failed = False
        crawler.signals.connect(self._finish, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ItemsPipeline:
        return cls(crawler)

    # ---- writing: what a pipeline does with rows
    def write_pages(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def write_state(self, tables: dict[str, list[dict[str, Any]]], errors: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def release(self) -> None:
        """Close what the pipeline opened (after the last write, also after a failed one)."""

    # ---- items
    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, CrawlItem):
            return item
        if isinstance(item, PageItem):
            if self.failed:
                raise DropItem("the store takes no more writes")
            self.pages.append(item.row)
            if len(self.pages) >= self.page_batch:
                self._flush()
        elif isinstance(item, ErrorItem):
            self.errors.append(item.row)
        else:
            self.state.setdefault(item.TABLE, {})[item.key] = item.row
        return item

    def _flush(self) -> None:
        if not self.pages or self.failed:
            return
        rows, self.pages = self.pages, []
        try:
            self.write_pages(rows)
        except Exception as e:  # the database takes no more writes (a full disk...): fetching more is waste
            self._store_failed(e)
            return
        self.crawler.stats.inc_value("chuyenmuc/pages_written", len(rows))
        if self.committed:  # readers of the store in this process may take these pages now
            self.crawler.signals.send_catch_log(signal=crawl_signals.pages_stored,
                                                page_ids=[r["page_id"] for r in rows], rows=rows)

    def _store_failed(self, e: BaseException) -> None:
        self.failed = True
        spider = self.crawler.spider
        if spider is not None and not getattr(spider, "store_error", None):
            spider.store_error = _short(e)
            spider.logger.error("cannot store pages any more, stopping the crawl: %s", spider.store_error)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="store_failed"))

    def _finish(self, spider: Any = None, reason: str = "") -> None:
        spider = spider or self.crawler.spider
        try:
            closing: Iterable[Any] = spider.closing_items(reason) if hasattr(spider, "closing_items") else ()
            for item in closing:
                if isinstance(item, PageItem):
                    continue
                self.process_item(item, spider)
            self._flush()
            tables = {t: [rows[k] for k in sorted(rows, key=repr)] for t, rows in self.state.items()}
            try:
                self.write_state(tables, self.errors)
            except Exception as e:  # recorded for the caller: the run row says failed
                spider.store_error = getattr(spider, "store_error", None) or _short(e)
                spider.logger.error("cannot store the crawl's last batch: %s", spider.store_error)
            self.crawler.stats.set_value("chuyenmuc/errors", len(self.errors))
        finally:
            self.release()


class DuckDBStorePipeline(ItemsPipeline):
    """The single-process crawl: writes the DuckDB file the spider's CrawlState was read from."""

    committed = True

    def open_spider(self, spider: Any = None) -> None:
        from crawlers.store import CrawlStore
        from warehouse.db import connect

        spider = spider or self.crawler.spider
        state = spider.state
        if not state.db_path:
            raise ValueError("DuckDBStorePipeline: the spider's CrawlState names no database (db_path)")
        self.con = connect(state.db_path)
        self.store = CrawlStore(self.con, state.run_id, self.page_batch)

    def write_pages(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.store._pages.append(row)
        self.store.flush_pages()

    def write_state(self, tables: dict[str, list[dict[str, Any]]], errors: list[dict[str, Any]]) -> None:
        if self.failed:  # as before: what the failed store still holds in memory is written if it can be
            self.store._pages = []
        self.store.write_state(tables.get("source_health", []), tables.get("unit_columns", []),
                               tables.get("sources", []), errors, tables.get("robots_cache", []),
                               tables.get("_attrib", []))

    def release(self) -> None:
        con = getattr(self, "con", None)
        if con is not None:
            con.close()
            self.con = None


class SpoolPipeline(ItemsPipeline):
    """A scale-out worker: the same rows as Parquet files in SCALEOUT_SPOOL_DIR (never the warehouse)."""

    def open_spider(self, spider: Any = None) -> None:
        from crawlers.scaleout.spool import SpoolWriter

        s = self.crawler.settings
        self.spool = SpoolWriter(s.get("SCALEOUT_SPOOL_DIR"), s.get("SCALEOUT_WORKER_ID", "w0"), batch=self.page_batch)

    def write_pages(self, rows: list[dict[str, Any]]) -> None:
        self.spool.extend("pages", rows)
        self.spool.flush("pages")

    def write_state(self, tables: dict[str, list[dict[str, Any]]], errors: list[dict[str, Any]]) -> None:
        for table in ("source_health", "unit_columns", "sources"):
            self.spool.extend(table, tables.get(table, []))
        self.spool.extend("run_errors", errors)
        self.spool.extend("robots_cache", tables.get("robots_cache", []))
        self.spool.extend("_attrib", tables.get("_attrib", []))
        self.spool.close()
