"""Every Vietnamese date form of the extraction issue, day-first, with time, relative, and rejects."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from nlp.dates import VN_TZ, parse_vietnamese_date, parse_with_time
from nlp.extract import extract_page

FETCHED = datetime(2021, 6, 20, 10, 0, tzinfo=VN_TZ)
AT_0830 = datetime(2021, 6, 17, 8, 30, tzinfo=VN_TZ)


@pytest.mark.parametrize("text", [
    "Thứ Năm, 17/06/2021 08:30",
    "17/06/2021 - 08:30",
    "08:30 17/6/2021",
    "Cập nhật lúc 08:30 ngày 17 tháng 6 năm 2021",
    "Ngày đăng 17/06/2021 | 08:30 AM",
    "Thứ năm, 17/6/2021, 08:30 (GMT+7)",
    "08h30 ngày 17/6/2021",
    "17-06-2021 08:30",
    "2021-06-17T08:30:00+07:00",
    "2021-06-17T01:30:00Z",
    "2021-06-17T08:30:00.000+0700",
])
def test_forms_with_time(text: str) -> None:
    got = parse_with_time(text, FETCHED)
    assert got == (AT_0830, True)


def test_wordy_date_without_time() -> None:
    assert parse_with_time("Ngày 17 tháng 6 năm 2021", FETCHED) == (datetime(2021, 6, 17, tzinfo=VN_TZ), False)


def test_htmldate_trap_is_not_january_first() -> None:
    """htmldate reads this as 2021-01-01; we read the day and the time."""
    got = parse_vietnamese_date("Cập nhật lúc 08:30 ngày 17 tháng 6 năm 2021", FETCHED)
    assert got == AT_0830


def test_day_first_always() -> None:
    assert parse_vietnamese_date("05/06/2021", FETCHED).date() == datetime(2021, 6, 5).date()
    assert parse_vietnamese_date("05/06/2021", FETCHED).month == 6


def test_pm_and_noon() -> None:
    assert parse_vietnamese_date("Ngày đăng 14/06/2018 | 03:45 PM", FETCHED).hour == 15
    assert parse_vietnamese_date("Ngày đăng 14/06/2018 | 12:10 AM", FETCHED).hour == 0


@pytest.mark.parametrize("text,delta,has_time", [
    ("2 giờ trước", timedelta(hours=2), True),
    ("45 phút trước", timedelta(minutes=45), True),
    ("3 ngày trước", timedelta(days=3), False),
])
def test_relative_against_fetch_time(text: str, delta: timedelta, has_time: bool) -> None:
    got = parse_with_time(text, FETCHED)
    assert got is not None and got[0] == FETCHED - delta and got[1] is has_time


def test_yesterday_with_and_without_time() -> None:
    assert parse_vietnamese_date("hôm qua", FETCHED) == datetime(2021, 6, 19, tzinfo=VN_TZ)
    assert parse_vietnamese_date("Hôm qua lúc 14:05", FETCHED) == datetime(2021, 6, 19, 14, 5, tzinfo=VN_TZ)


def test_future_and_too_old_rejected() -> None:
    assert parse_vietnamese_date("17/06/2031 08:30", FETCHED) is None
    assert parse_vietnamese_date("17/06/1990", FETCHED) is None
    assert parse_vietnamese_date("17/06/2021", FETCHED, not_before=datetime(2021, 7, 1, tzinfo=VN_TZ)) is None
    # a rejected date does not hide a later valid one
    assert parse_vietnamese_date("Hạn 31/12/2031; đăng 17/06/2021 08:30", FETCHED) == AT_0830


def test_nonsense_is_none() -> None:
    assert parse_vietnamese_date("", FETCHED) is None
    assert parse_vietnamese_date("Trang chủ | Liên hệ", FETCHED) is None
    assert parse_vietnamese_date("31/02/2021", FETCHED) is None


def _page(head: str, body_date: str) -> str:
    return (f"<html><head><meta charset='utf-8'><title>Tin</title>{head}</head><body><h1>Hội nghị tổng kết công tác"
            f" dân vận năm 2021</h1><div class='post-date'>{body_date}</div><div class='detail-content'>"
            + "<p>Hội nghị đánh giá kết quả công tác dân vận của các cơ quan, đơn vị trong năm qua và đề ra"
              " nhiệm vụ trọng tâm cho năm tới, với sự tham dự của đại diện các ban, ngành, đoàn thể.</p>" * 3
            + "</div></body></html>")


def test_jsonld_and_meta_first() -> None:
    ld = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2021-06-17T08:30:00+07:00"}</script>'
    res = extract_page(_page(ld, "20/06/2021 09:00"), "https://a.example.vn/tin/1.html", fetched_at=FETCHED)
    assert res.published_at == AT_0830
    meta = '<meta property="article:published_time" content="2021-06-17T08:30:00+07:00">'
    res = extract_page(_page(meta, "20/06/2021 09:00"), "https://a.example.vn/tin/1.html", fetched_at=FETCHED)
    assert res.published_at == AT_0830


def test_visible_time_completes_a_date_only_meta() -> None:
    """Báo Cần Thơ style: JSON-LD gives only the day, the page line gives the time."""
    ld = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2021-06-17"}</script>'
    res = extract_page(_page(ld, "17/06/2021 - 08:30"), "https://a.example.vn/tin/1.html", fetched_at=FETCHED)
    assert res.published_at == AT_0830 and res.to_json()["published_at"] == "2021-06-17T08:30:00+07:00"


def test_relative_visible_date_in_a_page() -> None:
    res = extract_page(_page("", "2 giờ trước"), "https://a.example.vn/tin/1.html", fetched_at=FETCHED)
    assert res.published_at == FETCHED - timedelta(hours=2)


def test_permalink_day_when_the_page_gives_no_date() -> None:
    html = ("<html><head><meta charset='utf-8'><title>Tin</title></head><body><h1>Hội nghị tổng kết công tác dân vận"
            "</h1><div class='entry-content'>" + "".join(
                f"<p>Đoạn {i}: hội nghị đánh giá kết quả công tác dân vận của các cơ quan, đơn vị trong năm qua và "
                "đề ra nhiệm vụ trọng tâm cho năm tới.</p>" for i in range(3)) + "</div></body></html>")
    res = extract_page(html, "https://xa.example.gov.vn/2021/11/18/hoi-nghi/", fetched_at=FETCHED.replace(year=2022))
    assert res.published_at == datetime(2021, 11, 18, tzinfo=VN_TZ) and not res.has_time
    assert res.to_json()["published_at"] == "2021-11-18" and "date-only" in res.quality_flags
