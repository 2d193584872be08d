"""Extraction benchmark: F1 against the VnExpress gold, and for every real page in ../shared/data
ours (nlp.extract) against plain trafilatura: title/date correctness, article-vs-listing, text length,
boilerplate hits, ms per page. Prints one JSON object (and writes bench/results/bench_extract.json).

    .venv/bin/python bench/bench_extract.py
"""
from __future__ import annotations

import collections
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:
    from bench.common import emit, shared_data
except ImportError:  # running on a branch without bench/common.py
    def shared_data() -> Path | None:
        p = Path(os.environ.get("CHUYENMUC_SHARED_DATA", ROOT.parent / "shared" / "data"))
        return p if p.is_dir() else None

    def emit(name: str, figures: dict) -> dict:
        out = {"bench": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **figures}
        (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
        (ROOT / "bench" / "results" / f"{name}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1),
                                                                encoding="utf-8")
        print(json.dumps(out, ensure_ascii=False))
        return out

# Labels of menus, footers, related-links boxes and comment widgets on Vietnamese portals; a hit is
# counted only when the label is visible on the page and ends up in the extracted text.
BOILER = ["Tin liên quan", "Bình luận", "Đọc nhiều", "Xem thêm", "Giấy phép", "Tổng biên tập", "Bản quyền",
          "Quảng cáo", "Tin khác", "Chia sẻ", "Từ khóa", "Tin cùng chuyên mục", "Có thể bạn quan tâm",
          "Ghi rõ nguồn", "Trang chủ", "Podcast", "Hotline", "Tòa soạn", "Đăng nhập", "THĂM DÒ Ý KIẾN",
          "Liên hệ", "Sơ đồ cổng", "View count", "Lượt xem"]
PAPERS = "pages/provincial-and-national-papers"
# Truth for the article pages: (file, url, title, published ISO with +07:00)
TRUTH = {
    f"{PAPERS}/baolaocai_sample_article.decompressed.html": (
        "https://baolaocai.vn/song-dep-tu-nhung-dieu-gian-di-post404649.html",
        "Sống đẹp từ những điều giản dị", "2025-06-17T13:43:02+07:00"),
    f"{PAPERS}/tmp_baocantho_article.html": (
        "https://baocantho.com.vn/a196670.html",
        "Tập trung triển khai các đợt thanh tra, kiểm tra có trọng tâm, trọng điểm nhất là các lĩnh vực có nguy cơ",
        "2026-01-08T18:21:00+07:00"),
    f"{PAPERS}/vtcnews_sample_article.html": (
        "https://vtcnews.vn/ar994669.html",
        "Mở rộng đường hơn 2.000 tỷ đồng 'giải cứu' kẹt xe ở cửa ngõ phía Đông TP.HCM", "2025-12-24T09:30:00+07:00"),
    f"{PAPERS}/znews_sample_article.html": (
        "https://znews.vn/gia-vang-the-gioi-cao-nhat-moi-thoi-dai-post1613516.html",
        "Giá vàng thế giới cao nhất mọi thời đại", "2025-12-23T09:02:07+07:00"),
    "pages/hanoi-sotttt-liferay-2022/pages/chien-luoc-quy-hoach84a0.html": (
        "https://sotttt.hanoi.gov.vn/chien-luoc-quy-hoach",
        "Hướng dẫn xây dựng Kế hoạch ứng dụng CNTT trong hoạt động của cơ quan nhà nước thành phố Hà Nội năm 2012",
        None),
}
# article pages without a title/date truth here (a hand-trimmed fixture; the Đắk Song content files)
ALSO_ARTICLES = {f"{PAPERS}/baolaocai_sample_article_fixture.html"}


def words(s: str) -> collections.Counter:
    return collections.Counter(re.findall(r"\w+", unicodedata.normalize("NFC", s).lower()))


def f1(pred: str, gold: str) -> dict:
    a, b = words(pred), words(gold)
    ov = sum((a & b).values())
    p = ov / max(sum(a.values()), 1)
    r = ov / max(sum(b.values()), 1)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if ov else 0.0}


