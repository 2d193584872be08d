"""Every stored time is an instant (TIMESTAMPTZ) taken from warehouse.clock, whatever the machine's zone.

The zone-sensitive checks run in a subprocess with TZ set far from the province's +07:00 (Etc/GMT+12
is UTC-12), so a value written or read as naive machine-local time would be 19 hours off and show.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from nlp.urls import canonical_url
from registry import load_units
from tests.conftest import PLAN, ROOT
from tests.crawlers.minisite import MiniSite, MiniWeb
from tests.crawlers.test_crawl_minisite import UNITS as MINI_UNITS
from warehouse import clock, connect, migrate
from warehouse.db import migration_files

FAR_ZONE = "Etc/GMT+12"   # UTC-12: 19 hours from Asia/Ho_Chi_Minh
TZ_TYPE = "TIMESTAMP WITH TIME ZONE"
BASE_COLUMNS = """SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default
                  FROM information_schema.columns c JOIN information_schema.tables t
                    ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                  WHERE t.table_type = 'BASE TABLE' AND c.table_schema = 'main'
                  ORDER BY c.table_name, c.ordinal_position"""


def _far_env() -> dict[str, str]:
    """This environment, on a machine whose zone is FAR_ZONE."""
    env = dict(os.environ, TZ=FAR_ZONE, PYTHONPATH=str(ROOT))
    env.pop("CHUYENMUC_DB", None)
    return env


def test_every_timestamp_column_of_a_fresh_database_is_timestamptz(tmp_path: Path) -> None:
    con = connect(tmp_path / "fresh.duckdb")
    migrate(con)
    cols = con.execute(BASE_COLUMNS).fetchall()
    stamps = [(t, c, ty) for t, c, ty, _, _ in cols if ty.startswith("TIMESTAMP")]
    assert len(stamps) > 25   # every table's times, schema_migrations.applied_at included
    assert [s for s in stamps if s[2] != TZ_TYPE] == []
    assert ("schema_migrations", "applied_at", TZ_TYPE) in stamps


OLD_DB = """
import datetime as dt, json, sys
import duckdb
from warehouse import clock
from warehouse.db import connect, migrate, migration_files
db, upto = sys.argv[1], int(sys.argv[2])
# the schema as the code before 009 left it: migrations run on a connection in the province's zone,
# schema_migrations with a naive applied_at, naive machine-local times written by datetime.now()
con = duckdb.connect(db)
con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
for num, path in migration_files():
    if num <= upto:
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [num, path.name, dt.datetime.now()])
local = dt.datetime(2026, 3, 1, 23, 30, 0)        # naive, as the crawler wrote it (machine-local)
utc = dt.datetime(2026, 3, 1, 16, 30, 0)          # naive UTC, as the extract job wrote it
con.execute("INSERT INTO crawl_runs (run_id, command, started_at, status) VALUES (1, 'nightly', ?, 'ok')", [local])
con.execute("INSERT INTO pages (page_id, url, fetched_url, unit_id, fetched_at, extracted_at) "
            "VALUES (1, 'https://a.test/1', 'https://a.test/1', 'u', ?, ?)", [local, utc])
con.execute("INSERT INTO run_errors VALUES (1, 'crawl', 'u', 'x', 'k', 'm', ?), (1, 'extract', 'u', 'x', 'k', 'm', ?)",
            [local, utc])
con.close()
con = connect(db)
applied = migrate(con)
out = dict(applied=applied,
           started=con.execute("SELECT epoch(started_at) FROM crawl_runs").fetchone()[0],
           fetched=con.execute("SELECT epoch(fetched_at) FROM pages").fetchone()[0],
           extracted=con.execute("SELECT epoch(extracted_at) FROM pages").fetchone()[0],
           errors=dict(con.execute("SELECT stage, epoch(occurred_at) FROM run_errors").fetchall()),
           applied_at=con.execute("SELECT min(epoch(applied_at)), max(epoch(applied_at)) FROM schema_migrations").fetchone(),
           now=clock.now().timestamp())
