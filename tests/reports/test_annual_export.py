"""The annual report (XLSX checked with openpyxl, HTML escaped) and `chuyenmuc export`."""
from __future__ import annotations

import csv
import zipfile

import openpyxl
import pyarrow.parquet as pq
import pytest

from pipeline.reports.annual import build_annual
from pipeline.reports.common import ReportError
from pipeline.reports.safe_cells import csv_cell, is_formula_like
from tests.reports.truthgen import FORMULA_TITLE, SCRIPT_TITLE

SHEETS = ["Tổng hợp", "Tình trạng chuyên mục", "Bài theo chủ đề", "Tháng không có bài", "Khoảng trống chủ đề",
          "Kênh chính thức", "Bài viết"]


def _no_formulas(path) -> None:
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(n) and b"<f " not in z.read(n), n


def test_cli_annual_xlsx_and_html(cli, db, tmp_path, truth):
    r = cli("report", "annual", "--year", "2021", "--db", str(db), "--out", str(tmp_path))
    assert r.code == 0, r.err
    xlsx, html = tmp_path / "bao-cao-nam-2021.xlsx", tmp_path / "bao-cao-nam-2021.html"
    assert str(xlsx) in r.out and str(html) in r.out
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == SHEETS  # the summary first, then one sheet per table
    for ws in wb.worksheets:
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert all(c.value for c in ws[1]) and ws["A1"].font.b
    st = wb["Tình trạng chuyên mục"]
    assert [c.value for c in st[1]][:5] == ["Tên đơn vị", "Tên viết tắt", "Loại đơn vị", "Bắt buộc mở chuyên mục", "Tình trạng"]
    status = {row[0]: row[4] for row in st.iter_rows(min_row=2, values_only=True)}
    assert status["Sở Thông tin và Truyền thông tỉnh Đắk Lắk"] == "Đang hoạt động"
    assert status["Ủy ban nhân dân huyện Lắk"] == "Chưa mở chuyên mục"
    assert status["Ban Tuyên giáo Tỉnh ủy Đắk Lắk"] == "Không bắt buộc"
    ids = {r["unit_id"] for r in truth["units"]} | {"so-nnmt"} | {p["period_id"] for p in truth.get("periods", [])}
    ids |= {"2021", "2022-on"}  # the plan's period ids: the annex names periods by their titles
    themes_en = {t for a in truth["articles"] for t in a["themes"]}
    for ws in wb.worksheets:  # unit names and Vietnamese theme titles, never internal ids
        for row in ws.iter_rows(min_row=2, values_only=True):
            for v in row:
                assert v not in ids and v not in themes_en, (ws.title, v)
    assert "so-nnmt" not in str([c.value for row in st.iter_rows() for c in row])
    arts = wb["Bài viết"]
    cells = [row[2] for row in arts.iter_rows(min_row=2)]
    f = next(c for c in cells if c.value == FORMULA_TITLE)
    assert f.data_type == "s" and f.quotePrefix
    assert any(c.value == SCRIPT_TITLE for c in cells)
    # the 2021 period starts on 23/05/2021 and the report stops at 30/11/2021
    n2021 = sum(1 for a in truth["articles"] if a["robots_allowed"] and "2021-05-23" <= a["published_at"][:10] <= "2021-11-30")
    assert arts.max_row - 1 == n2021
    _no_formulas(xlsx)
    page = html.read_text(encoding="utf-8")
    for heading in ("Tình trạng chuyên mục của các đơn vị", "Số bài theo đơn vị và chủ đề",
                    "Các tháng không có bài viết", "Chủ đề theo giai đoạn của kế hoạch", "I. KHÁI QUÁT",
                    "IV. ĐỀ XUẤT, KIẾN NGHỊ"):
        assert f"<h2>{heading}</h2>" in page
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page and "Nơi nhận:" in page
    assert "<script" not in page.lower() and "Đang hoạt động" in page


def test_months_without_articles(con):
    import datetime as dt
    con.execute("DELETE FROM articles WHERE unit_id = 'h-lak' AND month(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh') IN (8, 9)")
    rep = build_annual(con, 2021)
    assert rep["as_of"] == dt.date(2021, 11, 30) and rep["start"] == dt.date(2021, 5, 23)
    months = {r[0]: r for r in rep["sheets"][3].rows}
    lak = months["Ủy ban nhân dân huyện Lắk"]
    assert lak[2] == 6 and lak[3] == 2  # June to November counted; August and September empty
    assert lak[4] == "08/2021; 09/2021"
    assert months["Sở Tư pháp tỉnh Đắk Lắk"][3] == 6  # no article at all: every counted month
    rep22 = build_annual(con, 2022)
    assert rep22["end"] == dt.date(2022, 3, 15)  # the warehouse's reference date is before 30/11
    assert {r[0]: r[3] for r in rep22["sheets"][3].rows}["Sở Tư pháp tỉnh Đắk Lắk"] == 3
    with pytest.raises(ReportError):
        build_annual(con, 2023)


@pytest.mark.parametrize("text,bad", [("=1+1", True), ("+1", True), ("-2", True), ("@SUM(A1)", True),
                                      ("  =HYPERLINK(1)", True), ("\tx", True), ("Nghị quyết", False),
                                      ("1-2", False), ("", False)])
def test_formula_like(text, bad):
    assert is_formula_like(text) is bad
    assert csv_cell(text) == ("'" + text if bad else text)


def test_export_csv_parquet_xlsx(cli, db, tmp_path, truth):
    n_articles = sum(1 for a in truth["articles"] if a["robots_allowed"])
    out = tmp_path / "a.csv"
    r = cli("export", "articles", "--format", "csv", "--db", str(db), "--out", str(out))
    assert r.code == 0, r.err
    assert f"{n_articles} rows" in r.out
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == n_articles
    titles = {r["title"] for r in rows}
    assert "'" + FORMULA_TITLE in titles and FORMULA_TITLE not in titles and SCRIPT_TITLE in titles

    r = cli("export", "coverage_weekly", "--format", "parquet", "--db", str(db), "--out", str(tmp_path / "c.parquet"))
    assert r.code == 0, r.err
    t = pq.read_table(tmp_path / "c.parquet")
    assert {"unit_id", "theme_id", "week", "articles", "reposts"} <= set(t.column_names) and t.num_rows > 0

    r = cli("export", "articles", "--format", "xlsx", "--db", str(db), "--out", str(tmp_path / "a.xlsx"))
    assert r.code == 0, r.err
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    assert ws.auto_filter.ref and ws.max_row == n_articles + 1
    head = [c.value for c in ws[1]]
    col = head.index("title") + 1
    f = next(ws.cell(i, col) for i in range(2, ws.max_row + 1) if ws.cell(i, col).value == FORMULA_TITLE)
    assert f.data_type == "s"
    _no_formulas(tmp_path / "a.xlsx")


@pytest.mark.parametrize("name", ["nope", "articles; DROP TABLE articles", 'articles" --', "ARTICLES"])
def test_export_rejects_unknown_tables(cli, db, tmp_path, name):
    r = cli("export", name, "--db", str(db), "--out", str(tmp_path / "x.csv"))
    assert r.code == 2 and "unknown table" in r.err
    assert not (tmp_path / "x.csv").exists()
    import duckdb
    assert duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM articles").fetchone()[0] > 0
