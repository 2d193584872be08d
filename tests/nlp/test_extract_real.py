"""Real pages from ../shared/data (skipped when absent). Only titles, dates and short boilerplate
labels appear here; no article text is copied."""
from __future__ import annotations

import collections
import json
import re
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from nlp.extract import extract_page

PAPERS = "pages/provincial-and-national-papers"
FETCHED = datetime.fromisoformat("2026-01-20T00:00:00+07:00")
# Menus, footers, related-links boxes and comment widgets: every label is visible on its page.
ARTICLES = [
    ("baolaocai_sample_article.decompressed.html", "https://baolaocai.vn/song-dep-tu-nhung-dieu-gian-di-post404649.html",
     "Sống đẹp từ những điều giản dị", "2025-06-17T13:43:02+07:00",
     ["Đọc nhiều", "Tin cùng chuyên mục", "Có thể bạn quan tâm", "Giấy phép", "Podcast", "Hotline", "Trang chủ"]),
    ("tmp_baocantho_article.html",
     "https://baocantho.com.vn/tap-trung-trien-khai-cac-dot-thanh-tra-kiem-tra-co-trong-tam-trong-diem-nhat-la-cac-linh-vuc-co-ng-a196670.html",
     "Tập trung triển khai các đợt thanh tra, kiểm tra có trọng tâm, trọng điểm nhất là các lĩnh vực có nguy cơ",
     "2026-01-08T18:21:00+07:00",
     ["Đọc nhiều", "Tổng biên tập", "Bản quyền", "Quảng cáo", "Ghi rõ nguồn", "Thời sự", "Chia sẻ"]),
    ("vtcnews_sample_article.html",
     "https://vtcnews.vn/mo-rong-duong-hon-2-000-ty-dong-giai-cuu-ket-xe-o-cua-ngo-phia-dong-tp-hcm-ar994669.html",
     "Mở rộng đường hơn 2.000 tỷ đồng 'giải cứu' kẹt xe ở cửa ngõ phía Đông TP.HCM", "2025-12-24T09:30:00+07:00",
     ["Bình luận", "Tổng biên tập", "Giấy phép", "Hotline", "Chia sẻ"]),
    ("znews_sample_article.html", "https://znews.vn/gia-vang-the-gioi-cao-nhat-moi-thoi-dai-post1613516.html",
     "Giá vàng thế giới cao nhất mọi thời đại", "2025-12-23T09:02:07+07:00",
     ["Xem thêm", "Tổng biên tập", "Giấy phép", "Tòa soạn", "Hotline", "Thể thao"]),
]
LISTINGS = [("tmp_baocantho_category.html", "https://baocantho.com.vn/thoi-su/"),
            ("znews_kinhdoanh.html", "https://znews.vn/kinh-doanh-tai-chinh.html"),
            ("vtcnews_home.html", "https://vtcnews.vn/"),
            ("vtcnews_latest.html", "https://vtcnews.vn/tin-moi-nhat.html"),
            ("znews_home.html", "https://znews.vn/")]


def _words(s: str) -> collections.Counter:
    return collections.Counter(re.findall(r"\w+", s.lower()))


def f1(pred: str, gold: str) -> float:
    a, b = _words(pred), _words(gold)
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * p * r / (p + r)


@pytest.mark.parametrize("name,url,title,published,boiler", ARTICLES, ids=[a[0].split("_")[0] for a in ARTICLES])
def test_paper_articles(shared_data: Path, name, url, title, published, boiler) -> None:
    page = shared_data / PAPERS / name
    html = page.read_bytes()
    res = extract_page(html, url, fetched_at=FETCHED)
    assert res.is_article and res.kind == "article"
    assert res.title == title
    assert res.to_json()["published_at"] == published
    assert res.lang == "vi" and len(res.text) > 1000
    visible = html.decode("utf-8")
    for label in boiler:
        assert label in visible, f"marker {label!r} should be on the page"
        assert label not in res.text, f"boilerplate {label!r} leaked into the text"


@pytest.mark.parametrize("name,url", LISTINGS, ids=[n for n, _ in LISTINGS])
def test_paper_listings_are_not_articles(shared_data: Path, name, url) -> None:
    res = extract_page((shared_data / PAPERS / name).read_bytes(), url, fetched_at=FETCHED)
    assert not res.is_article and res.kind == "listing"


def test_vnexpress_matches_gold(shared_data: Path) -> None:
    folder = shared_data / "pages/vnexpress-with-gold"
    gold = json.loads((folder / "VnExpress.json").read_text(encoding="utf-8"))["V1"]
    meta = json.loads((folder / "meta.info").read_text(encoding="utf-8"))
    url = next(iter(meta.values()))["url"]
    res = extract_page((folder / "VnExpress_2025_10_22.html").read_bytes(), url)
    paras = gold["body"]["summary"] + [p for s in gold["body"]["sections"] for p in s["paragraphs"]]
    assert f1(res.text, " ".join(paras)) >= 0.95
    assert res.title == gold["title"]
    assert res.published_at == datetime.fromisoformat(gold["publishing_date"])
    assert res.author in gold["authors"]


