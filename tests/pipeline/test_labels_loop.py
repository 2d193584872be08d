"""The analysts' loop end to end on a real DuckDB: tag, export uncertain, fill, import, retrain, retag."""
from __future__ import annotations

import csv
import datetime as dt
import io

import duckdb
import pytest

from pipeline.setup_db import init_db
from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS
from warehouse.batch import write_rows
from warehouse.ids import url_id

ARTICLES = [
    ("Tỉnh ghi nhận thêm 12 ca mắc COVID-19 trong cộng đồng",
     "Sở Y tế cho biết các ca mắc mới đã được cách ly, truy vết; người dân tiếp tục thực hiện giãn cách và tiêm vắc xin."),
    ("Cử tri xã Ea Tu nô nức đi bầu cử đại biểu Quốc hội khóa XV",
     "Từ sáng sớm, cử tri đã có mặt tại tổ bầu cử để bỏ phiếu bầu đại biểu Quốc hội và HĐND các cấp nhiệm kỳ 2021-2026."),
    ("=Giải bóng đá thiếu niên huyện kết thúc",
     "Đội bóng xã Hòa Thắng giành chức vô địch sau loạt sút luân lưu kịch tính trên sân vận động huyện."),
    ("Hội nghị học tập, quán triệt Nghị quyết Đại hội XIII của Đảng",
     "Huyện ủy tổ chức hội nghị học tập, quán triệt Nghị quyết cho cán bộ chủ chốt, báo cáo viên truyền đạt chuyên đề."),
    ("Giá cà phê tăng nhẹ đầu tuần",
     "Giá cà phê nhân xô tại Đắk Lắk tăng 200 đồng mỗi kg so với tuần trước, nông dân phấn khởi."),
    ("Thi hành kỷ luật đảng viên vi phạm",
     "Ủy ban Kiểm tra Huyện ủy đề nghị kỷ luật cảnh cáo hai đảng viên vi phạm trong quản lý đất đai, phòng, chống tham nhũng."),
    ("Khánh thành nhà văn hóa buôn Ko Tam",
     "Nhà văn hóa cộng đồng được xây dựng với kinh phí 500 triệu đồng, là nơi sinh hoạt của bà con trong buôn."),
    ("Tăng trưởng kinh tế 6 tháng đầu năm đạt 5,2%",
     "GRDP của tỉnh tăng 5,2%, thu ngân sách đạt 55% dự toán; tỉnh đẩy nhanh giải ngân vốn đầu tư công."),
    ("Phản bác luận điệu xuyên tạc trên mạng xã hội",
     "Bài viết chỉ rõ những quan điểm sai trái, thù địch và khẳng định cần bảo vệ nền tảng tư tưởng của Đảng."),
    ("Thông báo lịch tiếp công dân tháng 7",
     "Chủ tịch UBND huyện tiếp công dân định kỳ vào ngày 15 hằng tháng tại trụ sở tiếp công dân."),
    ("Tuyên dương gương người tốt việc tốt trả lại tài sản",
     "Anh nông dân nhặt được ví tiền đã trả lại cho người đánh rơi và được UBND xã tuyên dương, khen thưởng."),
    ("Tập huấn kỹ năng sơ cứu cho giáo viên mầm non",
     "Hơn 80 giáo viên được hướng dẫn cách sơ cứu khi trẻ bị hóc dị vật, bỏng và chảy máu cam."),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A fresh warehouse with the repo's plan and units, the test articles, and a model path."""
    root = tmp_path_factory.mktemp("loop")
    db = root / "w.duckdb"
    plan, reg = load_plan(PLAN), load_units(UNITS)
    init_db(db, plan, reg)
    con = duckdb.connect(str(db))
    unit = reg.units[0].unit_id
    rows = [dict(article_id=url_id(f"https://x.daklak.gov.vn/tin/{i}"), url=f"https://x.daklak.gov.vn/tin/{i}",
                 unit_id=unit, title=t, text=x, published_at=dt.datetime(2021, 6, 1, tzinfo=dt.UTC))
            for i, (t, x) in enumerate(ARTICLES)]
    con.execute("BEGIN")
    write_rows(con, "articles", rows)
    con.execute("COMMIT")
    con.close()
    return {"db": db, "model": root / "m.joblib", "root": root, "ids": [r["article_id"] for r in rows], "plan": plan}


def q(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_label_loop_end_to_end(world, cli):
    db, model, root = str(world["db"]), str(world["model"]), world["root"]
    r = cli("tag", "--db", db, "--model", model)
    assert r.code == 0, r.err
    assert world["model"].is_file()  # trained from the repo's data because it was missing
    v1 = q(db, "SELECT DISTINCT model_version FROM article_theme_scores")
    assert len(v1) == 1
    v1 = v1[0][0]
    n_themes = len(world["plan"].themes)
    assert q(db, "SELECT count(*) FROM article_theme_scores")[0][0] == len(ARTICLES) * n_themes
    assert q(db, "SELECT count(*) FROM article_tokens")[0][0] == len(ARTICLES)
    assert q(db, "SELECT count(*) FROM models WHERE model_version = ?", [v1])[0][0] == 1
    # every tag carries a model version and a score
    assert q(db, "SELECT count(*) FROM article_themes WHERE model_version IS NULL OR score IS NULL")[0][0] == 0
    covid_id = world["ids"][0]
    assert ("covid-prevention",) in q(db, "SELECT theme_id FROM article_themes WHERE article_id = ?", [covid_id])

    # rerun: nothing new to do, nothing duplicated
    r = cli("tag", "--db", db, "--model", model)
    assert r.code == 0 and "scored 0" in r.out, r.out + r.err

    out = root / "todo.csv"
    r = cli("label", "export", "--uncertain", "6", "--out", str(out), "--db", db, "--model", model)
    assert r.code == 0, r.err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert 0 < len(rows) <= 6
    assert list(rows[0].keys())[:3] == ["article_id", "url", "unit"]
    for row in rows:  # no cell may start a formula
        for v in row.values():
            assert not v.startswith(("=", "+", "-", "@")), v

    # the analyst fills: the sport article (title starts with '=') and one exported row get labels
    sport_id = world["ids"][2]
    from pipeline.labels import parse_article_id
    assert all(r["article_id"].startswith("id") for r in rows)  # text, not a number Excel would round
    labelled = {parse_article_id(rows[0]["article_id"]): "ideology-defense; exemplary-models", sport_id: "none"}
    fill = root / "filled.csv"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["article_id", "url", "unit", "title", "excerpt", "current_themes", "scores", "themes"])
    for aid, themes in labelled.items():
        w.writerow([aid, "", "", "", "", "", "", themes])
    w.writerow([world["ids"][4], "", "", "", "", "", "", ""])  # left empty: not labelled
    fill.write_text(buf.getvalue(), encoding="utf-8-sig")
    r = cli("label", "import", str(fill), "--db", db, "--labeller", "test")
    assert r.code == 0, r.err
    assert "imported 2" in r.out
    assert dict(q(db, "SELECT article_id, themes FROM labels")) == {
        parse_article_id(rows[0]["article_id"]): ["exemplary-models", "ideology-defense"], sport_id: []}

    r = cli("themes", "train", "--db", db, "--out", model)
    assert r.code == 0, r.err
    assert "2 from the database" in r.out
    r = cli("tag", "--all", "--db", db, "--model", model)
    assert r.code == 0, r.err
    v2 = q(db, "SELECT DISTINCT model_version FROM article_themes")
    assert v2 and all(v[0] != v1 for v in v2)
    assert q(db, "SELECT count(*) FROM models")[0][0] == 2
    first = parse_article_id(rows[0]["article_id"])
    tags = q(db, "SELECT theme_id, source FROM article_themes WHERE article_id = ? ORDER BY theme_id", [first])
    assert tags == [("exemplary-models", "label"), ("ideology-defense", "label")]
    assert q(db, "SELECT count(*) FROM article_themes WHERE article_id = ?", [sport_id])[0][0] == 0
    # scores of both model versions are kept; tags only of the last
    assert q(db, "SELECT count(DISTINCT model_version) FROM article_theme_scores")[0][0] == 2


@pytest.mark.parametrize("themes_cell, id_kind, needle", [
    ("covid-prevention; not-a-theme", "known", "not-a-theme"),
    ("covid-prevention", "unknown", "unknown article id"),
    ("none; covid-prevention", "known", "'none' cannot be combined"),
    ("covid-prevention", "garbage", "not an article id"),
])
def test_bad_label_files_rejected_whole(world, cli, themes_cell, id_kind, needle):
    db = str(world["db"])
    before = q(db, "SELECT article_id, themes FROM labels ORDER BY article_id")
    bad_id = {"known": str(world["ids"][5]), "unknown": "12345", "garbage": "abc"}[id_kind]
    f = world["root"] / f"bad-{id_kind}.csv"
    f.write_text("article_id,themes\n"
                 f"{world['ids'][6]},party-building\n"  # a good row: must not be imported either
                 f"{bad_id},\"{themes_cell}\"\n", encoding="utf-8")
    r = cli("label", "import", str(f), "--db", db)
    assert r.code == 2, r.out + r.err
    assert needle in r.err and "row 3" in r.err
    assert q(db, "SELECT article_id, themes FROM labels ORDER BY article_id") == before


def test_missing_column_rejected(world, cli):
    f = world["root"] / "nohead.csv"
    f.write_text("id,labels\n1,none\n", encoding="utf-8")
    r = cli("label", "import", str(f), "--db", str(world["db"]))
    assert r.code == 2 and "column missing" in r.err


@pytest.mark.parametrize("text,formula", [
    ("=1+1", True), ("  =HYPERLINK(\"http://x\",\"y\")", True), ("\u00a0+1", True), ("\uff1dSUM(A1)", True),
    ("\uff0b1", True), ("\nx", True), ("\rx", True), ("\tx", True), ("@x", True), ("-2", True),
    ("Nghị quyết", False), ("1-2", False), ("", False), ("'plain", False)])
def test_one_formula_rule_for_every_export(text, formula):
    """The label file and the report exports neutralise the same cells the same way (leading spaces,
    full-width signs and line breaks too), and the label import reads back exactly what was written."""
    from pipeline.labels import safe_cell
    from pipeline.reports.safe_cells import csv_cell, neutralise, unneutralise, xlsx_value

    assert safe_cell(text) == csv_cell(text) == neutralise(text) == ("'" + text if formula else text)
    assert xlsx_value(text)[1] is formula
    assert unneutralise(neutralise(text)) == text
