"""Pages that cannot be read raise typed errors naming the URL; odd-but-readable pages do not crash."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.dates import VN_TZ, parse_with_time
from nlp.extract import ExtractError, extract_page
from nlp.extract.errors import EmptyPageError, NotHtmlError

URL = "https://xa.example.gov.vn/tin/1.html"


@pytest.mark.parametrize("body,err", [(b"", EmptyPageError), (b"   \n", EmptyPageError),
                                      (b"%PDF-1.4\n1 0 obj", NotHtmlError), (b"\x89PNG\r\n\x1a\n....", NotHtmlError)])
def test_unreadable_bodies_raise_typed_errors(body: bytes, err: type) -> None:
    with pytest.raises(err) as e:
        extract_page(body, URL)
    assert isinstance(e.value, ExtractError) and URL in str(e.value) and e.value.kind


@pytest.mark.parametrize("body", [b"<html>", b"just some text", b"<?xml version='1.0' encoding='utf-8'?><html><body>"
                                  b"<p>Xin ch\xc3\xa0o</p></body></html>", b"<html><body><table><tr><td>" * 200])
def test_odd_markup_gives_a_result(body: bytes) -> None:
    res = extract_page(body, URL)
    assert not res.is_article and res.kind in ("empty", "page", "listing")


FORMS = [
    lambda t: f"Thứ Năm, {t:%d/%m/%Y %H:%M}",
    lambda t: f"{t:%d/%m/%Y} - {t:%H:%M}",
    lambda t: f"{t:%H:%M} {t.day}/{t.month}/{t.year}",
    lambda t: f"Cập nhật lúc {t:%H:%M} ngày {t.day} tháng {t.month} năm {t.year}",
    lambda t: f"Ngày đăng {t:%d/%m/%Y} | {t.hour % 12 or 12:02d}:{t:%M} {'AM' if t.hour < 12 else 'PM'}",
]


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2025, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)), st.sampled_from(range(len(FORMS))))
def test_every_form_round_trips(t: datetime, form: int) -> None:
    text = FORMS[form](t)
    got = parse_with_time(text, datetime(2026, 1, 1, tzinfo=VN_TZ))
    assert got == (t.replace(tzinfo=VN_TZ), True), text


def test_relative_hours_never_in_future() -> None:
    f = datetime(2021, 6, 20, 10, 0, tzinfo=VN_TZ)
    for h in range(0, 48):
        got = parse_with_time(f"{h} giờ trước", f)
        assert got is not None and got[0] == f - timedelta(hours=h) and got[0] <= f


def test_short_teaser_list_without_family_markup_is_a_listing() -> None:
    items = "".join(
        f"<div class='item'><h3><a href='/tin/{i}.html'>Tin số {i}: hội nghị triển khai công tác tuyên truyền</a></h3>"
        f"<p>Sáng ngày {10 + i}/6, hội nghị đã đánh giá kết quả công tác tuyên truyền của các cơ quan, đơn vị trong "
        f"sáu tháng đầu năm và đề ra nhiệm vụ trọng tâm cho thời gian tới.</p><span>{10 + i}/06/2021 08:00</span></div>"
        for i in range(3))
    html = f"<html><head><meta charset='utf-8'><title>Tin tức</title></head><body><h1>Tin tức</h1>{items}" \
           "<a href='http://bad:port/x'>x</a></body></html>"
    res = extract_page(html, "https://xa.example.gov.vn/tin-tuc/")
    assert not res.is_article and res.kind == "listing"