def trafilatura_run(raw: bytes, url: str) -> dict:
    import trafilatura
    html = raw.decode("utf-8", "replace")
    t = time.perf_counter()
    text = trafilatura.extract(html, url=url) or ""
    meta = trafilatura.extract_metadata(html, default_url=url)
    ms = (time.perf_counter() - t) * 1000
    return {"text": text, "title": getattr(meta, "title", None), "date": getattr(meta, "date", None), "ms": ms}


def ours_run(raw: bytes, url: str) -> dict:
    from nlp.extract import extract_page
    t = time.perf_counter()
    res = extract_page(raw, url)
    ms = (time.perf_counter() - t) * 1000
    j = res.to_json()
    return {"text": res.text, "title": res.title, "date": j["published_at"], "ms": ms, "kind": res.kind,
            "is_article": res.is_article, "flags": res.quality_flags}


def pages(data: Path) -> list[Path]:
    pats = [f"{PAPERS}/*.html", "pages/vnexpress-with-gold/*.html", "pages/hanoi-sotttt-liferay-2022/pages/*.html",
            "pages/mojibake-homepages/original_mojibake/*.html", "pages/daksong-district-portal/content/*.md"]
    return [p for pat in pats for p in sorted(data.glob(pat))]


def main() -> int:
    data = shared_data()
    if data is None:
        emit("bench_extract", {"skipped": "../shared/data is absent"})
        return 0
    from nlp.encoding import visible_text

    gold_dir = data / "pages/vnexpress-with-gold"
    gold = json.loads((gold_dir / "VnExpress.json").read_text(encoding="utf-8"))["V1"]
    gold_text = " ".join(gold["body"]["summary"] + [p for s in gold["body"]["sections"] for p in s["paragraphs"]])
    vurl = next(iter(json.loads((gold_dir / "meta.info").read_text()).values()))["url"]
    vraw = (gold_dir / "VnExpress_2025_10_22.html").read_bytes()
    vnexpress = {"ours": f1(ours_run(vraw, vurl)["text"], gold_text),
                 "trafilatura": f1(trafilatura_run(vraw, vurl)["text"], gold_text)}
    TRUTH["pages/vnexpress-with-gold/VnExpress_2025_10_22.html"] = (vurl, gold["title"], gold["publishing_date"].replace(" ", "T"))

    rows = []
    for p in pages(data):
        rel = str(p.relative_to(data))
        raw = p.read_bytes()
        url = TRUTH.get(rel, (f"https://example.vn/{p.stem}",))[0]
        ours, traf = ours_run(raw, url), trafilatura_run(raw, url)
        vis = visible_text(raw.decode("utf-8", "replace"))
        labels = [b for b in BOILER if b in vis]
        row = {"page": rel, "kind_ours": ours["kind"], "flags_ours": ours["flags"],
               "ms": {"ours": round(ours["ms"], 1), "trafilatura": round(traf["ms"], 1)},
               "text_chars": {"ours": len(ours["text"]), "trafilatura": len(traf["text"])},
               "boilerplate_hits": {"ours": sum(b in ours["text"] for b in labels),
                                    "trafilatura": sum(b in traf["text"] for b in labels)},
               "title": {"ours": ours["title"], "trafilatura": traf["title"]}}
        if rel in TRUTH:
            _, title, date = TRUTH[rel]
            row["title_ok"] = {"ours": ours["title"] == title, "trafilatura": traf["title"] == title}
            if date:
                row["date_ok"] = {"ours": ours["date"] == date,
                                  "trafilatura_day": bool(traf["date"]) and traf["date"] == date[:10],
                                  "ours_value": ours["date"], "trafilatura_value": traf["date"]}
            row["article_ok"] = {"ours": ours["is_article"], "trafilatura": bool(traf["text"])}
        elif rel in ALSO_ARTICLES or (rel.endswith(".md") and not rel.endswith("1012202001.md")):
            row["article_ok"] = {"ours": ours["is_article"], "trafilatura": bool(traf["text"])}
            row["nfc_ok"] = {"ours": unicodedata.is_normalized("NFC", ours["text"]),
                             "trafilatura": unicodedata.is_normalized("NFC", traf["text"])}
        else:
            # every other real page is a listing, homepage, static page or document record
            row["not_article_ok"] = {"ours": not ours["is_article"], "trafilatura": not traf["text"]}
        rows.append(row)

    def total(key: str, who: str) -> int:
        return sum(1 for r in rows if key in r and r[key][who] is True)

    n_truth = sum(1 for r in rows if "title_ok" in r)
    n_dates = sum(1 for r in rows if "date_ok" in r)
    n_other = sum(1 for r in rows if "not_article_ok" in r)
    summary = {
        "pages": len(rows),
        "vnexpress_gold": vnexpress,
        "titles_correct": {"ours": total("title_ok", "ours"), "trafilatura": total("title_ok", "trafilatura"),
                           "of": n_truth},
        "dates_correct": {"ours_with_time": total("date_ok", "ours"),
                          "trafilatura_day_only": total("date_ok", "trafilatura_day"), "of": n_dates},
        "non_articles_recognised": {"ours": total("not_article_ok", "ours"),
                                    "trafilatura_returns_no_text": total("not_article_ok", "trafilatura"),
                                    "of": n_other},
        "articles_recognised": {"ours": total("article_ok", "ours"),
                                "of": sum(1 for r in rows if "article_ok" in r)},
        "nfc_text": {"ours": total("nfc_ok", "ours"), "trafilatura": total("nfc_ok", "trafilatura"),
                     "of": sum(1 for r in rows if "nfc_ok" in r)},
        "boilerplate_hits_on_articles": {
            who: sum(r["boilerplate_hits"][who] for r in rows if "title_ok" in r) for who in ("ours", "trafilatura")},
        "ms_per_page_mean": {who: round(sum(r["ms"][who] for r in rows) / len(rows), 1)
                             for who in ("ours", "trafilatura")},
    }
    summary["job"] = job_throughput(data)
    emit("bench_extract", {"summary": summary, "htmldate_trap": htmldate_trap(), "per_page": rows})
    return 0


