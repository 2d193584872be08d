"""Reading a TOML data file with errors that name the file and line."""
from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from registry.errors import Problems, ValidationError


def read_toml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ValidationError(str(p), [("(file)", "(file)", f"cannot read: {e.strerror or e}")]) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ValidationError(str(p), [("(file)", "(encoding)", f"not UTF-8 at byte {e.start}")]) from None
    except tomllib.TOMLDecodeError as e:
        raise ValidationError(str(p), [("(file)", "(syntax)", f"malformed TOML: {e}")]) from None


def get_str(d: dict, key: str, entry: str, probs: Problems, required: bool = True) -> str | None:
    v = d.get(key)
    if v is None:
        if required:
            probs.add(entry, key, "missing")
        return None
    if not isinstance(v, str) or (required and not v.strip()):
        probs.add(entry, key, f"must be a non-empty string, got {v!r}")
        return None
    return v


def get_date(d: dict, key: str, entry: str, probs: Problems, required: bool = True) -> dt.date | None:
    """Dates are TOML dates (2021-05-23); strings in ISO form are accepted too, anything else is an error."""
    v = d.get(key)
    if v is None:
        if required:
            probs.add(entry, key, "missing")
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            pass
    probs.add(entry, key, f"bad date {v!r} (expected YYYY-MM-DD)")
    return None
