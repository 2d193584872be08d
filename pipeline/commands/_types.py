"""Argument types shared by the subcommands: a bad value is argparse's exit 2 naming the option.

argparse turns an ArgumentTypeError into `chuyenmuc X: error: argument --as-of: ...` and exit 2,
so no bad option ever reaches the job as a traceback.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
from urllib.parse import urlsplit


def iso_date(s: str) -> dt.date:
    """YYYY-MM-DD, a real calendar day (2022-13-01 and 31/12/2022 are refused)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.strip()):
        raise argparse.ArgumentTypeError(f"{s!r} is not a date in the form YYYY-MM-DD (e.g. 2022-12-31)")
    try:
        return dt.date.fromisoformat(s.strip())
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{s!r} is not a calendar date ({e})") from None


def iso_date_text(s: str) -> str:
    """iso_date, kept as its YYYY-MM-DD text (for options the job parses itself)."""
    return iso_date(s).isoformat()


def year(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        v = 0
    if not 1900 <= v <= 2999:
        raise argparse.ArgumentTypeError(f"{s!r} is not a calendar year (e.g. 2021)")
    return v


def positive_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"{s!r} is not a whole number >= 1")
    return v


def folds(s: str) -> int:
    v = positive_int(s)
    if v < 2:
        raise argparse.ArgumentTypeError(f"{s!r}: cross-validation needs at least 2 folds")
    return v


def proxy_url(s: str) -> str:
    """http(s)://host:port of an HTTP proxy."""
    try:
        u = urlsplit(s.strip())
        port = u.port
    except ValueError:
        u, port = None, None
    if u is None or u.scheme not in ("http", "https") or not u.hostname:
        raise argparse.ArgumentTypeError(f"{s!r} is not a proxy URL like http://127.0.0.1:8080")
    del port
    return s.strip()
