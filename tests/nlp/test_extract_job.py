"""The extract job on a real DuckDB file: batches, statuses, repost links, errors, reruns, CLI."""
from __future__ import annotations

import json
import zlib
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.extract_job import run_extract
from warehouse.batch import write_rows
from warehouse.db import connect, migrate
from warehouse.ids import url_id

STORY = ("Sáng 17/6, Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai kế hoạch tuyên truyền nghị quyết đại hội "
         "Đảng bộ tỉnh lần thứ XVII, nhiệm kỳ 2020 - 2025 tới toàn thể cán bộ, đảng viên và nhân dân.",
         "Hội nghị được kết nối trực tuyến tới 15 huyện, thị xã, thành phố với hơn 2.000 đại biểu tham dự. Các "
         "địa phương báo cáo kết quả tuyên truyền sáu tháng đầu năm và đề xuất cách làm mới.",
         "Phát biểu chỉ đạo, đồng chí Phó Chủ tịch tỉnh đề nghị các địa phương đa dạng hóa hình thức tuyên truyền, "
         "chú trọng vùng đồng bào dân tộc thiểu số và tăng cường tuyên truyền trên môi trường mạng.")
OTHER = ("Chiều 20/6, Hội Nông dân huyện tổ chức lớp tập huấn kỹ thuật trồng và chăm sóc cây sầu riêng cho hơn 80 "
         "hội viên của các xã trong huyện.",
         "Các kỹ sư nông nghiệp đã hướng dẫn cách bón phân hữu cơ, tưới nước tiết kiệm và phòng trừ sâu bệnh hại "
         "theo hướng an toàn, giúp bà con nâng cao năng suất.",
         "Lớp tập huấn là hoạt động thiết thực giúp hội viên yên tâm đầu tư, mở rộng diện tích cây ăn quả trong vụ "
         "mùa tới theo hướng bền vững.")


def article(title: str, date: str, paras: tuple[str, ...], site: str, extra: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<html><head><meta charset='utf-8'><title>{site}</title></head><body>"
            f"<nav class='menu'><a href='/'>Trang chủ</a> <a href='/tin'>Tin tức {site}</a></nav>"
            f"<h1 class='title'>{title}</h1><div class='post-date'>{date}</div>"
            f"<div class='detail-content'>{extra}{body}</div><footer>{site}</footer></body></html>").encode()


LISTING = ("<html><head><meta charset='utf-8'><title>Tin tức</title><meta property='og:type' content='website'>"
           "</head><body>" + "".join(f"<div class='item'><a href='/tin/{i}.html'>Tin số {i}: hội nghị triển khai "
                                      f"công tác tuyên truyền tại cơ sở</a></div>" for i in range(12))
           + "</body></html>").encode()
PDF_ONLY = ("<html><head><meta charset='utf-8'><title>Văn bản</title></head><body><h1>Kế hoạch số 45/KH-UBND</h1>"
            "<p><a href='/files/kh45.pdf'>Tải về</a></p></body></html>").encode()


def page_row(url: str, unit: str, body: bytes | None, fetched: datetime = datetime(2021, 6, 20, 3, 0),
             raw_z: bytes | None = None) -> dict:
    return {"page_id": url_id(url), "url": url, "fetched_url": url, "unit_id": unit, "source_id": None,
            "column_id": f"{unit}:tin-tuc", "run_id": 1, "fetched_at": fetched, "http_status": 200,
            "headers": json.dumps({"Content-Type": "text/html; charset=utf-8"}), "content_type": "text/html",
            "declared_charset": "utf-8", "body_zlib": raw_z if raw_z is not None else zlib.compress(body),
            "body_size": len(body or b""), "body_sha1": None, "extract_status": None, "extract_error": None,
            "extracted_at": None}


ORIGINAL = "https://tinh.example.gov.vn/tin/hoi-nghi.html"
REPOST = "https://huyen.example.gov.vn/tin/hoi-nghi-tuyen-truyen.html"


