"""A recording item pipeline for spider tests: every item the spider yields, as one JSON line."""
from __future__ import annotations

import json
from typing import Any

from crawlers.items import CrawlItem
from crawlers.pipelines import ItemsPipeline


class RecordingPipeline(ItemsPipeline):
    """Stores nothing: writes (type, row) of each item to CHUYENMUC_RECORD_ITEMS (a JSONL path)."""

    def open_spider(self, spider: Any = None) -> None:
        self.out = open(self.crawler.settings["CHUYENMUC_RECORD_ITEMS"], "w", encoding="utf-8")  # noqa: SIM115

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, CrawlItem):
            row = {k: v for k, v in item.row.items() if k not in ("body_zlib",)}
            self.out.write(json.dumps({"type": type(item).__name__, "row": row}, default=str) + "\n")
        return super().process_item(item, spider)

    def write_pages(self, rows: list[dict[str, Any]]) -> None:
        pass

    def write_state(self, tables: dict, errors: list) -> None:
        pass

    def release(self) -> None:
        self.out.close()
