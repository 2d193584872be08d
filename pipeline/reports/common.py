"""Shared pieces of the reports: Vietnamese labels, week arithmetic, templates, Markdown escaping."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pipeline.reports.settings import as_of
from warehouse import clock

__all__ = ["as_of", "STATUS_VI", "CHANNEL_STATUS_VI", "REACH_VI", "KIND_VI", "SOURCE_STATUS_VI", "ReportError", "parse_week",
           "week_label", "last_complete_week", "rows", "environment", "safe_href", "vi_date", "vi_week", "vi_number", "md",
           "unit_label", "plan_in_force", "vi_sort_key"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

STATUS_VI = {
    "active": "Đang hoạt động",
    "dormant": "Ngừng cập nhật",
    "missing": "Chưa mở chuyên mục",
    "unreachable": "Không truy cập được",
    "not_required": "Không bắt buộc",
}
# Why a unit could not be seen (column_status.reach), in plain Vietnamese for officials.
REACH_VI = {
    "failing": "trang thông tin điện tử không phản hồi hoặc báo lỗi ở các lần thu thập gần nhất",
    "disallowed": "trang thông tin điện tử từ chối công cụ thu thập (tệp robots.txt chặn truy cập)",
    "no-site": "chưa có địa chỉ trang thông tin điện tử trong danh mục đơn vị",
    "not-read": "chưa thu thập được lần nào",
}
KIND_VI = {"authority": "Cơ quan chỉ đạo", "party-committee": "Cơ quan Đảng", "department": "Sở, ngành",
           "board": "Ban", "district": "UBND cấp huyện", "press": "Cơ quan báo chí"}
# channel_status_at(): the units' official channels (issue #21), counted beside the column
CHANNEL_STATUS_VI = {
    "none": "Chưa đăng ký kênh",
    "on_theme": "Có tin đúng chủ đề gần đây",
    "off_theme": "Có tin gần đây, không đúng chủ đề",
    "quiet": "Không có tin gần đây",
    "unreachable": "Không đọc được kênh",
}
SOURCE_STATUS_VI = {"ok": "Bình thường", "failing": "Đang lỗi", "dead": "Không truy cập được",
                    "disallowed": "Bị robots.txt chặn"}
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class ReportError(ValueError):
    """A report cannot be built as asked (bad week or year); the message says why."""


def parse_week(week: str) -> dt.date:
    """'2021-W30' -> the Monday of that ISO week."""
    m = _WEEK.match(week or "")
    if not m:
        raise ReportError(f"week {week!r}: expected ISO week like 2021-W30")
    try:
        return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ReportError(f"week {week!r}: no such ISO week") from None


def week_label(monday: dt.date) -> str:
    y, w, _ = monday.isocalendar()
    return f"{y}-W{w:02d}"


def last_complete_week(as_of: dt.date) -> str:
    """The last ISO week that ended before the reference date."""
    return week_label(as_of - dt.timedelta(days=as_of.isoweekday() + 6))


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def environment() -> Environment:
    """Jinja2 with autoescape on for every template: all web text is HTML-escaped."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_href"] = safe_href
    env.filters["vi_date"] = vi_date
    env.filters["vi_week"] = vi_week
    env.filters["vi_number"] = vi_number
    return env


def safe_href(url: object) -> str | None:
    """Only http(s) links become hrefs; anything else (javascript:, data:) is shown as text only."""
    s = str(url or "")
    return s if s.lower().startswith(("http://", "https://")) else None


def vi_week(week: str) -> str:
    """ISO week "2022-W51" as an official reads it: "tuần 51 năm 2022" (the code stays in file names)."""
    year, _, num = str(week).partition("-W")
    return f"tuần {int(num)} năm {year}" if num.isdigit() and year.isdigit() else str(week)


def vi_date(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):   # an instant is shown in the province's time, whatever the session's zone
        return (value.astimezone(clock.TZ) if value.tzinfo else value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def vi_number(n: object) -> str:
    """Vietnamese digit grouping: 1234567 -> '1.234.567', 1234.5 -> '1.234,5', 0.25 -> '0,25'."""
    if isinstance(n, bool) or n is None:
        return "" if n is None else str(n)
    if isinstance(n, int):
        return f"{n:,}".replace(",", ".")
    if isinstance(n, float):
        whole, _, frac = f"{n:,.2f}".partition(".")
        frac = frac.rstrip("0")
        return whole.replace(",", ".") + ("," + frac if frac else "")
    return str(n)


def vi_sort_key(text: str) -> tuple[str, str]:
    """Vietnamese alphabetical order, near enough for lists of names: accents do not move a name,
    and đ comes after every d (Cổng, Đài, Huyện; not Huyện, Sở, ... Đài last)."""
    base = "".join(ch for ch in unicodedata.normalize("NFD", text or "") if not unicodedata.combining(ch))
    return base.lower().replace("đ", "d~"), text


def unit_label(row: dict) -> str:
    """The one naming rule: the short name in tables and charts (the full name goes in the annex)."""
    return row.get("short_name") or row.get("unit_name") or row.get("unit_id") or ""


def plan_in_force(con: duckdb.DuckDBPyConnection, day: dt.date) -> dict:
    """The plan whose period covers the day (else the latest plan started by then, else any): a
    warehouse may hold several plans and a report speaks for one."""
    found = rows(con, """
        SELECT p.*, min(pp.starts_on) AS starts_on,
               bool_or(pp.starts_on <= ? AND coalesce(pp.ends_on, DATE '9999-12-31') >= ?) AS covers
        FROM plans p JOIN plan_periods pp USING (plan_id)
        GROUP BY ALL
        ORDER BY covers DESC, (min(pp.starts_on) <= ?) DESC, min(pp.starts_on) DESC, p.plan_id""", [day, day, day])
    if not found:
        raise ReportError("the warehouse holds no plan (run `chuyenmuc db init` first)")
    return found[0]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")


def md(text: object) -> str:
    """Markdown-safe text: HTML metacharacters escaped, Markdown syntax backslash-escaped, one line."""
    s = "" if text is None else str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return " ".join(s.split())
