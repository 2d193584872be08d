"""Exporting one warehouse table or view to CSV (UTF-8 with BOM), Parquet or XLSX.

The table name is checked against the database's own list of tables and views before it is
quoted into SQL; text cells are neutralised against spreadsheet formula injection.
"""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from pipeline.reports.safe_cells import csv_cell, set_xlsx_cell

FORMATS = ("csv", "parquet", "xlsx")
XLSX_MAX_ROWS = 1_048_575
BATCH = 50_000


class ExportError(ValueError):
    """Unknown table or format, or too many rows for the format."""


def known_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the main schema (what `export` accepts)."""
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name").fetchall()]


def checked_name(con: duckdb.DuckDBPyConnection, table: str) -> str:
    names = known_tables(con)
    if table not in names:
        raise ExportError(f"unknown table or view {table!r}; known: {', '.join(names)}")
    return '"' + table + '"'  # safe: an exact existing name, which never contains a double quote here


def export_table(con: duckdb.DuckDBPyConnection, table: str, fmt: str, out: Path) -> int:
    """Write the table to `out`; returns the number of rows."""
    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    name = checked_name(con, table)
    if '"' in table:
        raise ExportError(f"table name {table!r} cannot be exported")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        tbl = con.sql(f"SELECT * FROM {name}").to_arrow_table()
        pq.write_table(tbl, out)
        return tbl.num_rows
    n = 0
    if fmt == "csv":
        cur = con.execute(f"SELECT * FROM {name}")
        headers = [d[0] for d in cur.description]
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(headers)
            while batch := cur.fetchmany(BATCH):
                w.writerows([csv_cell(v) for v in r] for r in batch)
                n += len(batch)
        return n
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    total = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    if total > XLSX_MAX_ROWS:
        raise ExportError(f"{table}: {total} rows is more than an XLSX sheet holds ({XLSX_MAX_ROWS}); use csv or parquet")
    cur = con.execute(f"SELECT * FROM {name}")
    headers = [d[0] for d in cur.description]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table[:31])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{_col(len(headers))}{total + 1}"

    def cell(v: object, bold: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(ws)
        set_xlsx_cell(c, v)
        if bold:
            c.font = Font(bold=True)
        return c

    ws.append([cell(h, True) for h in headers])
    while batch := cur.fetchmany(BATCH):
        for r in batch:
            ws.append([cell(v) for v in r])
        n += len(batch)
    wb.save(out)
    return n


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(max(n, 1))
