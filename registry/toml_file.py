"""Reading a TOML data file with errors that name the file and line."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from registry.errors import ValidationError


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
