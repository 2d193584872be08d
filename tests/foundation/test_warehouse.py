"""Warehouse migrations and `db init`: idempotent, upgrades older files in place, loads the data files."""
from __future__ import annotations

import duckdb

from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS
from warehouse import connect, migrate, schema_version
from warehouse.db import migration_files


def test_db_init_twice_changes_nothing(cli, tmp_path):
    db = tmp_path / "w.duckdb"
    r1 = cli("db", "init", "--db", str(db))
    assert r1.code == 0, r1.err
    assert "applied migrations" in r1.out
    before = db.read_bytes()
    con = duckdb.connect(str(db), read_only=True)
    snap1 = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("plans", "themes", "units", "sources", "plan_periods", "period_themes")}
    con.close()
    r2 = cli("db", "init", "--db", str(db))
    assert r2.code == 0, r2.err
    assert "unchanged" in r2.out and "applied migrations" not in r2.out
    con = duckdb.connect(str(db), read_only=True)
    snap2 = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in snap1}
    assert snap1 == snap2
    assert len(before) > 0


def test_tables_hold_the_plan_and_units(tmp_path, cli):
    db = tmp_path / "w.duckdb"
    assert cli("db", "init", "--db", str(db)).code == 0
    con = duckdb.connect(str(db), read_only=True)
    plan, reg = load_plan(PLAN), load_units(UNITS)
    assert [r[0] for r in con.execute("SELECT theme_id FROM themes ORDER BY theme_id").fetchall()] == sorted(plan.theme_ids)
    assert con.execute("SELECT count(*) FROM units").fetchone()[0] == len(reg.units)
    assert con.execute("SELECT count(*) FROM units WHERE kind = 'district'").fetchone()[0] == 15
    assert con.execute("SELECT requires_column FROM units WHERE unit_id = 'btg-tinh-uy'").fetchone()[0] is False
    unverified = sum(1 for u in reg.units for s in u.sources if not s.verified)
    assert con.execute("SELECT count(*) FROM sources WHERE verified = false").fetchone()[0] == unverified > 0
    assert con.execute("SELECT count(*) FROM period_themes WHERE period_id = '2022-on'").fetchone()[0] == 4
    seeds = con.execute("SELECT seed_terms FROM themes WHERE theme_id = 'covid-prevention'").fetchone()[0]
    assert "COVID-19" in seeds


def test_upgrades_an_older_file_in_place(tmp_path, cli):
    """A file at schema version 1 (dimensions only) with data gets 002+ applied and keeps its rows."""
    db = tmp_path / "old.duckdb"
    con = connect(db)
    schema_version(con)
    num, path = migration_files()[0]
    con.execute(path.read_text(encoding="utf-8"))
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [num, path.name])
    con.execute("INSERT INTO units (unit_id, name, kind, valid_from, requires_column) VALUES ('old-unit', 'Đơn vị cũ', 'department', DATE '2020-01-01', true)")
    con.close()
    r = cli("db", "init", "--db", str(db))
    assert r.code == 0, r.err
    assert "002_facts.sql" in r.out and "001_dimensions.sql" not in r.out
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT name FROM units WHERE unit_id = 'old-unit'").fetchone()[0] == "Đơn vị cũ"
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == migration_files()[-1][0]
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'pages'").fetchone()[0] == 1


def test_migrate_is_a_noop_on_a_current_file(tmp_path):
    con = connect(tmp_path / "x.duckdb")
    assert migrate(con)
    assert migrate(con) == []


def test_db_path_from_env_and_flag(tmp_path, cli):
    env_db = tmp_path / "env.duckdb"
    r = cli("db", "init", env={"CHUYENMUC_DB": str(env_db)})
    assert r.code == 0 and env_db.exists()
    flag_db = tmp_path / "flag.duckdb"
    r = cli("db", "init", "--db", str(flag_db), env={"CHUYENMUC_DB": str(env_db)})
    assert r.code == 0 and flag_db.exists()


def test_bad_data_file_writes_no_database(tmp_path, cli):
    bad = tmp_path / "units.toml"
    bad.write_text("registry_id = 'x'\n", encoding="utf-8")
    db = tmp_path / "never.duckdb"
    r = cli("db", "init", "--db", str(db), "--units-file", str(bad))
    assert r.code == 2 and "units" in r.err
    assert not db.exists()


def test_every_subcommand_has_help(cli):
    r = cli("--help")
    assert r.code == 0
    import re
    cmds = re.findall(r"^    ([a-z][a-z-]+) ", r.out, flags=re.M)
    assert {"db", "plan", "units"} <= set(cmds)
    for c in cmds:
        h = cli(c, "--help")
        assert h.code == 0 and "usage:" in h.out, c


def test_rollback_never_hides_the_error_on_its_way_out(tmp_path) -> None:
    """After a COMMIT that failed, DuckDB has no transaction left: a plain ROLLBACK would raise
    "no transaction is active" and replace the real cause (a full disk) in the traceback."""
    import duckdb
    import pytest

    from warehouse.db import rollback

    con = duckdb.connect(str(tmp_path / "r.duckdb"))
    with pytest.raises(duckdb.TransactionException):
        con.execute("ROLLBACK")  # what the old handlers did: this error would have hidden the cause
    rollback(con)  # no transaction: nothing to do, nothing raised
    con.execute("CREATE TABLE t (x INTEGER)")
    con.execute("BEGIN")
    con.execute("INSERT INTO t VALUES (1)")
    rollback(con)
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    con.close()