def job_throughput(data: Path, copies: int = 4) -> dict:
    """`run_extract` over every real page stored `copies` times (distinct URLs and units) in a fresh DuckDB."""
    import tempfile
    import zlib
    from datetime import datetime

    from pipeline.extract_job import run_extract
    from warehouse.batch import write_rows
    from warehouse.db import connect, migrate
    from warehouse.ids import url_id

    rows = []
    for k in range(copies):
        for p in pages(data):
            url = f"https://u{k}.example.gov.vn/{p.stem}-{k}.html"
            body = p.read_bytes()
            rows.append({"page_id": url_id(url), "url": url, "fetched_url": url, "unit_id": f"u{k}",
                         "fetched_at": datetime(2026, 1, 20), "http_status": 200, "body_zlib": zlib.compress(body),
                         "body_size": len(body)})
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        migrate(con)
        write_rows(con, "pages", rows)
        t = time.perf_counter()
        counts = run_extract(con, batch_size=200)
        secs = time.perf_counter() - t
        con.close()
    return {"pages": len(rows), "seconds": round(secs, 2), "pages_per_second": round(len(rows) / secs, 1),
            "counts": counts}


def htmldate_trap() -> dict:
    """The known trap: htmldate reads 'Cập nhật lúc 08:30 ngày 17 tháng 6 năm 2021' as 2021-01-01."""
    from nlp.dates import parse_vietnamese_date
    s = "Cập nhật lúc 08:30 ngày 17 tháng 6 năm 2021"
    try:
        from htmldate import find_date
        theirs = find_date(f"<html><body><p>{s}</p><p>Nội dung bài viết.</p></body></html>")
    except Exception as e:  # noqa: BLE001
        theirs = f"error: {e}"
    ours = parse_vietnamese_date(s)
    return {"text": s, "htmldate": theirs, "ours": ours.isoformat() if ours else None}


if __name__ == "__main__":
    raise SystemExit(main())
