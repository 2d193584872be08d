"""The scale-out merge is one transaction (docs/scaleout.md): the spooled tables, the validator drop
and the column attribution all commit together, or nothing does and the spool stays to retry."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipeline.scaleout import merge_crawl_spool
from pipeline.setup_db import init_db
from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS


def _spool_health(con: duckdb.DuckDBPyConnection, spool: Path) -> None:
    """One source_health row for a worker's batch, with validators (as a worker writes it)."""
    (spool / "source_health").mkdir(parents=True)
    cols = [r[0] for r in con.execute("DESCRIBE source_health").fetchall()]
    con.execute("CREATE TEMP TABLE _h AS SELECT * FROM source_health LIMIT 0")
    values = {c: None for c in cols}
    values.update(source_id="src-1", unit_id="so-y-te", kind="feed", url="https://soyte.daklak.gov.vn/rss",
                  status="ok", etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
                  updated_at=dt.datetime(2024, 1, 1), consecutive_failures=0)
    present = {k: v for k, v in values.items() if k in cols}
    con.execute(f"INSERT INTO _h ({', '.join(present)}) VALUES ({', '.join('?' * len(present))})", list(present.values()))
    con.execute(f"COPY _h TO '{spool / 'source_health' / 'w1-0001.parquet'}' (FORMAT parquet)")
    con.execute("DROP TABLE _h")


def test_a_failing_attribution_leaves_nothing_merged(tmp_path: Path) -> None:
    db, spool = tmp_path / "w.duckdb", tmp_path / "spool"
    init_db(db, load_plan(PLAN), load_units(UNITS))
    con = duckdb.connect(str(db))
    try:
        _spool_health(con, spool)
        (spool / "_attrib").mkdir()
        # an attribution file without its column_id: the UPDATE inside the merge fails
        con.execute(f"COPY (SELECT 'https://soyte.daklak.gov.vn/a.html' AS url) TO "
                    f"'{spool / '_attrib' / 'w1-0001.parquet'}' (FORMAT parquet)")
        with pytest.raises(duckdb.Error):
            merge_crawl_spool(con, spool, drop_validators=True)
        assert con.execute("SELECT count(*) FROM source_health WHERE source_id = 'src-1'").fetchone()[0] == 0
        assert (spool / "source_health" / "w1-0001.parquet").exists()  # kept for the retry
        # fixed attribution file: the whole merge commits, validators dropped in the same transaction
        con.execute(f"COPY (SELECT 'https://soyte.daklak.gov.vn/a.html' AS url, 'col-x' AS column_id) TO "
                    f"'{spool / '_attrib' / 'w1-0001.parquet'}' (FORMAT parquet)")
        counts = merge_crawl_spool(con, spool, drop_validators=True)
        assert counts["source_health"] == 1 and counts["validators_dropped"] == 1 and counts["attributions"] == 1
        assert con.execute("SELECT etag, last_modified FROM source_health WHERE source_id = 'src-1'").fetchone() == (None, None)
    finally:
        con.close()
