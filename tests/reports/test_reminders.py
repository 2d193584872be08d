"""`chuyenmuc report reminders`: one notice per unit to urge (DOCX + Markdown) and an index."""
from __future__ import annotations

from docx import Document

HOSTILE = "<script>alert(1)</script> =HYPERLINK(\"x\") Chuyên mục"


def test_reminders_one_per_unit_and_an_index(cli, db, tmp_path):
    import duckdb
    con = duckdb.connect(str(db))
    con.execute("UPDATE unit_columns SET name = ? WHERE is_dedicated AND unit_id = 'so-y-te'", [HOSTILE])
    con.close()
    out = tmp_path / "nhac-nho"
    r = cli("report", "reminders", "--as-of", "2022-03-15", "--db", str(db), "--out", str(out))
    assert r.code == 0, r.err
    index = (out / "danh-sach.md").read_text(encoding="utf-8")
    assert "15/03/2022" in index
    # h-lak has no column, so-y-te's column is dormant: both are urged; so-tttt (active, many themes) is not
    assert "Ủy ban nhân dân huyện Lắk" in index and "Sở Y tế tỉnh Đắk Lắk" in index
    assert "Sở Thông tin và Truyền thông tỉnh Đắk Lắk" not in index
    docs = sorted(p.name for p in out.glob("*.docx"))
    mds = sorted(p.name for p in out.glob("nhac-nho-*.md"))
    assert "nhac-nho-h-lak.docx" in docs and "nhac-nho-so-y-te.docx" in docs and len(docs) == len(mds)
    assert index.count("\n| ") - 1 == len(docs)  # one index row per notice (the header row aside)

    lak = (out / "nhac-nho-h-lak.md").read_text(encoding="utf-8")
    assert "Kính gửi:** Ủy ban nhân dân huyện Lắk" in lak
    assert "Chưa tìm thấy chuyên trang, chuyên mục" in lak and "https://lak.daklak.gov.vn/" in lak
    assert "Các chủ đề chưa tuyên truyền:" in lak
    assert "Mở chuyên trang, chuyên mục đưa Nghị quyết Đại hội vào cuộc sống" in lak  # what the plan asks (IV)
    yte = Document(str(out / "nhac-nho-so-y-te.docx"))
    text = "\n".join(p.text for p in yte.paragraphs) + "\n".join(c.text for t in yte.tables for row in t.rows for c in row.cells)
    assert "Kính gửi: Sở Y tế tỉnh Đắk Lắk." in text and "ngừng cập nhật" in text
    assert "Sở Thông tin và Truyền thông nhận thấy:" in text  # the issuing body as written in a sentence
    assert "Bài gần nhất trong chuyên mục:" in text and HOSTILE in text  # web text shown as typed
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Nơi nhận:" in text
    md = (out / "nhac-nho-so-y-te.md").read_text(encoding="utf-8")
    assert "<script>" not in md


def test_reminders_bad_date(cli, db, tmp_path):
    r = cli("report", "reminders", "--as-of", "2022-13-40", "--db", str(db), "--out", str(tmp_path))
    assert r.code == 2 and "YYYY-MM-DD" in r.err
