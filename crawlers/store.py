"""The crawler's view of the warehouse: what is already known, and batched writes of what is new.

Two parts, so one spider serves the single process and the scale-out workers:
- CrawlState is the crawl's memory (read once when the spider opens: stored page URLs, source health
  with validators, known columns and sources, cached robots.txt; then updated in memory as the crawl
  goes). It never writes: the spider owns it and yields items (crawlers/items.py) for what is new.
- CrawlStore is a CrawlState on a DuckDB connection that also writes, in batches inside
  transactions: pages every `page_batch` rows, everything else at close. Never row-by-row. The
  DuckDB item pipeline (crawlers/pipelines.py) writes through one.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from nlp.sanitize import clean_optional, clean_web_text
from nlp.urls import canonical_url
from warehouse import clock
from warehouse.batch import write_rows
from warehouse.db import transaction
from warehouse.ids import column_id, url_id

# consecutive failures after which a source is "dead" rather than "failing"
DEAD_AFTER = 3


@dataclass
class Known:
    """Everything the crawl needs to know before it starts."""
    page_urls: set[str] = field(default_factory=set)
    health: dict[str, dict[str, Any]] = field(default_factory=dict)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)      # column_id -> row
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)      # source_id -> row
    robots: dict[str, dict[str, Any]] = field(default_factory=dict)       # host -> row


class CrawlState:
    """What the crawl knows and has seen tonight, in memory; written by whoever receives its rows."""

    def __init__(self, run_id: int | None = None, db_path: str | None = None):
        self.run_id = run_id
        self.db_path = db_path   # the warehouse it was read from: the DuckDB pipeline writes there
        self._pages: list[dict[str, Any]] = []
        self._errors: list[dict[str, Any]] = []
        self._attrib: dict[str, str] = {}          # canonical article url -> column_id
        self._robots: dict[str, dict[str, Any]] = {}
        self.touched_health: set[str] = set()
        self.touched_columns: set[str] = set()
        self.touched_sources: set[str] = set()
        self.known = Known()
        self.pages_written = 0

    # ---- reading
    def read(self, con: duckdb.DuckDBPyConnection, unit_ids: Iterable[str]) -> Known:
        """Load what the crawl needs to know from the warehouse (any connection, read-only will do)."""
        self.con = con
        try:
            return self._read(unit_ids)
        finally:
            self.con = None  # type: ignore[assignment]

    def _read(self, unit_ids: Iterable[str]) -> Known:
        ids = list(unit_ids)
        k = self.known
        k.page_urls = {r[0] for r in self.con.execute("SELECT url FROM pages").fetchall()}
        # pages stored before a canonicalisation rule was added (Liferay layout and back-link
        # parameters) are known under today's canonical form too, so they are not fetched again
        k.page_urls |= {canonical_url(u) for u in k.page_urls if "p_p_" in u or "redirect=" in u}
        cols = [d[0] for d in self.con.execute("SELECT * FROM source_health LIMIT 0").description]
        for r in self.con.execute("SELECT * FROM source_health").fetchall():
            row = dict(zip(cols, r, strict=True))
            k.health[row["source_id"]] = row
        cols = [d[0] for d in self.con.execute("SELECT * FROM unit_columns LIMIT 0").description]
        for r in self.con.execute("SELECT * FROM unit_columns WHERE list_contains(?, unit_id)", [ids]).fetchall():
            row = dict(zip(cols, r, strict=True))
            k.columns[row["column_id"]] = row
        cols = [d[0] for d in self.con.execute("SELECT * FROM sources LIMIT 0").description]
        for r in self.con.execute("SELECT * FROM sources WHERE list_contains(?, unit_id)", [ids]).fetchall():
            row = dict(zip(cols, r, strict=True))
            k.sources[row["source_id"]] = row
        cols = [d[0] for d in self.con.execute("SELECT * FROM robots_cache LIMIT 0").description]
        for r in self.con.execute("SELECT * FROM robots_cache").fetchall():
            row = dict(zip(cols, r, strict=True))
            k.robots[row["host"]] = row
        return k

    # ---- pages
    def page_row(self, *, url: str, fetched_url: str, unit_id: str, source_id: str | None,
                 column: str | None, status: int, headers: dict[str, str], body: bytes,
                 content_type: str | None, charset: str | None) -> dict[str, Any]:
        """The `pages` row of a fetched page; the URL is known from now on (no second fetch tonight)."""
        self.known.page_urls.add(url)
        return dict(
            page_id=url_id(url), url=url, fetched_url=fetched_url, unit_id=unit_id, source_id=source_id,
            column_id=column, run_id=self.run_id, fetched_at=clock.now(), http_status=status,
            headers=json.dumps(headers, ensure_ascii=False), content_type=content_type,
            declared_charset=charset, body_zlib=zlib.compress(body), body_size=len(body),
            body_sha1=hashlib.sha1(body).hexdigest(), extract_status=None)

    def attribute(self, canonical: str, col_id: str) -> None:
        """The article was listed in a dedicated column: pages/articles get its column_id at close."""
        self._attrib.setdefault(canonical, col_id)

    # ---- health, columns, sources, errors, robots (kept in memory, written at close)
    def health(self, source_id: str, unit_id: str, kind: str, url: str) -> dict[str, Any]:
        h = self.known.health.get(source_id)
        if h is None:
            h = dict(source_id=source_id, unit_id=unit_id, kind=kind, url=url, status="ok",
                     last_attempt_at=None, last_success_at=None, last_error_at=None, last_error=None,
                     last_error_kind=None, consecutive_failures=0, last_new_article_at=None,
                     last_http_status=None, etag=None, last_modified=None, updated_at=None)
            self.known.health[source_id] = h
        self.touched_health.add(source_id)
        return h

    def source_ok(self, h: dict[str, Any], status: int, etag: str | None, last_modified: str | None,
                  new_articles: int = 0) -> None:
        t = clock.now()
        h.update(status="ok", last_attempt_at=t, last_success_at=t, consecutive_failures=0,
                 last_http_status=status, updated_at=t)
        if status != 304:
            h.update(etag=etag, last_modified=last_modified)
        if new_articles:
            h["last_new_article_at"] = t

    def forget_validators(self, source_ids: Iterable[str]) -> None:
        """Drop the ETag/Last-Modified of these sources, so the next run reads them in full."""
        for sid in sorted(source_ids):
            h = self.known.health.get(sid)
            if h is not None and (h.get("etag") or h.get("last_modified")):
                h.update(etag=None, last_modified=None)
                self.touched_health.add(sid)

    def source_failed(self, h: dict[str, Any], kind: str, message: str, status: int | None = None) -> None:
        t = clock.now()
        fails = int(h.get("consecutive_failures") or 0) + 1
        st = "disallowed" if kind == "robots-disallowed" else ("dead" if fails >= DEAD_AFTER else "failing")
        h.update(status=st, last_attempt_at=t, last_error_at=t, last_error=clean_web_text(message)[:1000],
                 last_error_kind=kind,
                 consecutive_failures=fails, last_http_status=status, updated_at=t)

    def column(self, unit_id: str, url: str, name: str, dedicated: bool, pattern: str | None) -> str:
        cid = column_id(unit_id, url)
        name = clean_web_text(name or "")  # a menu label or heading from the web: it reaches the reports
        t = clock.now()
        row = self.known.columns.get(cid)
        if row is None:
            row = dict(column_id=cid, unit_id=unit_id, url=url, name=name, is_dedicated=dedicated,
                       matched_pattern=pattern, first_seen=t, last_seen=t)
            self.known.columns[cid] = row
        else:
            row.update(name=name or row["name"], is_dedicated=dedicated, matched_pattern=pattern, last_seen=t)
        self.touched_columns.add(cid)
        return cid

    def source(self, source_id: str, unit_id: str, kind: str, url: str, name: str | None = None) -> None:
        t = clock.now()
        name = clean_optional(name)
        row = self.known.sources.get(source_id)
        if row is None:
            row = dict(source_id=source_id, unit_id=unit_id, kind=kind, url=url, verified=True,
                       origin="discovered", name=name, first_seen=t, last_seen=t)
            self.known.sources[source_id] = row
        else:
            row["last_seen"] = t
        self.touched_sources.add(source_id)

    def error_row(self, unit_id: str | None, url: str | None, kind: str, message: str,
                  stage: str = "crawl") -> dict[str, Any]:
        """A `run_errors` row (not kept: the spider yields it as an ErrorItem)."""
        return dict(run_id=self.run_id, stage=stage, unit_id=unit_id, url=url, kind=kind,
                    message=clean_web_text(message)[:2000], occurred_at=clock.now())

    def error(self, unit_id: str | None, url: str | None, kind: str, message: str, stage: str = "crawl") -> None:
        """Keep an error row to write at close (what middlewares record: they cannot yield items)."""
        self._errors.append(self.error_row(unit_id, url, kind, message, stage))

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self._errors

    def robots_seen(self, host: str, status: int | None, body: str, etag: str | None, last_modified: str | None) -> None:
        row = dict(host=host, fetched_at=clock.now(), http_status=status, body=body, etag=etag, last_modified=last_modified)
        self.known.robots[host] = row
        self._robots[host] = row

    # ---- closing
    def pending_rows(self) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
        """What close() writes besides pages: touched health, columns, discovered sources, attributions."""
        health = [self.known.health[s] for s in sorted(self.touched_health)]
        columns = [self.known.columns[c] for c in sorted(self.touched_columns)]
        sources = [self.known.sources[s] for s in sorted(self.touched_sources)
                   if self.known.sources[s]["origin"] == "discovered"]
        attrib = [dict(url=u, column_id=c) for u, c in sorted(self._attrib.items())]
        return health, columns, sources, attrib



class CrawlStore(CrawlState):
    """A CrawlState on one DuckDB connection that writes: buffered, batched, in transactions."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: int | None, page_batch: int = 100):
        super().__init__(run_id)
        self.con = con
        self.page_batch = page_batch

    def load(self, unit_ids: Iterable[str]) -> Known:
        return self._read(unit_ids)

    def add_page(self, **page: Any) -> None:
        self.put_page(self.page_row(**page))

    def put_page(self, row: dict[str, Any]) -> None:
        """Buffer a `pages` row; a full batch is written in one transaction."""
        self._pages.append(row)
        if len(self._pages) >= self.page_batch:
            self.flush_pages()

    def flush_pages(self) -> None:
        if not self._pages:
            return
        rows, self._pages = self._pages, []

        def write() -> None:
            # pages has two unique keys (page_id, url), so DuckDB cannot upsert it: a refetched page
            # replaces its old row by delete + insert, in the same transaction.
            ids = [r["page_id"] for r in rows]
            self.con.execute("DELETE FROM pages WHERE list_contains(?, page_id)", [ids])
            write_rows(self.con, "pages", rows)
        self._tx(write)
        self.pages_written += len(rows)

    def close(self) -> dict[str, int]:
        """Write everything still buffered, in one transaction after the last page batch."""
        self.flush_pages()
        health, columns, sources, attrib = self.pending_rows()
        return self.write_state(health, columns, sources, self._errors, list(self._robots.values()), attrib)

    def write_state(self, health: list[dict], columns: list[dict], sources: list[dict], errors: list[dict],
                    robots: list[dict], attrib: list[dict]) -> dict[str, int]:
        """Write the crawl's state rows (all but pages) in one transaction."""

        def write() -> None:
            write_rows(self.con, "source_health", health, mode="replace")
            write_rows(self.con, "unit_columns", columns, mode="replace")
            write_rows(self.con, "sources", sources, mode="replace")
            write_rows(self.con, "run_errors", errors)
            write_rows(self.con, "robots_cache", robots, mode="replace")
            if attrib:
                import pyarrow as pa
                self.con.register("_attrib", pa.Table.from_pylist(attrib))
                try:
                    self.con.execute("UPDATE pages SET column_id = a.column_id FROM _attrib a "
                                     "WHERE pages.url = a.url AND pages.column_id IS DISTINCT FROM a.column_id")
                    self.con.execute("UPDATE articles SET column_id = a.column_id FROM _attrib a "
                                     "WHERE articles.url = a.url AND articles.column_id IS DISTINCT FROM a.column_id")
                finally:
                    self.con.unregister("_attrib")
        self._tx(write)
        return dict(health=len(health), columns=len(columns), sources=len(sources), errors=len(errors))

    def _tx(self, fn) -> None:
        with transaction(self.con):
            fn()
