"""The unit registry: who must publish, since when, until when, and where (their sources)."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from registry.errors import Problems
from registry.toml_file import get_date, get_str, read_toml

UNIT_KINDS = ("authority", "party-committee", "department", "board", "district", "press")
SOURCE_KINDS = ("site", "feed", "sitemap", "column")
UNIT_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def source_id(unit_id: str, kind: str, url: str) -> str:
    """Stable id for a source: the same unit, kind and URL always give the same id."""
    return hashlib.sha1(f"{unit_id}|{kind}|{url}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Source:
    unit_id: str
    kind: str
    url: str
    verified: bool
    name: str = ""

    @property
    def source_id(self) -> str:
        return source_id(self.unit_id, self.kind, self.url)

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    short_name: str
    kind: str
    parent: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    successor: str | None
    note: str
    sources: tuple[Source, ...]

    @property
    def site(self) -> Source | None:
        return next((s for s in self.sources if s.kind == "site"), None)

    @property
    def domains(self) -> tuple[str, ...]:
        """Hosts this unit owns: the crawler never follows links outside them."""
        return tuple(sorted({s.host for s in self.sources if s.host}))

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Registry:
    registry_id: str
    plan_id: str
    units: tuple[Unit, ...]
    source_path: str = ""

    def unit(self, unit_id: str) -> Unit:
        for u in self.units:
            if u.unit_id == unit_id:
                return u
        raise KeyError(unit_id)

    def with_sites(self) -> list[Unit]:
        return [u for u in self.units if u.site is not None]


def _check_url(url: str, entry: str, fld: str, probs: Problems) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        probs.add(entry, fld, f"not a valid URL: {url!r} ({e})")
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        probs.add(entry, fld, f"not an http(s) URL: {url!r}")
        return False
    return True


def load_units(path: str | Path) -> Registry:
    """Load and validate a unit registry; raises ValidationError naming every bad entry and field."""
    path = str(path)
    data = read_toml(path)
    probs = Problems(path)
    top = "(registry)"
    rid = get_str(data, "registry_id", top, probs)
    plan_id = get_str(data, "plan", top, probs)
    raw = data.get("units")
    if not isinstance(raw, list) or not raw:
        probs.add(top, "units", "missing or empty: a registry needs [[units]]")
        raw = []
    units: list[Unit] = []
    ids: set[str] = set()
    for i, u in enumerate(raw):
        entry = f"units[{i}]"
        if not isinstance(u, dict):
            probs.add(entry, "(table)", "must be a table")
            continue
        uid = get_str(u, "unit_id", entry, probs)
        if uid:
            entry = f"units[{i}] (unit_id={uid})"
            if not UNIT_ID.match(uid):
                probs.add(entry, "unit_id", f"bad id {uid!r}: lower-case ASCII words joined by '-'")
            if uid in ids:
                probs.add(entry, "unit_id", f"duplicate unit id {uid!r}")
            ids.add(uid)
        name = get_str(u, "name", entry, probs)
        short = get_str(u, "short_name", entry, probs, required=False) or name or ""
        kind = get_str(u, "kind", entry, probs)
        if kind and kind not in UNIT_KINDS:
            probs.add(entry, "kind", f"unknown kind {kind!r}; one of {', '.join(UNIT_KINDS)}")
        vf = get_date(u, "valid_from", entry, probs)
        vt = get_date(u, "valid_to", entry, probs, required=False)
        if vf and vt and vt < vf:
            probs.add(entry, "valid_to", f"{vt} is before valid_from {vf}")
        sources: list[Source] = []
        site = u.get("site")
        if site is not None:
            if not isinstance(site, str):
                probs.add(entry, "site", f"must be a URL string, got {site!r}")
            elif _check_url(site, entry, "site", probs):
                ver = u.get("site_verified")
                if not isinstance(ver, bool):
                    probs.add(entry, "site_verified", "missing or not true/false: say whether the URL was checked")
                    ver = False
                sources.append(Source(uid or "", "site", site, ver))
        raw_sources = u.get("sources", []) or []
        if not isinstance(raw_sources, list):
            probs.add(entry, "sources", f"must be a list of [[units.sources]] tables, got {raw_sources!r}")
            raw_sources = []
        for fld in ("parent", "successor", "note"):
            if u.get(fld) is not None and not isinstance(u.get(fld), str):
                probs.add(entry, fld, f"must be a string, got {u.get(fld)!r}")
        for j, s in enumerate(raw_sources):
            sentry = f"{entry} sources[{j}]"
            if not isinstance(s, dict):
                probs.add(sentry, "(table)", "must be a table")
                continue
            skind = get_str(s, "kind", sentry, probs)
            if skind and skind not in SOURCE_KINDS:
                probs.add(sentry, "kind", f"unknown source kind {skind!r}; one of {', '.join(SOURCE_KINDS)}")
            surl = get_str(s, "url", sentry, probs)
            ver = s.get("verified")
            if not isinstance(ver, bool):
                probs.add(sentry, "verified", "missing or not true/false: say whether the URL was checked")
            if surl and skind and _check_url(surl, sentry, "url", probs) and isinstance(ver, bool):
                sources.append(Source(uid or "", skind, surl, ver, str(s.get("name", ""))))
        if uid and name and kind and vf and all(u.get(f) is None or isinstance(u.get(f), str)
                                                 for f in ("parent", "successor")):
            units.append(Unit(uid, name, short, kind, u.get("parent"), vf, vt, u.get("successor"),
                              str(u.get("note", "")), tuple(sources)))
    for u in units:
        entry = f"unit_id={u.unit_id}"
        if u.parent is not None and u.parent not in ids:
            probs.add(entry, "parent", f"unknown unit id {u.parent!r}")
        if u.successor is not None and u.successor not in ids:
            probs.add(entry, "successor", f"unknown unit id {u.successor!r}")
    probs.raise_if_any()
    return Registry(rid or "", plan_id or "", tuple(units), path)  # type: ignore[arg-type]


