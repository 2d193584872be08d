"""Key/value settings the views read (the reference date `as_of`, `dormant_days`, ...)."""
from __future__ import annotations

import datetime as dt

import duckdb

from warehouse import clock


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: object) -> None:
    """Upsert one setting; dates are stored as ISO text so the views can cast them back."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    con.execute("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                [key, text, clock.now()])


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    # fetchall: DuckDB 2 refuses a later con.sql() while a result is only partly fetched
    found = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return found[0][0] if found and found[0][0] is not None else default


def as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The reports' reference date: settings.as_of, else today (the same rule as the views)."""
    return con.execute("SELECT as_of FROM report_params").fetchall()[0][0]
