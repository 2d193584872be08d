"""Runtime configuration: one TOML file (chuyenmuc.toml), overridable by environment and flags.

The file is validated in full by one typed model (ConfigFile) before any command touches the
database: a misspelt key, a string where a number belongs (`timeout = "20s"`), or a value that would
hang or unbrake the crawl (`concurrent_per_site = 0`, `download_delay = -1`, `download_maxsize = 0`)
is an error naming file, section and key, exit 2.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, model_validator

from registry.errors import ValidationError
from registry.hosts import url_problem
from registry.schema import FileModel, Text, fail, validate_file

PositiveInt = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]


class PathsSection(FileModel):
    db: Text = "data/chuyenmuc.duckdb"
    plan: Text = "plans/daklak-2021.toml"
    units: Text = "units/daklak.toml"
    reports: Text = "data/reports"
    logs: Text = "data/logs"
    model: Text = "data/models/themes.joblib"


class CrawlSection(FileModel):
    user_agent: Text = "chuyenmuc/0.1 (+{contact_url}; provincial media monitor)"
    contact_url: Text = "https://example.invalid/chuyenmuc/crawler-info"
    proxy: str = ""
    concurrent_per_site: Annotated[int, Field(ge=1, le=64)] = 2
    concurrent_total: Annotated[int, Field(ge=1, le=1024)] = 16
    download_delay: Annotated[float, Field(ge=0, le=3600)] = 0.25          # seconds between requests to a site
    autothrottle_target: Annotated[float, Field(gt=0, le=64)] = 2.0
    download_maxsize: Annotated[int, Field(gt=0)] = 8_000_000              # bytes; 0 would switch the cap off
    download_warnsize: Count = 2_000_000
    article_maxsize: Annotated[int, Field(gt=0)] = 32_000_000             # bytes; article pages may exceed listings (#20)
    timeout: Annotated[float, Field(gt=0, le=3600)] = 20                   # seconds, a number
    retries: Annotated[int, Field(ge=0, le=20)] = 2
    max_depth: Annotated[int, Field(ge=0, le=100)] = 5
    page_budget_per_site: PositiveInt = 1500
    listing_max_pages: PositiveInt = 30

    @model_validator(mode="after")
    def _check(self) -> CrawlSection:
        out = []
        if self.proxy:
            why = url_problem(self.proxy, allow_private_hosts=True)
            if why and "credentials" not in why:  # a proxy may need a login; it is never exported
                out.append((None, "proxy", why))
        why = url_problem(self.contact_url, allow_private_hosts=True)
        if why:
            out.append((None, "contact_url", why))
        if self.download_warnsize > self.download_maxsize:
            out.append((None, "download_warnsize", f"{self.download_warnsize} is above download_maxsize {self.download_maxsize}"))
        if self.article_maxsize < self.download_maxsize:
            out.append((None, "article_maxsize", f"{self.article_maxsize} is below download_maxsize {self.download_maxsize}"))
        if self.concurrent_total < self.concurrent_per_site:
            out.append((None, "concurrent_total", f"{self.concurrent_total} is below concurrent_per_site {self.concurrent_per_site}"))
        if out:
            raise fail(*out)
        return self


class StatusSection(FileModel):
    dormant_days: Annotated[int, Field(ge=1, le=3650)] = 90


class ReportSection(FileModel):
    weekly_weekday: Annotated[int, Field(ge=1, le=7)] = 1  # ISO weekday: 1 = Monday


class ConfigFile(FileModel):
    """chuyenmuc.toml, as a typed model: every section and key, its type, range and default."""

    paths: PathsSection = Field(default_factory=PathsSection)
    crawl: CrawlSection = Field(default_factory=CrawlSection)
    status: StatusSection = Field(default_factory=StatusSection)
    report: ReportSection = Field(default_factory=ReportSection)


DEFAULTS: dict[str, Any] = ConfigFile().model_dump()


@dataclass
class Config:
    data: dict[str, Any] = field(default_factory=lambda: ConfigFile().model_dump())
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


def parse_config(data: dict[str, Any], source: str) -> dict[str, Any]:
    """The full, typed settings of a parsed config file (defaults filled in), or a ValidationError."""
    return validate_file(ConfigFile, data, source, "(config)", bracket_tables=True).model_dump()


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
    return Config(parse_config(over, str(p)), root, str(p))
