"""A small real Scrapy spider for the scale-out tests: home -> listings -> articles, incremental
(articles already in the warehouse are not fetched again; home and listings are always re-read)."""
from __future__ import annotations

import time
from typing import Any

import scrapy


class MiniSpider(scrapy.Spider):
    name = "mini"

    @staticmethod
    def base_settings() -> dict[str, Any]:
        return {"ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 8,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "DOWNLOAD_DELAY": 0, "TELNETCONSOLE_ENABLED": False,
                "ITEM_PIPELINES": {"crawlers.scaleout.spool.SpoolPipeline": 300},
                "SCALEOUT_SPOOL_BATCH": 5}

    def __init__(self, known_db: str = "", **kw: Any):
        super().__init__(**kw)
        self.known: set[str] = set()
        if known_db:
            import duckdb
            con = duckdb.connect(known_db, read_only=True)
            try:
                self.known = {r[0] for r in con.execute("SELECT url FROM mini_pages").fetchall()}
            finally:
                con.close()

    def requests_for_seed(self, seed: dict[str, Any]):  # type: ignore[no-untyped-def]
        yield scrapy.Request(seed["url"], callback=self.parse, dont_filter=True)

    def parse(self, response):  # type: ignore[no-untyped-def]
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if "/list/" in href:
                yield scrapy.Request(url, callback=self.parse)
            elif "/a/" in href and url not in self.known:
                yield scrapy.Request(url, callback=self.parse_article)

    def parse_article(self, response):  # type: ignore[no-untyped-def]
        yield {"_table": "mini_pages", "url": response.url, "title": response.css("title::text").get(),
               "worker": self.settings.get("SCALEOUT_WORKER_ID"), "fetched_at": time.time()}
