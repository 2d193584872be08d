"""Signals of the chuyenmuc crawl, sent through `crawler.signals` as Scrapy's own are.

`pages_stored(page_ids, rows)`: a batch of pages has been committed to the store (the DuckDB pipeline)
and can be read by others in this process: what lets later stages start while the crawl still fetches
(pipeline/alongside.py) without the crawler knowing about them. `rows` are those `pages` rows as
written (dicts), so a reader in this process need not read them back.
"""
from __future__ import annotations

pages_stored = object()
