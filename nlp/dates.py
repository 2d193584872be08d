"""Vietnamese publication dates, day-first always, with the time when the page gives one.

Generic date finders (htmldate) read "Cập nhật lúc 08:30 ngày 17 tháng 6 năm 2021" as 2021-01-01
and "05/06/2021" month-first; portals only ever write day-first, so we parse their forms ourselves.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))
EARLIEST = datetime(1995, 1, 1, tzinfo=VN_TZ)  # before any Vietnamese portal existed

_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(z|[+-]\d{2}:?\d{2})?)?(?!\d)", re.I)
_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?![\d/])")
_WORDY = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)\s*(\d{4})")
_TIME = re.compile(
    r"(?<![\d:/.-])(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?:\s*(?::|phút)\s*(\d{2}))?"
    r"(?:\s*phút)?(?:\s*(am|pm|sa|ch|sáng|chiều|tối)\b)?(?![\d/])", re.I)
_RELATIVE = re.compile(r"(\d+)\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm)\s*trước")
_UNIT = {"giây": timedelta(seconds=1), "phút": timedelta(minutes=1), "giờ": timedelta(hours=1),
         "tiếng": timedelta(hours=1), "ngày": timedelta(days=1), "tuần": timedelta(weeks=1),
         "tháng": timedelta(days=30), "năm": timedelta(days=365)}
_DAY_WORDS = {"hôm kia": 2, "hôm qua": 1, "hôm nay": 0}
_NEAR = 30  # characters between a date and its time


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def _aware(dt: datetime | None) -> datetime:
    if dt is None:
        return datetime.now(VN_TZ)
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


def _nearest_time(text: str, start: int, end: int) -> time | None:
    """The time written just after (preferred) or just before the date span."""
    after = text[end:end + _NEAR]
    for m in _TIME.finditer(after):
        t = _parse_time(m)
        if t is not None:
            return t
    before = text[max(0, start - _NEAR):start]
    found = None
    for m in _TIME.finditer(before):
        t = _parse_time(m)
        if t is not None:
            found = t
    return found


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
                out.append((m.start(), datetime.combine(date(y, mo, d), t or time(0), VN_TZ), t is not None))
        except ValueError:
            continue
    for rx, order in ((_DMY, (1, 3, 4)), (_WORDY, (1, 2, 3))):
        for m in rx.finditer(text):
            d, mo, y = (int(m.group(i)) for i in order)
            if y < 100:
                y += 2000
            try:
                day = date(y, mo, d)
            except ValueError:
                continue
            t = _nearest_time(text, m.start(), m.end())
            out.append((m.start(), datetime.combine(day, t or time(0), VN_TZ), t is not None))
    for m in _RELATIVE.finditer(text):
        out.append((m.start(), fetched - int(m.group(1)) * _UNIT[m.group(2)], m.group(2) in ("giây", "phút", "giờ", "tiếng")))
    for word, back in _DAY_WORDS.items():
        for m in re.finditer(word, text):
            day = (fetched - timedelta(days=back)).date()
            t = _nearest_time(text, m.start(), m.end())
            out.append((m.start(), datetime.combine(day, t or time(0), VN_TZ), t is not None))
    for m in re.finditer(r"vừa xong|vừa mới|mới đây", text):
        out.append((m.start(), fetched, True))
    out.sort(key=lambda x: x[0])
    return out


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
    t = _clean(text)
    fetched = _aware(fetched_at)
    for _, dt, has_time in _candidates(t, fetched):
        if _valid(dt, fetched, not_before):
            return dt, has_time
    return None
