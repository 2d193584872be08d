"""Vietnamese publication dates, day-first always, with the time when the page gives one.

Generic date finders (htmldate) read "Cập nhật lúc 08:30 ngày 17 tháng 6 năm 2021" as 2021-01-01
and "05/06/2021" month-first; portals only ever write day-first, so we parse their forms ourselves
first: numeric and wordy dates (months and numbers as words too: "Tháng Mười Hai", "thg", "một giờ
trước"), an explicit zone after the time ("GMT+0", "+07:00"), and relative forms counted back from
the page's fetch time, calendar-aware ("3 tháng trước" is three calendar months, "năm ngoái" one
year, "Thứ Hai tuần trước" the Monday of the week before). Only what those rules leave goes to
`dateparser` (Vietnamese data), configured so that it cannot invent a date: the text must hold a
four-digit year and dateparser must find day, month and year; no bare numbers, nothing relative,
nothing in the future. An absolute date beats a relative one in the same text ("1 giờ trước 09:02
23/12/2025"). Future forms ("ngày mai", "2 ngày nữa", "tuần sau") are refused.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from warehouse import clock

VN_TZ = timezone(timedelta(hours=7))
EARLIEST = datetime(1995, 1, 1, tzinfo=VN_TZ)  # before any Vietnamese portal existed

_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(z|[+-]\d{2}:?\d{2})?)?(?!\d)", re.I)
_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?![\d/])")
_WORDY = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)?\s*(\d{4})(?!\d)")
_TIME = re.compile(
    r"(?<![\d:/.-])(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?:\s*(?::|phút)\s*(\d{2}))?"
    r"(?:\s*phút)?(?:\s*(am|pm|sa|ch|sáng|chiều|tối)\b)?(?![\d/])", re.I)
_MONTH_FIRST = re.compile(r"tháng\s+(\d{1,2})\s+(\d{1,2})\s*,\s*(\d{4})(?!\d)")  # "Tháng 12 31, 2015"
_UNITS = r"(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm)"
_RELATIVE = re.compile(r"(?:(?:hơn|khoảng|gần|chừng)\s+)?(\d+|vài)\s*" + _UNITS + r"\s*(?:trước|qua)(?!\s*(?:đó|khi))")
_AGO = re.compile(r"cách\s+(?:đây\s+)?(?:(?:hơn|khoảng|gần|chừng)\s+)?(\d+|vài)\s*" + _UNITS + r"(?!\s*(?:nữa|sau|tới))")
_LAST = re.compile(r"(?<!\d\s)(?<![\d\w])(?:(tuần|tháng)\s+(?:trước|qua|vừa\s+qua)|năm\s+(?:ngoái|trước|vừa\s+qua))(?![\w])")
_WEEKDAY = re.compile(r"(thứ\s+(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|chủ\s+nhật)\s+tuần\s+(?:trước|rồi)")
_WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tư": 2, "4": 2, "năm": 3, "5": 3, "sáu": 4, "6": 4, "bảy": 5, "7": 5}
_SECONDS = {"giây": 1, "phút": 60, "giờ": 3600, "tiếng": 3600, "ngày": 86400, "tuần": 7 * 86400}
_CLOCK_UNITS = ("giây", "phút", "giờ", "tiếng")
_DAY_WORDS = {"hôm kia": 2, "hôm qua": 1, "hôm nay": 0}
_NEAR = 30  # characters between a date and its time
# a zone written just after the time: "(GMT+7)", "GMT+0", "UTC", "+07:00", "Z"
_ZONE = re.compile(r"\s*\(?\s*(?:(?:gmt|utc)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?|([+-])(\d{2}):?(\d{2})|z(?![\w]))", re.I)
# numbers and months as words (only where a number is expected: before a unit, after "tháng")
_NUMBER_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8,
                 "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "mười ba": 13, "mười lăm": 15,
                 "hai mươi": 20, "ba mươi": 30}
_NUM_WORD = "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
_WORD_BEFORE_UNIT = re.compile(r"(?<![\w])(?<!thứ\s)(" + _NUM_WORD + r")\s+(?=" + _UNITS + r"\s*(?:trước|qua))")
_WORD_AFTER_AGO = re.compile(r"(cách\s+(?:đây\s+)?(?:(?:hơn|khoảng|gần|chừng)\s+)?)(" + _NUM_WORD + r")\s+(?=" + _UNITS + r")")
_MONTH_WORDS = {**{k: v for k, v in _NUMBER_WORDS.items() if v <= 12}, "giêng": 1, "chạp": 12}
_MONTH_WORD = re.compile(r"(tháng)\s+(" + "|".join(sorted(map(re.escape, _MONTH_WORDS), key=len, reverse=True)) + r")(?![\w])")
_SHORT_MONTH = re.compile(r"(?<![\w])thg\.?\s*(?=\d|" + _NUM_WORD + r")")
_FUTURE = re.compile(r"(?<![\w])(?:ngày\s+mai|ngày\s+kia|mai|nữa|tới|sắp|sau\s+\d|tuần\s+sau|tháng\s+sau|năm\s+sau|"
                     r"sang\s+năm|trong\s+(?:\d+|vài|một))(?![\w])")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def _words_to_digits(text: str) -> str:
    """'thg 5' -> 'tháng 5', 'tháng mười hai' -> 'tháng 12', 'một giờ trước' -> '1 giờ trước'."""
    text = _SHORT_MONTH.sub("tháng ", text)
    text = _MONTH_WORD.sub(lambda m: f"{m.group(1)} {_MONTH_WORDS[m.group(2)]}", text)
    text = _WORD_AFTER_AGO.sub(lambda m: f"{m.group(1)}{_NUMBER_WORDS[m.group(2)]} ", text)
    return _WORD_BEFORE_UNIT.sub(lambda m: f"{_NUMBER_WORDS[m.group(1)]} ", text)


def months_back(dt: datetime, n: int) -> datetime:
    """dt moved n calendar months back (the 31st becomes the month's last day)."""
    y, m = divmod(dt.month - 1 - n, 12)
    y += dt.year
    m += 1
    return dt.replace(year=y, month=m, day=min(dt.day, calendar.monthrange(y, m)[1]))


def _back(fetched: datetime, n: int, unit: str) -> datetime:
    if unit == "tháng":
        return months_back(fetched, n)
    if unit == "năm":
        return months_back(fetched, 12 * n)
    return fetched - timedelta(seconds=n * _SECONDS[unit])


def _aware(dt: datetime | None) -> datetime:
    if dt is None:
        return clock.now().astimezone(VN_TZ)  # no fetch time: the warehouse clock
    return dt.replace(tzinfo=VN_TZ) if dt.tzinfo is None else dt.astimezone(VN_TZ)


def _parse_time(m: re.Match) -> time | None:
    h, mi = int(m.group(1)), int(m.group(2))
    s = int(m.group(3)) if m.group(3) else 0
    ampm = (m.group(4) or "").lower()
    if ampm in ("pm", "ch", "chiều", "tối") and h < 12:
        h += 12
    elif ampm in ("am", "sa", "sáng") and h == 12:
        h = 0
    if h > 23 or mi > 59 or s > 59:
        return None
    return time(h, mi, s)


def _zone(text: str, pos: int) -> tzinfo | None:
    """The zone written at text[pos:] (just after a time), if any."""
    m = _ZONE.match(text, pos)
    if not m:
        return None
    sign, hh, mm = (m.group(1), m.group(2), m.group(3)) if m.group(4) is None else (m.group(4), m.group(5), m.group(6))
    if hh is None:
        return UTC  # "GMT", "UTC", "Z"
    off = timedelta(hours=int(hh), minutes=int(mm or 0))
    if off > timedelta(hours=14):
        return None
    return timezone(-off if sign == "-" else off)


def _nearest_time(text: str, start: int, end: int) -> tuple[time, tzinfo | None] | None:
    """The time (and its zone, when written) just after (preferred) or just before the date span."""
    lo = end
    for m in _TIME.finditer(text[lo:end + _NEAR]):
        t = _parse_time(m)
        if t is not None:
            return t, _zone(text, lo + m.end())
    lo = max(0, start - _NEAR)
    found = None
    for m in _TIME.finditer(text[lo:start]):
        t = _parse_time(m)
        if t is not None:
            found = t, _zone(text, lo + m.end())
    return found


def _at(day: date, found: tuple[time, tzinfo | None] | None) -> datetime:
    """The day at the found time in its zone (default +07:00), as +07:00."""
    if found is None:
        return datetime.combine(day, time(0), VN_TZ)
    t, tz = found
    return datetime.combine(day, t, tz or VN_TZ).astimezone(VN_TZ)


def _valid(dt: datetime, fetched: datetime, not_before: datetime | None) -> bool:
    if dt > fetched + timedelta(days=1):
        return False
    floor = _aware(not_before) if not_before else EARLIEST
    return dt >= floor


def _candidates(text: str, fetched: datetime):
    """Every (position, datetime, has_time) the text spells, in order of appearance."""
    out = []
    for m in _ISO.finditer(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            if m.group(4):
                dt = datetime(y, mo, d, int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
                tz = m.group(7)
                if tz:
                    if tz.lower() == "z":
                        dt = dt.replace(tzinfo=UTC)
                    else:
                        sign = 1 if tz[0] == "+" else -1
                        hh, mm = int(tz[1:3]), int(tz[-2:])
                        dt = dt.replace(tzinfo=timezone(sign * timedelta(hours=hh, minutes=mm)))
                out.append((m.start(), _aware(dt), True))
            else:
                t = _nearest_time(text, m.start(), m.end())
                out.append((m.start(), _at(date(y, mo, d), t), t is not None))
        except ValueError:
            continue
    for rx, order in ((_DMY, (1, 3, 4)), (_WORDY, (1, 2, 3)), (_MONTH_FIRST, (2, 1, 3))):
        for m in rx.finditer(text):
            d, mo, y = (int(m.group(i)) for i in order)
            if y < 100:
                y += 2000
            try:
                day = date(y, mo, d)
            except ValueError:
                continue
            t = _nearest_time(text, m.start(), m.end())
            out.append((m.start(), _at(day, t), t is not None))
    out.sort(key=lambda x: x[0])
    # relative forms come after every absolute date: "1 giờ trước 09:02 23/12/2025" is the 23rd
    rel = []
    if not _FUTURE.search(text):
        for rx in (_RELATIVE, _AGO):
            for m in rx.finditer(text):
                n, unit = m.group(1), m.group(2)
                if n == "vài":  # "vài giây/phút trước": now, to the minute; "vài ngày trước" says no day
                    if unit not in ("giây", "phút"):
                        continue
                    n = "0"
                rel.append((m.start(), _back(fetched, int(n), unit), unit in _CLOCK_UNITS))
        for m in _WEEKDAY.finditer(text):
            wd = m.group(1).split()[-1]
            monday = (fetched - timedelta(days=fetched.weekday() + 7)).date()
            day = monday + timedelta(days=6 if wd == "nhật" else _WEEKDAYS[wd])
            t = _nearest_time(text, m.start(), m.end())
            rel.append((m.start(), _at(day, t), t is not None))
        for m in _LAST.finditer(text) if not re.search(r"[«»<>|]", text) else ():  # "« Tháng trước" is a link
            if _WEEKDAY.search(text[max(0, m.start() - 12):m.end()]):
                continue  # "Thứ Hai tuần trước" is a day, read above
            unit = m.group(1) or "năm"
            rel.append((m.start(), _back(fetched, 1, unit), False))
        for word, back in _DAY_WORDS.items():
            for m in re.finditer(word, text):
                day = (fetched - timedelta(days=back)).date()
                t = _nearest_time(text, m.start(), m.end())
                rel.append((m.start(), _at(day, t), t is not None))
        for m in re.finditer(r"vừa xong|vừa mới|mới đây", text):
            rel.append((m.start(), fetched, True))
    rel.sort(key=lambda x: x[0])
    return out + rel


def _fallback(text: str, fetched: datetime) -> tuple[datetime, bool] | None:
    """dateparser for the forms our rules do not know, only where it cannot invent a date: the text
    holds a four-digit year, dateparser finds day, month and year, nothing relative or future."""
    if len(text) > 120 or not _YEAR.search(text) or _FUTURE.search(text):
        return None
    import dateparser
    settings = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": True,
                "TIMEZONE": "+0700", "TO_TIMEZONE": "+0700", "REQUIRE_PARTS": ["day", "month", "year"],
                "RELATIVE_BASE": fetched.astimezone(VN_TZ).replace(tzinfo=None), "PARSERS": ["absolute-time"],
                "STRICT_PARSING": True}
    try:
        got = dateparser.parse(text, languages=["vi", "en"], settings=settings)
    except Exception:  # noqa: BLE001 - a library failure on odd text is "no date", never a crash
        return None
    if got is None:
        return None
    return _aware(got), _TIME.search(text) is not None


def parse_vietnamese_date(text: str | None, fetched_at: datetime | None = None,
                          not_before: datetime | None = None) -> datetime | None:
    """The first plausible date (with its time when written) in a Vietnamese date string, +07:00.

    Relative forms ("2 giờ trước", "hôm qua") count back from fetched_at (default: now). Dates in the
    future (past fetched_at + 1 day) or before not_before (default 1995) are rejected.
    """
    found = parse_with_time(text, fetched_at, not_before)
    return found[0] if found else None


def parse_with_time(text: str | None, fetched_at: datetime | None = None,
                    not_before: datetime | None = None) -> tuple[datetime, bool] | None:
    """Like parse_vietnamese_date, also saying whether a time of day was given."""
    if not text:
        return None
    t = _words_to_digits(_clean(text))
    fetched = _aware(fetched_at)
    for _, dt, has_time in _candidates(t, fetched):
        if _valid(dt, fetched, not_before):
            return dt, has_time
    got = _fallback(t, fetched)
    if got is not None and _valid(got[0], fetched, not_before):
        return got
    return None