LIFERAY = "pages/hanoi-sotttt-liferay-2022/pages"
LIFERAY_ARTICLE = "chien-luoc-quy-hoach84a0.html"


def _liferay_pages() -> list[str]:
    from tests.conftest import SHARED_DATA
    folder = SHARED_DATA / LIFERAY
    return sorted(p.name for p in folder.glob("*.html") if p.name != LIFERAY_ARTICLE) if folder.is_dir() else []


@pytest.mark.parametrize("name", _liferay_pages() or ["absent"])
def test_liferay_listings_and_static_pages_are_not_articles(shared_data: Path, name: str) -> None:
    res = extract_page((shared_data / LIFERAY / name).read_bytes(), f"https://sotttt.hanoi.gov.vn/{name}")
    assert res.family == "liferay"
    assert not res.is_article, (res.kind, res.title)


def test_liferay_listing_pages_are_listings(shared_data: Path) -> None:
    for name in ("pctn.html", "pctn511b.html", "ke-hoach.html", "phong-chong-dich-benh-covid-19.html"):
        res = extract_page((shared_data / LIFERAY / name).read_bytes(), f"https://sotttt.hanoi.gov.vn/{name}")
        assert res.kind == "listing", name


def test_liferay_article_title_is_not_the_portal_name(shared_data: Path) -> None:
    res = extract_page((shared_data / LIFERAY / LIFERAY_ARTICLE).read_bytes(), "https://sotttt.hanoi.gov.vn/x")
    assert res.is_article
    assert res.title.startswith("Hướng dẫn xây dựng Kế hoạch ứng dụng CNTT")
    assert "Sở Thông Tin Và Truyền Thông" not in res.title
    for label in ("THĂM DÒ Ý KIẾN", "Trang chủ", "Giới thiệu", "Đăng nhập", "admin admin"):
        assert label not in res.text


@pytest.mark.parametrize("site", ["giaoduc.net.vn", "laodong.vn", "tintaynguyen.com"])
def test_mojibake_homepages_readable(shared_data: Path, site: str) -> None:
    folder = shared_data / "pages/mojibake-homepages"
    raw = (folder / "original_mojibake" / f"{site}_home.html").read_bytes()
    repaired = (folder / "repaired_utf8" / f"{site}_home.html").read_text(encoding="utf-8")
    res = extract_page(raw, f"https://{site}/")
    assert "mojibake-repaired" in res.quality_flags
    assert not res.is_article  # homepages
    assert res.title and res.title in unicodedata.normalize("NFC", repaired)
    assert "Ã" not in res.title and "á»" not in res.title
    assert res.lang in ("vi", "und")


def test_mojibake_repair_is_lossless(shared_data: Path) -> None:
    from nlp.encoding import decode_body
    folder = shared_data / "pages/mojibake-homepages"
    for raw in sorted((folder / "original_mojibake").glob("*.html")):
        good = (folder / "repaired_utf8" / raw.name).read_text(encoding="utf-8")
        assert decode_body(raw.read_bytes()).text == unicodedata.normalize("NFC", good)


DAKSONG = "pages/daksong-district-portal/content"


@pytest.mark.parametrize("name", ["01-chinh-tri-xa-hoi-2020.md", "03-hd-btgtu-dak-nong-10-11-2020.md",
                                  "1-ha-trong-dua-chuot-lay-hat-thu-hon-500-trieu-dong.md", "1012202001.md"])
def test_daksong_files_come_out_nfc(shared_data: Path, name: str) -> None:
    raw = (shared_data / DAKSONG / name).read_bytes()
    res = extract_page(raw, f"https://daksong.daknong.gov.vn/{name[:-3]}")
    assert res.title and unicodedata.is_normalized("NFC", res.title)
    assert unicodedata.is_normalized("NFC", res.text)
    assert "&nbsp;" not in res.text and "&ocirc;" not in res.text and "\u00a0" not in res.text
    if name == "1012202001.md":
        assert res.kind == "document" and "pdf-only" in res.quality_flags and not res.is_article
    else:
        assert res.is_article and res.published_at is not None and len(res.text) > 500


def test_daksong_nfd_file_is_flagged(shared_data: Path) -> None:
    raw = (shared_data / DAKSONG / "1-ha-trong-dua-chuot-lay-hat-thu-hon-500-trieu-dong.md").read_bytes()
    import html
    # entities followed by combining marks: only NFC after unescaping gives precomposed letters
    assert not unicodedata.is_normalized("NFC", html.unescape(raw.decode("utf-8")))
    res = extract_page(raw, "https://daksong.daknong.gov.vn/1-ha")
    assert "nfc-normalised" in res.quality_flags
