"""The `pages` columns extraction reads, and the job a worker gets from them (no heavy imports: the
crawl process's alongside extension uses these before the extraction code is loaded)."""
from __future__ import annotations

# in the order job_of() and extract_job._batch() expect
PAGE_COLUMN_NAMES = ("page_id", "url", "fetched_url", "unit_id", "column_id", "fetched_at", "headers", "body_zlib",
                     "http_status")
PAGE_COLUMNS = ", ".join(PAGE_COLUMN_NAMES)


def page_columns(row: dict) -> tuple:
    """A `pages` row as written (a dict) -> the PAGE_COLUMNS tuple a query of it would give."""
    return tuple(row[c] for c in PAGE_COLUMN_NAMES)


def job_of(row: tuple) -> tuple:
    """A PAGE_COLUMNS row -> the job _extract_one takes (what a worker process needs, nothing more)."""
    return (row[7], row[1], row[2], row[6], row[5])
