"""What the `units` spider yields: typed items, one per thing the crawl found, stored by an item pipeline.

The spider decides (revisit, retry, budget, health, columns: crawlers/policy.py and CrawlState); item
pipelines (crawlers/pipelines.py) only store, so the same spider feeds DuckDB in the single process
and a Parquet spool in a scale-out worker. Each item carries the warehouse row it becomes, built by
CrawlState so both pipelines write the same columns. Rows with a key (`KEY`) replace an earlier row
of the same key: a source's health seen twice in a night is stored once, as last seen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class CrawlItem:
    """A row for `TABLE`; `KEY` names the columns that identify it (none: every row is appended)."""
    TABLE: ClassVar[str] = ""
    KEY: ClassVar[tuple[str, ...]] = ()
    row: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[Any, ...]:
        return tuple(self.row[k] for k in self.KEY)


@dataclass
class PageItem(CrawlItem):
    """A page fetched and kept (an article or a document file): written in batches as it comes."""
    TABLE: ClassVar[str] = "pages"
    KEY: ClassVar[tuple[str, ...]] = ("page_id",)


@dataclass
class ErrorItem(CrawlItem):
    """A run_errors row: something failed or was refused, recorded for the reports."""
    TABLE: ClassVar[str] = "run_errors"


@dataclass
class HealthItem(CrawlItem):
    """A source's health (status, failures, validators) as the crawl leaves it."""
    TABLE: ClassVar[str] = "source_health"
    KEY: ClassVar[tuple[str, ...]] = ("source_id",)


@dataclass
class ColumnItem(CrawlItem):
    """A category of a unit's site seen tonight, dedicated (a column the plan counts) or not."""
    TABLE: ClassVar[str] = "unit_columns"
    KEY: ClassVar[tuple[str, ...]] = ("column_id",)


@dataclass
class SourceItem(CrawlItem):
    """A feed, sitemap or listing discovered on a site (registry sources are not rewritten)."""
    TABLE: ClassVar[str] = "sources"
    KEY: ClassVar[tuple[str, ...]] = ("source_id",)


@dataclass
class RobotsItem(CrawlItem):
    """A robots.txt read tonight (cached in the warehouse for ROBOTSTXT_TTL)."""
    TABLE: ClassVar[str] = "robots_cache"
    KEY: ClassVar[tuple[str, ...]] = ("host",)


@dataclass
class AttributionItem(CrawlItem):
    """An article listed in a dedicated column: its stored page and article get the column_id."""
    TABLE: ClassVar[str] = "_attrib"
    KEY: ClassVar[tuple[str, ...]] = ("url",)


STATE_ITEMS: tuple[type[CrawlItem], ...] = (HealthItem, ColumnItem, SourceItem, RobotsItem, AttributionItem)
