"""The annual report's Word draft: opens with python-docx, converts to PDF with LibreOffice (Debian
libreoffice-writer, installed by .ci/services.sh), its first page renders to PNG (poppler-utils), it
names the units without a column, and web text in it is inert."""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

HOSTILE = '<script>alert(1)</script> =HYPERLINK("https://example.invalid/x","y") chuyên mục'


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


@pytest.fixture
def annual_docx(cli, db, tmp_path) -> Path:
    import duckdb
    con = duckdb.connect(str(db))
    con.execute("UPDATE unit_columns SET name = ? WHERE is_dedicated AND unit_id = 'so-y-te'", [HOSTILE])
    con.close()
    r = cli("report", "annual", "--year", "2022", "--db", str(db), "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    return tmp_path / "out" / "bao-cao-nam-2022.docx"


def test_docx_layout_and_content(annual_docx):
    text = _docx_text(annual_docx)
    for must in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN TỈNH ĐẮK LẮK",
                 "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "/BC-STTTT", "Đắk Lắk, ngày", "BÁO CÁO",
                 "Kết quả thực hiện Kế hoạch tuyên truyền", "I. KHÁI QUÁT", "II. KẾT QUẢ THỰC HIỆN",
                 "III. TỒN TẠI, HẠN CHẾ", "IV. ĐỀ XUẤT, KIẾN NGHỊ", "Nơi nhận:", "GIÁM ĐỐC",
                 "15/03/2022"):
        assert must in text, must
    # the units without a column, by name; the dormant one; the charts are embedded
    assert "Các đơn vị chưa mở chuyên mục:" in text and "- Ủy ban nhân dân huyện Lắk" in text
    assert "Sở Y tế tỉnh Đắk Lắk: chuyên mục" in text
    assert "Các đơn vị có chuyên mục được cập nhật thường xuyên: " in text and "Sở Thông tin và Truyền thông" in text
    doc = Document(str(annual_docx))
    assert len(doc.inline_shapes) == 3
    assert doc.sections[0].page_width.cm == pytest.approx(21, abs=0.01)
    assert doc.sections[0].left_margin.cm == pytest.approx(3, abs=0.01)


def test_a_date_past_the_data_is_said(cli, db, tmp_path):
    r = cli("report", "annual", "--year", "2022", "--as-of", "2022-11-30", "--db", str(db), "--out", str(tmp_path))
    assert r.code == 0, r.err
    assert "dữ liệu mới được thu thập đến ngày 15/03/2022" in _docx_text(tmp_path / "bao-cao-nam-2022.docx")


def test_docx_web_text_is_inert(annual_docx):
    assert HOSTILE in _docx_text(annual_docx)  # shown as typed
    html = annual_docx.with_suffix(".html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    import openpyxl
    ws = openpyxl.load_workbook(annual_docx.with_suffix(".xlsx"))["Tình trạng chuyên mục"]
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == HOSTILE)
    assert cell.data_type == "s"
    with zipfile.ZipFile(annual_docx) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "<script" not in xml and "&lt;script&gt;" in xml
    assert "w:fldSimple" not in xml and "w:instrText" not in xml  # no field (formula, hyperlink) anywhere


def test_libreoffice_converts_to_pdf_and_first_page_renders(annual_docx, tmp_path):
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        pytest.skip("libreoffice-writer / poppler-utils absent (installed by .ci/services.sh)")
    out = tmp_path / "pdf"
    p = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                        "--convert-to", "pdf", "--outdir", str(out), str(annual_docx)],
                       capture_output=True, text=True, timeout=300)
    pdf = out / "bao-cao-nam-2022.pdf"
    assert pdf.is_file(), p.stderr[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True)
    if text.returncode == 0:
        words = " ".join(text.stdout.split())
        assert "BÁO CÁO" in words and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in words
    subprocess.run([pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)
    from PIL import Image
    png = next(tmp_path.glob("page*.png"))
    img = Image.open(png).convert("L")
    w, h = img.size
    assert 0.65 < w / h < 0.75  # A4 portrait
    dark = sum(1 for v in img.getdata() if v < 128)
    assert dark > 0.01 * w * h  # text on the page, not a blank render
