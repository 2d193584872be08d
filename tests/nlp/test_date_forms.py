"""Every Vietnamese date form we know of, as a table: what each must give (or that it must be refused).

Forms come from the issue (what other projects' Vietnamese test material spells out, which our parser
got wrong or refused) and from our portals; the real pages in ../shared/data are read at test time
(their text is never copied here). None may give a wrong date; every form with a day, month and year
(or a relative form) must parse; future forms and forms without enough information are refused.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nlp.dates import VN_TZ, months_back, parse_with_time

FETCHED = datetime(2021, 6, 20, 10, 0, tzinfo=VN_TZ)  # a Sunday


def vn(*a: int) -> datetime:
    return datetime(*a, tzinfo=VN_TZ)


# (text, expected instant, a time of day was given)
ABSOLUTE = [
    # numeric, day-first, with and without time
    ("17/06/2021", vn(2021, 6, 17), False),
    ("17-06-2021", vn(2021, 6, 17), False),
    ("17.06.2021", vn(2021, 6, 17), False),
    ("5/6/2021", vn(2021, 6, 5), False),
    ("05/06/21", vn(2021, 6, 5), False),
    ("(24/08/2020)", vn(2020, 8, 24), False),
    ("Thứ Năm, 17/06/2021 08:30", vn(2021, 6, 17, 8, 30), True),
    ("17/06/2021 - 08:30", vn(2021, 6, 17, 8, 30), True),
    ("08:30 17/6/2021", vn(2021, 6, 17, 8, 30), True),
    ("08h30 ngày 17/6/2021", vn(2021, 6, 17, 8, 30), True),
    ("8 giờ 30 phút ngày 17/6/2021", vn(2021, 6, 17, 8, 30), True),
    ("17/06/2021 lúc 18:47", vn(2021, 6, 17, 18, 47), True),
    ("Ngày đăng 17/06/2021 | 08:30 AM", vn(2021, 6, 17, 8, 30), True),
    ("Ngày đăng 14/06/2018 | 03:45 PM | Lượt xem: 1108", vn(2018, 6, 14, 15, 45), True),
    ("Publish date 12/02/2020 | 11:03 AM | View count: 832", vn(2020, 2, 12, 11, 3), True),
    ("21/12/2012 | 12:00 AM", vn(2012, 12, 21, 0, 0), True),
    ("17/06/2021 09:30:15", vn(2021, 6, 17, 9, 30, 15), True),
    ("17/06/2021 3:05 chiều", vn(2021, 6, 17, 15, 5), True),
    ("17/06/2021 9:05 sáng", vn(2021, 6, 17, 9, 5), True),
    ("Cập nhật: 17/06/2021 08:30 (GMT+7)", vn(2021, 6, 17, 8, 30), True),
    ("Thứ năm, 17/6/2021, 08:30 (GMT+7)", vn(2021, 6, 17, 8, 30), True),
    ("Thứ Tư, 16/06/2021 09:30:00 +07:00", vn(2021, 6, 16, 9, 30), True),
    # explicit zones and offsets are honoured
    ("Thứ Năm, 15 tháng 1 2015 12:13:14 GMT+0", datetime(2015, 1, 15, 12, 13, 14, tzinfo=UTC), True),
    ("15/01/2015 12:13 GMT", datetime(2015, 1, 15, 12, 13, tzinfo=UTC), True),
    ("15/01/2015 12:13 UTC", datetime(2015, 1, 15, 12, 13, tzinfo=UTC), True),
    ("15/01/2015 20:13 (GMT+8)", datetime(2015, 1, 15, 12, 13, tzinfo=UTC), True),
    ("15/01/2015 05:13 -0700", datetime(2015, 1, 15, 12, 13, tzinfo=UTC), True),
    ("15/01/2015 23:30 GMT+0", datetime(2015, 1, 15, 23, 30, tzinfo=UTC), True),  # 16th in Vietnam
    ("2021-06-17T08:30:00+07:00", vn(2021, 6, 17, 8, 30), True),
    ("2021-06-17T01:30:00Z", vn(2021, 6, 17, 8, 30), True),
    ("2021-06-17T08:30:00.000+0700", vn(2021, 6, 17, 8, 30), True),
    ("2021-06-17 08:30", vn(2021, 6, 17, 8, 30), True),
    ("2021-06-17", vn(2021, 6, 17), False),
    # wordy, day first
    ("Ngày 17 tháng 6 năm 2021", vn(2021, 6, 17), False),
    ("ngày 17 tháng 06 năm 2021", vn(2021, 6, 17), False),
    ("Cập nhật lúc 08:30 ngày 17 tháng 6 năm 2021", vn(2021, 6, 17, 8, 30), True),
    ("17 tháng 6, 2021", vn(2021, 6, 17), False),
    ("15 tháng 1 2015", vn(2015, 1, 15), False),
    ("Thứ Năm, 15 tháng 1 2015", vn(2015, 1, 15), False),
    ("Thứ Năm, 15 tháng 1 2015 lúc 15:08", vn(2015, 1, 15, 15, 8), True),
    ("15 tháng 1 2015 lúc 15:08", vn(2015, 1, 15, 15, 8), True),
    ("15 tháng 1, 2015 lúc 15:08", vn(2015, 1, 15, 15, 8), True),
    # months as words, and the short "thg"
    ("15 Tháng Một 2015", vn(2015, 1, 15), False),
    ("15 tháng một 2015", vn(2015, 1, 15), False),
    ("2 Tháng Chín 2019", vn(2019, 9, 2), False),
    ("15 Tháng Mười 2015", vn(2015, 10, 15), False),
    ("15 Tháng Mười Một 2015", vn(2015, 11, 15), False),
    ("15 Tháng Mười Hai 2015", vn(2015, 12, 15), False),
    ("ngày 15 tháng Tư năm 2016", vn(2016, 4, 15), False),
    ("ngày 1 tháng Giêng năm 2016", vn(2016, 1, 1), False),
    ("15 thg 1 2015", vn(2015, 1, 15), False),
    ("02 Thg 09 2019", vn(2019, 9, 2), False),
    ("15 thg 1, 2015 lúc 15:08", vn(2015, 1, 15, 15, 8), True),
    ("15 Thg Mười Hai 2015", vn(2015, 12, 15), False),
    # month first (as some sites' English-style templates print)
    ("Tháng 12 31, 2015", vn(2015, 12, 31), False),
    ("Tháng Mười Hai 31, 2015", vn(2015, 12, 31), False),
    ("Tháng một 15, 2015", vn(2015, 1, 15), False),
    ("Tháng chín 2, 2019", vn(2019, 9, 2), False),
    ("thg 5 12, 2020", vn(2020, 5, 12), False),
    ("Thg 10 12, 2015 lúc 09:15", vn(2015, 10, 12, 9, 15), True),
    # English month names, as bilingual portals print them (read by dateparser, our rules stop here)
    ("Dec 31, 2015", vn(2015, 12, 31), False),
    ("31 December 2015 10:00", vn(2015, 12, 31, 10, 0), True),
    # an absolute date beats a relative one written beside it
    ("1 giờ trước 09:02 19/06/2021", vn(2021, 6, 19, 9, 2), True),
    ("Thứ bảy, 19/06/2021 09:02 (GMT+7) 1 giờ trước", vn(2021, 6, 19, 9, 2), True),
    # a rejected (future) date does not hide a later valid one
    ("Hạn 31/12/2031; đăng 17/06/2021 08:30", vn(2021, 6, 17, 8, 30), True),
]

F = FETCHED
RELATIVE = [
    ("vừa xong", F, True),
    ("vài giây trước", F, True),
    ("vài phút trước", F, True),
    ("30 giây trước", F - timedelta(seconds=30), True),
    ("45 phút trước", F - timedelta(minutes=45), True),
    ("2 giờ trước", F - timedelta(hours=2), True),
    ("2 tiếng trước", F - timedelta(hours=2), True),
    ("một giờ trước", F - timedelta(hours=1), True),
    ("Một giờ trước", F - timedelta(hours=1), True),
    ("hai giờ trước", F - timedelta(hours=2), True),
    ("mười phút trước", F - timedelta(minutes=10), True),
    ("khoảng 3 giờ trước", F - timedelta(hours=3), True),
    ("cách đây 2 giờ", F - timedelta(hours=2), True),
    ("Cách đây 5 phút", F - timedelta(minutes=5), True),
    ("cách đây ba ngày", F - timedelta(days=3), False),
    ("3 ngày trước", F - timedelta(days=3), False),
    ("ba ngày trước", F - timedelta(days=3), False),
    ("2 ngày qua", F - timedelta(days=2), False),
    ("1 tuần trước", F - timedelta(weeks=1), False),
    ("2 tuần trước", F - timedelta(weeks=2), False),
    ("tuần trước", F - timedelta(weeks=1), False),
    ("tuần qua", F - timedelta(weeks=1), False),
    # calendar months and years, not 30 and 365 days
    ("1 tháng trước", vn(2021, 5, 20, 10), False),
    ("3 tháng trước", vn(2021, 3, 20, 10), False),
    ("tháng trước", vn(2021, 5, 20, 10), False),
    ("một tháng trước", vn(2021, 5, 20, 10), False),
    ("1 năm trước", vn(2020, 6, 20, 10), False),
    ("hơn 1 năm trước", vn(2020, 6, 20, 10), False),
    ("2 năm trước", vn(2019, 6, 20, 10), False),
    ("năm ngoái", vn(2020, 6, 20, 10), False),
    ("năm trước", vn(2020, 6, 20, 10), False),
    # days and weekdays
    ("hôm nay", vn(2021, 6, 20), False),
    ("Hôm nay lúc 08:15", vn(2021, 6, 20, 8, 15), True),
    ("hôm qua", vn(2021, 6, 19), False),
    ("Hôm qua lúc 14:05", vn(2021, 6, 19, 14, 5), True),
    ("hôm kia", vn(2021, 6, 18), False),
    ("Thứ Hai tuần trước vào lúc 10:00", vn(2021, 6, 7, 10, 0), True),
    ("Thứ Sáu tuần trước lúc 16:20", vn(2021, 6, 11, 16, 20), True),
    ("Chủ nhật tuần trước", vn(2021, 6, 13), False),
]

# future forms, and forms that do not say enough for a day: refused, never guessed
REFUSED = [
    "ngày mai", "Ngày mai lúc 10:00", "2 ngày nữa", "trong 3 ngày", "tuần sau", "tháng sau", "năm sau",
    "tháng tới", "sau 2 giờ", "17/06/2031 08:30", "1 tháng 1 2031",
    "Thứ Hai", "Thứ Hai lúc 10:00", "12", "2020", "5/2020", "tháng 5/2021", "Tháng 5 năm 2021", "Tháng Mười 2015",
    "vài ngày trước", "lâu rồi", "« Tháng trước", "Tháng trước | Tháng sau", "December 2015", "Trang chủ | Liên hệ", "", "31/02/2021", "17/06/1990", "Lượt xem: 1108",
]


@pytest.mark.parametrize("text,want,has_time", ABSOLUTE + RELATIVE, ids=lambda v: v if isinstance(v, str) else "")
def test_form(text: str, want: datetime, has_time: bool) -> None:
    got = parse_with_time(text, FETCHED)
    assert got is not None, f"{text!r} refused"
    assert got == (want.astimezone(VN_TZ), has_time), f"{text!r}: {got}"
    assert got[0].utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text: str) -> None:
    assert parse_with_time(text, FETCHED) is None


def test_table_size() -> None:
    assert len(ABSOLUTE) + len(RELATIVE) + len(REFUSED) >= 100


def test_not_before_is_kept_for_every_form() -> None:
    """A floor rejects what lies before it, whichever rule or library read the date."""
    floor = vn(2021, 6, 18)
    for text, want, _ in ABSOLUTE + RELATIVE:
        got = parse_with_time(text, FETCHED, not_before=floor)
        assert (got is None) == (want < floor), text


def test_months_back_is_calendar_aware() -> None:
    assert months_back(vn(2021, 3, 31), 1) == vn(2021, 2, 28)
    assert months_back(vn(2021, 1, 15), 1) == vn(2020, 12, 15)
    assert months_back(vn(2020, 2, 29), 12) == vn(2019, 2, 28)


REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pages"
_DMY = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")


def _real_dates() -> list[tuple[str, str]]:
    from lxml import html

    from nlp.encoding import decode_body
    from nlp.extract.common import visible_dates
    out: dict[str, str] = {}
    for f in sorted(REAL.rglob("*")):
        if not f.is_file() or f.name == "SOURCE.txt" or f.suffix not in (".html", ".htm", ""):
            continue
        try:
            doc = html.fromstring(decode_body(f.read_bytes(), None).text)
        except Exception:  # noqa: BLE001 - not every file there is a page
            continue
        for t in visible_dates(doc, limit=60):
            out.setdefault(" ".join(t.split())[:120], f.name)
    return sorted(out.items())


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data (real pages) not present")
def test_real_page_date_forms() -> None:
    """Every date string the real pages show in their date elements: the day-first date it spells
    (as a plain d/m/yyyy reading finds it) is what we parse; an ISO stamp is read with its offset."""
    forms = _real_dates()
    assert len(forms) >= 20
    checked = 0
    for text, name in forms:
        m = _DMY.search(text)
        if not m:
            continue
        want = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
        fetched = vn(*want) + timedelta(days=2)
        got = parse_with_time(text, fetched)
        assert got is not None, f"{name}: {text!r} refused"
        assert (got[0].year, got[0].month, got[0].day) == want, f"{name}: {text!r} -> {got}"
        checked += 1
    assert checked >= 20
