"""A tiny TOML writer for fuzzing: every value inline, so any nested dict/list shape can be written."""
from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any


def value(v: Any) -> str:
    """One TOML value, inline (arrays and inline tables nest freely)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def key(k: str) -> str:
    return json.dumps(str(k), ensure_ascii=False)


def dumps(d: dict[str, Any]) -> str:
    return "".join(f"{key(k)} = {value(v)}\n" for k, v in d.items())
