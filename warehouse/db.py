"""Opening the warehouse, applying numbered migrations, (re)creating the analysts' views."""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from warehouse import clock
from warehouse.clock import TZ_NAME

HERE = Path(__file__).resolve().parent
MIGRATIONS = HERE / "migrations"
VIEWS = HERE / "views"
DEFAULT_DB = Path("data/chuyenmuc.duckdb")
_NUM = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# Migrations up to this number date from when naive timestamps held machine-local time: they run in the
# machine's own zone, so what they write (003's seeds, applied_at) and 009's conversion of naive values
# to TIMESTAMPTZ agree, on a fresh database as on an old one.
MACHINE_ZONE_UNTIL = 9


# No extension is ever downloaded at run time (there is no network to download from): a WAL that
# holds TIMESTAMPTZ work makes DuckDB 2.0.1 try to *install* ICU while replaying it after a crash, even
# though ICU is built in, and the file would not open. With autoinstall off it loads the built-in one.
DUCKDB_CONFIG = {"autoinstall_known_extensions": False}


def open_file(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with the project's configuration: every connection to a warehouse file in one
    process must use the same (DuckDB refuses a second connection configured otherwise)."""
    return duckdb.connect(str(path), read_only=read_only, config=dict(DUCKDB_CONFIG))


class WarehouseError(Exception):
    """The database file cannot be opened or upgraded; the message says which file and why."""


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise WarehouseError(f"{path}: no such database (run `chuyenmuc db init --db {path}` first)")
    try:
        con = open_file(path, read_only=read_only)
    except duckdb.IOException as e:
        msg = str(e)
        if "lock" in msg.lower():
            raise WarehouseError(f"{path}: the database is locked by another process ({msg.splitlines()[0]})") from None
        raise WarehouseError(f"{path}: cannot open database: {msg.splitlines()[0]}") from None
    except duckdb.Error as e:
        raise WarehouseError(f"{path}: cannot open database: {str(e).splitlines()[0]}") from None
    con.execute(f"SET TimeZone = '{TZ_NAME}'")
    return con


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, rolled back (without hiding the error) if anything in the block raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if any, and never raise: called while an error is on its way
    out, it must not replace that error (a COMMIT that failed on a full disk has already ended the
    transaction, and a ROLLBACK then fails with "no transaction is active", hiding the disk-full cause)."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def migration_files() -> list[tuple[int, Path]]:
    out = []
    for p in sorted(MIGRATIONS.glob("*.sql")):
        m = _NUM.match(p.name)
        if not m:
            raise WarehouseError(f"{p}: migration file names must look like 001_name.sql")
        out.append((int(m.group(1)), p))
    nums = [n for n, _ in out]
    if len(set(nums)) != len(nums):
        raise WarehouseError(f"{MIGRATIONS}: two migrations share a number")
    return out


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)""")
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not applied yet, in number order, each in its own transaction. A number
    below the file's version that was never applied (a migration merged after a later one ran) is
    applied too, not skipped."""
    schema_version(con)
    done = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for num, path in migration_files():
        if num in done:
            continue
        sql = path.read_text(encoding="utf-8")
        if num <= MACHINE_ZONE_UNTIL:
            con.execute("RESET TimeZone")  # DuckDB's default: the machine's zone
        try:
            with transaction(con):
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [num, path.name, clock.now()])
        except Exception as e:
            raise WarehouseError(f"migration {path.name} failed: {e}") from e
        finally:
            con.execute(f"SET TimeZone = '{TZ_NAME}'")
        applied.append(path.name)
    return applied


def refresh_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Views are derived, so they are simply recreated from warehouse/views/*.sql in name order."""
    names = []
    for p in sorted(VIEWS.glob("*.sql")):
        con.execute(p.read_text(encoding="utf-8"))
        names.append(p.stem)
    return names