print(json.dumps(out))
"""


def test_an_old_database_keeps_its_instants(tmp_path: Path) -> None:
    """A file at the schema before 009, written on a machine in UTC-12, migrates in place: its naive
    values are read as that machine's local time (the extract job's as UTC), none is lost."""
    previous = [n for n, _ in migration_files() if n < 9][-1]
    db = tmp_path / "old.duckdb"
    r = subprocess.run([sys.executable, "-c", OLD_DB, str(db), str(previous)], capture_output=True, text=True,
                       cwd=ROOT, env=_far_env(), timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["applied"] == [p.name for n, p in migration_files() if n > previous]
    far = dt.timezone(dt.timedelta(hours=-12))
    as_local = dt.datetime(2026, 3, 1, 23, 30, tzinfo=far).timestamp()
    as_utc = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC).timestamp()
    assert out["started"] == out["fetched"] == out["errors"]["crawl"] == as_local
    assert out["extracted"] == out["errors"]["extract"] == as_utc
    lo, hi = out["applied_at"]   # written as naive machine-local by the old runner, then by clock.now()
    assert abs(lo - out["now"]) < 60 and abs(hi - out["now"]) < 60
    # the end state is the one a fresh database reaches
    fresh = connect(tmp_path / "fresh.duckdb")
    migrate(fresh)
    old = connect(db, read_only=True)
    assert old.execute(BASE_COLUMNS).fetchall() == fresh.execute(BASE_COLUMNS).fetchall()


UNITS = MINI_UNITS  # the mini registry of the crawler tests (unit so-c on c.test)


def test_a_crawl_far_from_the_province_stores_instants(tmp_path: Path) -> None:
    """Two nights of `chuyenmuc crawl` on a machine in UTC-12: the run, page, health and robots.txt
    times round-trip as aware datetimes equal to clock.now(); the second night compares the stored
    times (robots.txt age, sitemap lastmod against the last success) without a naive/aware error, so
    the article added that night is found."""
    site = MiniSite("c.test", {"thong-bao": "Thông báo"}, feed=False, sitemap=True, lastmod="2021-05-24")
    for i in range(1, 4):
        site.add(100 + i, "thong-bao", f"Thông báo {i}")
    web = MiniWeb([site])
    proxy = web.start()
    try:
        units = tmp_path / "units.toml"
        units.write_text(UNITS, encoding="utf-8")
        reg = load_units(units)
        cfg = tmp_path / "chuyenmuc.toml"
        cfg.write_text(f'[paths]\nplan = "{PLAN}"\n\n[crawl]\ndownload_delay = 0\nretries = 0\n', encoding="utf-8")
        db = tmp_path / "w.duckdb"
        env = _far_env()
        for night in (1, 2):
            if night == 2:   # a changed sitemap (a new ETag): read in full, its old entries filtered by lastmod
                site.add(104, "thong-bao", "Thông báo mới")
            r = subprocess.run([sys.executable, "-m", "pipeline", "crawl", "--config", str(cfg), "--units-file",
                                reg.source_path, "--db", str(db), "--units", "so-c", "--proxy", proxy, "--json"],
                               capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
            assert r.returncode == 0, r.stderr
            # a spider callback that raises (comparing naive with aware) is logged, the run still ends ok
            assert "Traceback" not in r.stderr and "spider_exceptions" not in r.stderr, r.stderr[-3000:]
    finally:
        web.stop()
    now = clock.now()
    con = connect(db, read_only=True)
    times = {
        "started_at": con.execute("SELECT max(started_at) FROM crawl_runs").fetchone()[0],
        "finished_at": con.execute("SELECT max(finished_at) FROM crawl_runs").fetchone()[0],
        "fetched_at": con.execute("SELECT max(fetched_at) FROM pages").fetchone()[0],
        "updated_at": con.execute("SELECT max(updated_at) FROM source_health").fetchone()[0],
        "robots": con.execute("SELECT max(fetched_at) FROM robots_cache").fetchone()[0],
    }
    for name, t in times.items():
        assert isinstance(t, dt.datetime) and t.tzinfo is not None, name
        assert abs((t - now).total_seconds()) < 60, (name, t, now)
    assert con.execute("SELECT count(*) FROM crawl_runs WHERE status = 'ok'").fetchone()[0] == 2
    urls = {r[0] for r in con.execute("SELECT url FROM pages").fetchall()}
    assert {canonical_url(f"http://c.test/{c}/{p}.html") for p, c, _ in site.articles} <= urls


def test_sitemap_lastmod_is_an_aware_instant() -> None:
    """lastmod is compared with a stored TIMESTAMPTZ: aware, a bare date being the province's day, and
    a date at the edge of datetime's range is no date rather than an error."""
    from crawlers.feeds import parse_sitemap
    body = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b'<url><loc>https://a.test/1.html</loc><lastmod>2021-05-24</lastmod></url>'
            b'<url><loc>https://a.test/2.html</loc><lastmod>2021-05-24T10:00:00Z</lastmod></url>'
            b'<url><loc>https://a.test/3.html</loc><lastmod>0001-01-01</lastmod></url></urlset>')
    _, entries = parse_sitemap(body)
    day, noon, edge = (e.published for e in entries)
    assert day == dt.datetime(2021, 5, 24, tzinfo=clock.TZ)
    assert noon == dt.datetime(2021, 5, 24, 10, tzinfo=dt.UTC)
    assert edge is None
