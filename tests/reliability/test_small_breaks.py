"""Issue 22, item 8 (the parts not about charts): label CSV ids that survive Excel, bad --week values,
and `export --parquet` into a folder that holds other things."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import pytest

from pipeline.labels import export_uncertain, import_labels, parse_article_id
from pipeline.parquet_export import ExportRefused, export_parquet
from pipeline.setup_db import init_db
from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS
from warehouse.batch import write_rows
from warehouse.ids import url_id


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A warehouse with scored articles whose ids are 19 digits (as real ids are) and a model."""
    from nlp.themes.data import repo_examples
    from nlp.themes.training import train
    from pipeline.tag_job import run_tag
    root = tmp_path_factory.mktemp("labels")
    db = root / "w.duckdb"
    plan = load_plan(PLAN)
    init_db(db, plan, load_units(UNITS))
    model = train(repo_examples(plan), plan, processes=1)
    path = model.save(root / "m.joblib")
    con = duckdb.connect(str(db))
    rows = []
    for i in range(6):
        url = f"https://tinhuy.daklak.gov.vn/tin/{i}.html"
        rows.append(dict(article_id=url_id(url), url=url, unit_id="tinh-uy", title=f"Tiêm vắc xin đợt {i}",
                         text="Ngành y tế tổ chức tiêm vắc xin phòng COVID-19 cho người dân trên địa bàn tỉnh.",
                         published_at=dt.datetime(2021, 7, 1, tzinfo=dt.UTC)))
    con.execute("BEGIN")
    write_rows(con, "articles", rows)
    con.execute("COMMIT")
    run_tag(con, path, processes=1)
    yield con, model, plan, root, [r["article_id"] for r in rows]
    con.close()


def _excel_round_trip(text: str) -> str:
    """What Excel does to a CSV opened and saved again: every cell that reads as a number becomes
    one, kept to 15 significant digits and written back in its General format (9.10100E+18 style
    for 19 digits); text stays text. (Python's float has the same 15-17 digit limit Excel has.)"""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text)):
        cells = []
        for c in row:
            try:
                v = float(c)
            except ValueError:
                cells.append(c)
                continue
            cells.append(c if len(c.lstrip("-")) <= 11 else f"{v:.5E}")
        w.writerow(cells)
    return out.getvalue()


def test_label_ids_survive_excel(world) -> None:
    con, model, plan, root, ids = world
    out = root / "nhan.csv"
    assert export_uncertain(con, model, 3, out) == 3
    raw = out.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert all(len(str(parse_article_id(r["article_id"]))) >= 18 for r in rows)
    saved = _excel_round_trip(raw)
    assert saved.count("E+18") == 0, "an id was read as a number"
    filled = list(csv.DictReader(io.StringIO(saved)))
    for r in filled:
        r["themes"] = "covid-prevention"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(filled[0].keys()))
    w.writeheader()
    w.writerows(filled)
    back = root / "nhan-excel.csv"
    back.write_text(buf.getvalue(), encoding="utf-8-sig")
    res = import_labels(con, plan, back, labeller="test")
    assert res["imported"] == 3
    got = {r[0] for r in con.execute("SELECT article_id FROM labels").fetchall()}
    assert got == {parse_article_id(r["article_id"]) for r in rows} and got <= set(ids)


def test_an_id_excel_already_rounded_is_named(world) -> None:
    from registry.errors import ValidationError
    con, model, plan, root, ids = world
    f = root / "rounded.csv"
    f.write_text(f"article_id,themes\n{float(ids[0]):.5E},covid-prevention\nid{ids[1]},none\n{ids[2]},none\n",
                 encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        import_labels(con, plan, f)
    msg = e.value.render()
    assert "row 2" in msg and "turned into a number" in msg
    assert "row 3" not in msg and "row 4" not in msg  # 'id' + digits and plain digits are both accepted


@pytest.mark.parametrize("week", ["9999-W52", "9999-W01", "0001-W01", "2021-W54", "2021-W00", "2021W30", "tuần 30",
                                  "2021-W30; DROP TABLE units"])
def test_bad_week_is_exit_2_naming_the_option(week: str, world, cli) -> None:
    con, *_ = world
    r = cli("report", "weekly", "--week", week, "--db", str(world[3] / "w.duckdb"))
    assert r.code == 2, (r.code, r.err[-1500:])
    assert "--week" in r.err and "Traceback" not in r.err


def _lake(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    db = tmp_path / "w.duckdb"
    init_db(db, load_plan(PLAN), load_units(UNITS))
    return duckdb.connect(str(db)), tmp_path / "lake"


def test_parquet_export_keeps_what_it_did_not_write(tmp_path: Path, cli) -> None:
    con, lake = _lake(tmp_path)
    try:
        first = export_parquet(con, lake)
        assert first["units"]["rows"] > 0
        # the user keeps their own things beside the export
        (lake / "ghi-chu.txt").write_text("của tôi", encoding="utf-8")
        again = export_parquet(con, lake)
        assert (lake / "ghi-chu.txt").read_text(encoding="utf-8") == "của tôi"
        assert again["units"]["rows"] == first["units"]["rows"]
        assert con.execute(f"SELECT count(*) FROM read_parquet('{lake}/units/**/*.parquet')").fetchone()[0] == \
            first["units"]["rows"]
        man = json.loads((lake / "_manifest.json").read_text(encoding="utf-8"))
        assert man["tables"]["units"]["files"] == ["data.parquet"]
        # a file of theirs inside a table folder: refused, before anything is written or deleted
        mine = lake / "units" / "danh-sach-cua-toi.xlsx"
        mine.write_bytes(b"not ours")
        before = sorted(str(p) for p in lake.rglob("*"))
        with pytest.raises(ExportRefused, match="danh-sach-cua-toi.xlsx"):
            export_parquet(con, lake)
        assert sorted(str(p) for p in lake.rglob("*")) == before
        assert mine.read_bytes() == b"not ours"
    finally:
        con.close()
    r = cli("export", "--parquet", str(lake), "--db", str(tmp_path / "w.duckdb"))
    assert r.code == 2 and "danh-sach-cua-toi.xlsx" in r.err and "Traceback" not in r.err


def test_parquet_export_refuses_a_foreign_folder(tmp_path: Path, cli) -> None:
    con, lake = _lake(tmp_path)
    (lake / "themes").mkdir(parents=True)
    (lake / "themes" / "bao-cao.docx").write_bytes(b"user file")
    (lake / "units").mkdir()
    (lake / "units" / "x.parquet").write_bytes(b"user parquet")
    try:
        with pytest.raises(ExportRefused, match="not empty"):
            export_parquet(con, lake)
    finally:
        con.close()
    assert (lake / "themes" / "bao-cao.docx").read_bytes() == b"user file"
    assert (lake / "units" / "x.parquet").read_bytes() == b"user parquet"
    r = cli("export", "--parquet", str(lake), "--db", str(tmp_path / "w.duckdb"))
    assert r.code == 2 and str(lake) in r.err
    # an empty folder is fine
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("export", "--parquet", str(empty), "--db", str(tmp_path / "w.duckdb")).code == 0
