"""Per-worker Parquet batches: how workers hand their rows to the single DuckDB writer.

DuckDB allows one writer per file, so workers never open the warehouse for writing. Each worker
appends rows to its own files, `<spool>/<table>/<worker>-<seq>.parquet`, written to a temporary
name and renamed, so a reader never sees half a file and a killed worker loses at most the batch
it had not flushed. The nightly job (pipeline/scaleout.py: merge_spool) merges them in one
transaction and moves them to `<spool>/merged/`. Why files rather than a Redis queue: see
docs/scaleout.md (Redis holds only the small, disposable frontier; page bodies are large and must
survive a Redis restart; Parquet batches are inspectable and readable by any engine).
"""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse import clock

SPOOL_TS = pa.timestamp("us", tz="UTC")  # every timestamp in a batch: an instant, merged into TIMESTAMPTZ


def instants(table: pa.Table) -> pa.Table:
    """Every timestamp column as SPOOL_TS. An aware one keeps its instant; a naive one (never written
    by the crawler, which uses warehouse.clock) is read as the province's time, the warehouse's
    convention. Parquet then marks it adjusted to UTC, so DuckDB merges it as TIMESTAMPTZ and nothing
    shifts by the machine's or the province's offset."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type != SPOOL_TS:
            col = table.column(i)
            if f.type.tz is None:
                col = pc.assume_timezone(col, clock.TZ_NAME)
            table = table.set_column(i, pa.field(f.name, SPOOL_TS, f.nullable), col.cast(SPOOL_TS))
    return table


class SpoolWriter:
    """Buffered rows per table, flushed as one Parquet file every `batch` rows and at close."""

    def __init__(self, spool_dir: str | Path, worker_id: str, batch: int = 200,
                 schemas: dict[str, pa.Schema] | None = None):
        self.dir = Path(spool_dir)
        self.worker = worker_id
        self.batch = batch
        self.schemas = schemas or {}
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.seq = 0
        self.written: dict[str, int] = defaultdict(int)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)
        if len(self.rows[table]) >= self.batch:
            self.flush(table)

    def extend(self, table: str, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            self.add(table, r)

    def flush(self, table: str | None = None) -> None:
        for t in [table] if table else list(self.rows):
            rows, self.rows[t] = self.rows[t], []
            if not rows:
                continue
            d = self.dir / t
            d.mkdir(parents=True, exist_ok=True)
            self.seq += 1
            final = d / f"{self.worker}-{os.getpid()}-{self.seq:06d}.parquet"
            tmp = final.with_suffix(".parquet.tmp")
            schema = self.schemas.get(t)
            arrow = instants(pa.Table.from_pylist(rows, schema=schema) if schema else pa.Table.from_pylist(rows))
            pq.write_table(arrow, tmp)
            os.replace(tmp, final)
            self.written[t] += len(rows)

    def close(self) -> dict[str, int]:
        self.flush()
        return dict(self.written)


class SpoolPipeline:
    """Item pipeline for simple spiders: an item dict with a `_table` key goes to that table's spool."""

    def __init__(self, writer: SpoolWriter):
        self.writer = writer

    @classmethod
    def from_crawler(cls, crawler: Any) -> SpoolPipeline:
        s = crawler.settings
        if not s.get("SCALEOUT_SPOOL_DIR"):
            raise ValueError("SpoolPipeline needs the SCALEOUT_SPOOL_DIR setting")
        return cls(SpoolWriter(s.get("SCALEOUT_SPOOL_DIR"), s.get("SCALEOUT_WORKER_ID", "w0"),
                               s.getint("SCALEOUT_SPOOL_BATCH", 200)))

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        row = dict(item)
        table = row.pop("_table", "items")
        self.writer.add(table, row)
        return item

    def close_spider(self, spider: Any = None) -> None:
        self.writer.close()
