"""Runtime configuration: one TOML file (chuyenmuc.toml), overridable by environment and flags."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.errors import ValidationError

DEFAULTS: dict[str, Any] = {
    "paths": {
        "db": "data/chuyenmuc.duckdb",
        "plan": "plans/daklak-2021.toml",
        "units": "units/daklak.toml",
        "raw_dir": "data/raw",
        "reports": "data/reports",
        "logs": "data/logs",
        "model": "data/models/themes.joblib",
    },
    "crawl": {
        "user_agent": "chuyenmuc/0.1 (+{contact_url}; provincial media monitor)",
        "contact_url": "https://example.invalid/chuyenmuc/crawler-info",
        "proxy": "",
        "concurrent_per_site": 2,
        "concurrent_total": 16,
        "download_delay": 0.25,
        "autothrottle_target": 2.0,
        "download_maxsize": 8_000_000,
        "download_warnsize": 2_000_000,
        "timeout": 20,
        "retries": 2,
        "max_depth": 5,
        "page_budget_per_site": 1500,
        "listing_max_pages": 30,
    },
    "status": {"dormant_days": 90},
    "report": {"weekly_weekday": 1},  # ISO weekday: 1 = Monday
}


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


@dataclass
class Config:
    data: dict[str, Any] = field(default_factory=lambda: _merge(DEFAULTS, {}))
    root: Path = Path(".")
    source: str = "(defaults)"

    def path(self, key: str) -> Path:
        p = Path(self.data["paths"][key])
        return p if p.is_absolute() else self.root / p

    @property
    def db_path(self) -> Path:
        env = os.environ.get("CHUYENMUC_DB")
        return Path(env) if env else self.path("db")

    def section(self, name: str) -> dict[str, Any]:
        return self.data[name]


def find_root(start: Path | None = None) -> Path:
    """The repo root: the nearest folder holding chuyenmuc.toml, else the current directory."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "chuyenmuc.toml").is_file():
            return d
    return here


def load_config(path: str | Path | None = None) -> Config:
    """Config file: --config, else CHUYENMUC_CONFIG, else chuyenmuc.toml at the repo root."""
    path = path or os.environ.get("CHUYENMUC_CONFIG")
    if path is None:
        root = find_root()
        p = root / "chuyenmuc.toml"
        if not p.is_file():
            return Config(root=root)
    else:
        p = Path(path)
        root = p.resolve().parent
    try:
        over = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ValidationError(str(p), [("(config)", "(file)", str(e))]) from None
    unknown = [k for k in over if k not in DEFAULTS]
    if unknown:
        raise ValidationError(str(p), [("(config)", k, "unknown section") for k in unknown])
    return Config(_merge(DEFAULTS, over), root, str(p))