@pytest.fixture
def db(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    con = connect(path)
    migrate(con)
    yield con, path
    con.close()


def seed(con, rows: list[dict]) -> None:
    write_rows(con, "pages", rows)


def statuses(con) -> dict[str, str]:
    return dict(con.execute("SELECT url, extract_status FROM pages").fetchall())


def test_extract_articles_reposts_not_articles_and_errors(db) -> None:
    con, _ = db
    seed(con, [
        page_row(ORIGINAL, "tinh", article("Hội nghị triển khai nghị quyết", "17/06/2021 08:30", STORY, "Tỉnh")),
        page_row(REPOST, "huyen", article("Tỉnh triển khai nghị quyết Đại hội", "18/06/2021 10:00", STORY, "Huyện",
                                          "<p><em>Theo Cổng thông tin điện tử tỉnh</em></p>")),
        page_row("https://xa.example.gov.vn/tin/tap-huan.html", "xa",
                 article("Tập huấn trồng sầu riêng", "20/06/2021 14:00", OTHER, "Xã")),
        page_row("https://xa.example.gov.vn/tin", "xa", LISTING),
        page_row("https://xa.example.gov.vn/van-ban/kh45", "xa", PDF_ONLY),
        page_row("https://xa.example.gov.vn/broken", "xa", None, raw_z=b"not zlib at all"),
    ])
    counts = run_extract(con, batch_size=2, run_id=7)
    assert counts == {"pages": 6, "article": 3, "not-article": 1, "document": 1, "attachment": 0, "error": 1,
                      "reposts": 1}
    st = statuses(con)
    assert st[ORIGINAL] == "article" and st["https://xa.example.gov.vn/tin"] == "not-article"
    assert st["https://xa.example.gov.vn/van-ban/kh45"] == "document" and st["https://xa.example.gov.vn/broken"] == "error"
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT url, article_id, unit_id, column_id, title, published_at, repost_of, word_count, simhash, lang "
        "FROM articles").fetchall()}
    # the document page is a publication too (issue 20): its file was not fetched, so its text is empty
    assert set(rows) == {ORIGINAL, REPOST, "https://xa.example.gov.vn/tin/tap-huan.html",
                         "https://xa.example.gov.vn/van-ban/kh45"}
    doc = con.execute("SELECT is_document, document_url, text, quality_flags FROM articles "
                      "WHERE url = 'https://xa.example.gov.vn/van-ban/kh45'").fetchall()[0]
    assert doc[0] is True and doc[1] == "https://xa.example.gov.vn/files/kh45.pdf" and doc[2] == ""
    assert "document-not-fetched" in doc[3]
    assert rows[REPOST][5] == url_id(ORIGINAL)            # repost linked to the other unit's original
    assert rows[ORIGINAL][5] is None
    assert rows[ORIGINAL][0] == url_id(ORIGINAL) and rows[ORIGINAL][2] == "tinh:tin-tuc"
    assert rows[ORIGINAL][3] == "Hội nghị triển khai nghị quyết"
    assert rows[ORIGINAL][4].isoformat().startswith("2021-06-17T08:30:00")
    assert rows[ORIGINAL][6] > 50 and rows[ORIGINAL][8] == "vi"
    err = con.execute("SELECT run_id, stage, unit_id, url, kind FROM run_errors").fetchall()
    assert err == [(7, "extract", "xa", "https://xa.example.gov.vn/broken", "zlib.error")]
    msg = con.execute("SELECT extract_error FROM pages WHERE url = 'https://xa.example.gov.vn/broken'").fetchall()[0][0]
    assert "decompress" in msg.lower() or "zlib" in msg.lower() or "error" in msg.lower()


def test_rerun_adds_nothing_and_all_reextracts_without_duplicates(db) -> None:
    con, _ = db
    seed(con, [page_row(ORIGINAL, "tinh", article("Hội nghị", "17/06/2021 08:30", STORY, "Tỉnh")),
               page_row(REPOST, "huyen", article("Hội nghị", "18/06/2021 08:30", STORY, "Huyện"))])
    run_extract(con)
    again = run_extract(con)
    assert again["pages"] == 0
    redo = run_extract(con, all=True)
    assert redo["pages"] == 2 and redo["article"] == 2
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 2
    assert con.execute("SELECT repost_of FROM articles WHERE url = ?", [REPOST]).fetchall()[0][0] == url_id(ORIGINAL)


