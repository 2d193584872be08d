"""Cells safe to open in a spreadsheet: text from the web must never become a formula.

A title such as `=HYPERLINK("http://x","y")` is data. In CSV it is prefixed with an apostrophe
(OWASP's CSV-injection advice); in XLSX it is written as a string cell with Excel's quote prefix,
so its text is kept exactly and Excel never evaluates it.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from warehouse import clock

LOCAL_TZ = clock.TZ
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_SPACE = re.compile(r"^[ \u00a0]+")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read the text as a formula (also after leading spaces)."""
    return _LEADING_SPACE.sub("", text).startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as written: formula-like text gets a leading apostrophe. The one rule
    for every CSV and XLSX the project writes (report exports and the analysts' label file)."""
    return "'" + text if is_formula_like(text) else text


def unneutralise(text: str) -> str:
    """What `neutralise` was given back from a file read in again: its apostrophe dropped."""
    return text[1:] if text.startswith("'") and is_formula_like(text[1:]) else text


def plain(value: Any) -> Any:
    """Values spreadsheets hold: local naive datetimes, lists joined, dicts as JSON."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    if isinstance(value, list | tuple):
        return ", ".join("" if v is None else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def csv_cell(value: Any) -> Any:
    """A CSV field: formula-like text gets a leading apostrophe; other values are unchanged."""
    value = plain(value)
    return neutralise(value) if isinstance(value, str) else value


def xlsx_value(value: Any) -> tuple[Any, bool]:
    """(value for openpyxl, must_be_text). Control characters XLSX cannot hold are dropped."""
    value = plain(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        return value, is_formula_like(value)
    return value, False


def set_xlsx_cell(cell: Any, value: Any) -> None:
    """Write a value to an openpyxl cell; formula-like text is stored as a string, never a formula."""
    v, as_text = xlsx_value(value)
    cell.value = v
    if as_text:
        cell.data_type = "s"
        cell.quotePrefix = True
