"""Loading the plan and unit registry (given as plain rows) into the dimension tables."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from warehouse.batch import write_rows
from warehouse.db import transaction


def load_dimensions(con: duckdb.DuckDBPyConnection, plan: dict[str, Any], periods: Sequence[dict],
                    themes: Sequence[dict], period_themes: Sequence[dict], patterns: Sequence[dict],
                    units: Sequence[dict], sources: Sequence[dict]) -> dict[str, int]:
    """Upsert every dimension row in one transaction. Returns how many rows changed per table.

    Registry sources are upserted; sources the crawler discovered are left alone. Rows that vanished
    from the files are removed for plan tables (they are pure data) but units are kept, because facts
    may refer to them: a unit dropped from the registry should be given a valid_to instead.
    """
    before = _snapshot(con)
    with transaction(con):
        pid = plan["plan_id"]
        write_rows(con, "plans", [plan], mode="replace")
        for t in ("plan_periods", "period_themes", "column_patterns"):
            con.execute(f"DELETE FROM {t} WHERE plan_id = ?", [pid])
        con.execute("DELETE FROM themes WHERE plan_id = ?", [pid])
        write_rows(con, "plan_periods", periods)
        write_rows(con, "themes", themes, mode="replace")
        write_rows(con, "period_themes", period_themes)
        write_rows(con, "column_patterns", patterns)
        write_rows(con, "units", units, mode="replace")
        if sources:
            keep = [dict(s) for s in sources]
            # first_seen survives reloads
            existing = dict(con.execute("SELECT source_id, first_seen FROM sources").fetchall())
            for s in keep:
                s["first_seen"] = existing.get(s["source_id"], s["first_seen"])
            write_rows(con, "sources", keep, mode="replace")
    after = _snapshot(con)
    return {t: after[t] - before.get(t, 0) for t in after}


def load_channels(con: duckdb.DuckDBPyConnection, channels: Sequence[dict]) -> int:
    """Upsert the registry's official channels (issue #21), keeping each one's first_seen. Channels
    dropped from the registry keep their row: their stored items still refer to them."""
    if not channels:
        return 0
    rows = [dict(c) for c in channels]
    existing = dict(con.execute("SELECT channel_id, first_seen FROM channels").fetchall())
    for c in rows:
        c["first_seen"] = existing.get(c["channel_id"], c["first_seen"])
    with transaction(con):
        write_rows(con, "channels", rows, mode="replace")
    return len([c for c in rows if c["channel_id"] not in existing])


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    out = {}
    for t in ("plans", "plan_periods", "themes", "period_themes", "column_patterns", "units", "sources"):
        out[t] = int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
    return out


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of every dimension row, to show that a second `db init` changed nothing."""
    import hashlib
    h = hashlib.sha1()
    for t, order in (("plans", "plan_id"), ("plan_periods", "plan_id, period_id"), ("themes", "theme_id"),
                     ("period_themes", "plan_id, period_id, theme_id"), ("column_patterns", "plan_id, pattern"),
                     ("units", "unit_id"), ("sources", "source_id"), ("channels", "channel_id")):
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [t]).fetchone()[0]:  # type: ignore[index]
            continue  # a warehouse older than the migration that adds the table
        cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall() ]
        for row in con.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY {order}").fetchall():
            h.update(repr(row).encode())
    return h.hexdigest()