def test_original_met_after_its_repost_takes_the_link(db) -> None:
    con, _ = db
    seed(con, [page_row(REPOST, "huyen", article("Hội nghị", "18/06/2021 08:30", STORY, "Huyện"))])
    run_extract(con)
    assert con.execute("SELECT repost_of FROM articles").fetchall()[0][0] is None
    seed(con, [page_row(ORIGINAL, "tinh", article("Hội nghị", "17/06/2021 08:30", STORY, "Tỉnh"))])
    run_extract(con)
    assert con.execute("SELECT repost_of FROM articles WHERE url = ?", [REPOST]).fetchall()[0][0] == url_id(ORIGINAL)
    assert con.execute("SELECT repost_of FROM articles WHERE url = ?", [ORIGINAL]).fetchall()[0][0] is None


def test_same_unit_copies_are_not_reposts(db) -> None:
    con, _ = db
    seed(con, [page_row(ORIGINAL, "tinh", article("Hội nghị", "17/06/2021 08:30", STORY, "Tỉnh")),
               page_row(ORIGINAL + "?print=1", "tinh", article("Hội nghị", "18/06/2021 08:30", STORY, "Tỉnh"))])
    counts = run_extract(con)
    assert counts["reposts"] == 0


def test_a_failed_batch_loses_only_itself(db, monkeypatch) -> None:
    con, _ = db
    seed(con, [page_row(f"https://xa.example.gov.vn/tin/{i}.html", "xa",
                        article(f"Tin {i}", "17/06/2021 08:30", OTHER if i % 2 else STORY, "Xã")) for i in range(4)])
    import pipeline.extract_job as job
    real, calls = job.write_rows, {"n": 0}

    def flaky(con_, table, rows, **kw):
        if table == "articles":
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt("killed mid-batch")  # an interrupt, not a page fault (those are split)
        return real(con_, table, rows, **kw)

    monkeypatch.setattr(job, "write_rows", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_extract(con, batch_size=2)
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 2
    assert con.execute("SELECT count(*) FROM pages WHERE extract_status IS NULL").fetchall()[0][0] == 2
    monkeypatch.setattr(job, "write_rows", real)
    assert run_extract(con, batch_size=2)["pages"] == 2
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 4


def test_cli_extract_and_extract_page(db, cli, tmp_path: Path) -> None:
    con, path = db
    seed(con, [page_row(ORIGINAL, "tinh", article("Hội nghị triển khai", "17/06/2021 08:30", STORY, "Tỉnh"))])
    con.close()
    r = cli("extract", "--db", str(path))
    assert r.code == 0, r.err
    assert json.loads(r.out.strip().splitlines()[-1])["article"] == 1
    page = tmp_path / "p.html"
    page.write_bytes(article("Hội nghị triển khai", "Thứ Năm, 17/06/2021 08:30", STORY, "Tỉnh"))
    r = cli("extract-page", str(page), "--url", ORIGINAL + "?utm_source=zalo")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["is_article"] is True and out["title"] == "Hội nghị triển khai"
    assert out["published_at"] == "2021-06-17T08:30:00+07:00" and out["lang"] == "vi"
    assert out["canonical_url"] == ORIGINAL and "\n\n" in out["text"] and "Trang chủ" not in out["text"]
    assert cli("extract-page", str(tmp_path / "missing.html"), "--url", ORIGINAL).code == 2
    assert cli("extract", "--db", str(tmp_path / "none.duckdb")).code != 0


def test_http_error_pages_are_not_extracted(db) -> None:
    con, _ = db
    row = page_row("https://xa.example.gov.vn/mat-trang", "xa", article("Hội nghị", "17/06/2021", STORY, "Xã"))
    row["http_status"] = 404
    seed(con, [row])
    assert run_extract(con)["not-article"] == 1
    assert con.execute("SELECT extract_status, extract_error FROM pages").fetchall() == [("not-article", "http-404")]
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 0
