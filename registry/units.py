"""The unit registry: who must publish, since when, until when, and where (their sources).

The file is validated in full by one typed model (RegistryFile): types, unknown keys, unique unit ids
and sources, known parents and successors without cycles, public http(s) URLs without credentials
(registry.hosts), and no URL marked verified without the public evidence it was verified against.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, model_validator

from registry.channels import CHANNEL_KINDS, channel_problem
from registry.errors import ValidationError
from registry.hosts import url_problem
from registry.plan import UNIT_KINDS, Plan
from registry.schema import Day, FileModel, Text, fail, one_of, validate_file
from registry.toml_file import read_toml

SOURCE_KINDS = ("site", "feed", "sitemap", "column")
UNIT_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def source_id(unit_id: str, kind: str, url: str) -> str:
    """Stable id for a source: the same unit, kind and URL always give the same id."""
    return hashlib.sha1(f"{unit_id}|{kind}|{url}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Evidence:
    """Where a URL was seen in public (a stored copy of a page, a directory, a link) and when."""
    url: str
    seen_on: dt.date
    note: str = ""


@dataclass(frozen=True)
class Source:
    unit_id: str
    kind: str
    url: str
    verified: bool
    name: str = ""
    evidence: tuple[Evidence, ...] = ()

    @property
    def source_id(self) -> str:
        return source_id(self.unit_id, self.kind, self.url)

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


@dataclass(frozen=True)
class Channel:
    """An official channel of the unit beyond its website (a video channel's feed, another official feed).
    Not a crawl source of the site: its host never joins the unit's domains."""
    unit_id: str
    kind: str
    url: str
    name: str
    verified: bool
    evidence: tuple[Evidence, ...] = ()
    official_host: bool = False
    note: str = ""

    @property
    def channel_id(self) -> str:
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
    site_cms: str = ""
    channels: tuple[Channel, ...] = ()

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


# --- the file model ----------------------------------------------------------------------------------

def _latest_today() -> dt.date:
    """The latest date that is today somewhere on Earth (UTC+14): a seen_on after it is a typo, whatever
    the zone of the person who wrote it or of the machine that reads it. (The registry imports no
    warehouse, so not warehouse.clock; this is a sanity bound, not a stored or compared time.)"""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


class EvidenceEntry(FileModel):
    url: Text
    seen_on: Day
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> EvidenceEntry:
        why = url_problem(self.url)
        if why:
            raise fail((None, "url", why))
        if self.seen_on > _latest_today():
            raise fail((None, "seen_on", f"{self.seen_on} is in the future"))
        return self


class SourceEntry(FileModel):
    kind: one_of(SOURCE_KINDS, "source kind")  # type: ignore[valid-type]
    url: Text
    verified: bool
    name: str = ""
    evidence: list[EvidenceEntry] = []

    @model_validator(mode="after")
    def _check(self) -> SourceEntry:
        if self.verified and not self.evidence:
            raise fail((None, "verified", "true without evidence: add evidence = [{url = ..., seen_on = ...}] "
                                          "naming where the URL was seen, or set verified = false"))
        return self


class ChannelEntry(FileModel):
    kind: one_of(CHANNEL_KINDS, "channel kind")  # type: ignore[valid-type]
    url: Text
    name: Text
    verified: bool
    evidence: list[EvidenceEntry] = []
    official_host: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> ChannelEntry:
        out = []
        if self.verified and not self.evidence:
            out.append((None, "verified", "true without evidence: add evidence = [{url = ..., seen_on = ...}] "
                                          "naming where the channel was seen as the institution's, or set verified = false"))
        if self.official_host and not self.evidence:
            out.append((None, "official_host", "true without evidence: say where the host was seen as the "
                                               "institution's own (evidence = [{url = ..., seen_on = ...}])"))
        if out:
            raise fail(*out)
        return self


class UnitEntry(FileModel):
    unit_id: Text
    name: Text
    short_name: Text | None = None
    kind: one_of(UNIT_KINDS)  # type: ignore[valid-type]
    parent: Text | None = None
    valid_from: Day
    valid_to: Day | None = None
    successor: Text | None = None
    note: str = ""
    site: Text | None = None
    site_verified: bool | None = None
    site_evidence: list[EvidenceEntry] = []
    site_cms: str = ""
    sources: list[SourceEntry] = []
    channels: list[ChannelEntry] = []

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> UnitEntry:
        out: list[tuple[str | None, str, str]] = []
        allow = bool((info.context or {}).get("allow_private_hosts"))
        if self.site is not None:
            why = url_problem(self.site, allow_private_hosts=allow)
            if why:
                out.append((None, "site", why))
        for j, s in enumerate(self.sources):
            why = url_problem(s.url, allow_private_hosts=allow)
            if why:
                out.append((f"sources[{j}]", "url", why))
        own = tuple(sorted({(urlsplit(x).hostname or "").lower() for x in [self.site or "", *(s.url for s in self.sources)]} - {""}))
        for j, c in enumerate(self.channels):
            why = url_problem(c.url, allow_private_hosts=allow) or channel_problem(c.kind, c.url, own, c.official_host)
            if why:
                out.append((f"channels[{j}]", "url", why))
        if not UNIT_ID.match(self.unit_id):
            out.append((None, "unit_id", f"bad id {self.unit_id!r}: lower-case ASCII words joined by '-'"))
        if self.valid_to and self.valid_to < self.valid_from:
            out.append((None, "valid_to", f"{self.valid_to} is before valid_from {self.valid_from}"))
        if self.site is None:
            for f in ("site_verified", "site_evidence", "site_cms"):
                if f in self.model_fields_set:
                    out.append((None, f, "given without a site"))
        elif self.site_verified is None:
            out.append((None, "site_verified", "missing or not true/false: say whether the URL was checked"))
        elif self.site_verified and not self.site_evidence:
            out.append((None, "site_verified", "true without evidence: add site_evidence = [{url = ..., seen_on = ...}] "
                                               "naming where the host was seen, or set site_verified = false"))
        if self.successor is not None and self.successor == self.unit_id:
            out.append((None, "successor", "a unit cannot succeed itself"))
        if self.parent is not None and self.parent == self.unit_id:
            out.append((None, "parent", "a unit cannot be its own parent"))
        if out:
            raise fail(*out)
        return self


def _cycle(start: str, step: dict[str, str | None]) -> list[str] | None:
    path, seen = [start], {start}
    nxt = step.get(start)
    while nxt is not None and nxt in step:
        if nxt == start:
            return path + [nxt]
        if nxt in seen:
            return None  # a cycle further on, reported from its own members
        path.append(nxt)
        seen.add(nxt)
        nxt = step.get(nxt)
    return None


class RegistryFile(FileModel):
    """units/*.toml, as a typed model. The keys are exactly the fields below."""

    schema_: Literal[1] = Field(1, alias="schema")
    registry_id: Text
    plan: Text
    allow_private_hosts: bool = False
    units: list[UnitEntry]

    @model_validator(mode="after")
    def _consistent(self) -> RegistryFile:
        out: list[tuple[str | None, str, str]] = []
        if not self.units:
            out.append(("(registry)", "units", "missing or empty: a registry needs [[units]]"))
        label = {u.unit_id: f"units[{i}] (unit_id={u.unit_id})" for i, u in reversed(list(enumerate(self.units)))}
        ids: set[str] = set()
        seen_sources: dict[tuple[str, str], str] = {}
        for i, u in enumerate(self.units):
            entry = f"units[{i}] (unit_id={u.unit_id})"
            if u.unit_id in ids:
                out.append((entry, "unit_id", f"duplicate unit id {u.unit_id!r}"))
            ids.add(u.unit_id)
            urls = ([(entry, "site", "site", u.site)] if u.site else []) + \
                   [(f"{entry} sources[{j}]", "url", s.kind, s.url) for j, s in enumerate(u.sources)] + \
                   [(f"{entry} channels[{j}]", "url", f"channel {c.kind}", c.url) for j, c in enumerate(u.channels)]
            for where, fld, kind, url in urls:
                key = (kind, url)
                if key in seen_sources and seen_sources[key] != u.unit_id:
                    out.append((where, fld, f"{kind} {url} is already the {kind} of {seen_sources[key]}"))
                elif key in seen_sources:
                    out.append((where, fld, f"{kind} {url} is listed twice for this unit"))
                seen_sources.setdefault(key, u.unit_id)
        parents = {u.unit_id: u.parent for u in self.units}
        successors = {u.unit_id: u.successor for u in self.units}
        for u in self.units:
            entry = label[u.unit_id].split(" ", 1)[1].strip("()")  # "unit_id=..."
            for fld, target in (("parent", u.parent), ("successor", u.successor)):
                if target is not None and target not in ids:
                    out.append((entry, fld, f"unknown unit id {target!r}"))
            for fld, step in (("parent", parents), ("successor", successors)):
                cyc = _cycle(u.unit_id, step) if step.get(u.unit_id) != u.unit_id else None
                if cyc:
                    out.append((entry, fld, f"cycle: {' -> '.join(cyc)}"))
        if out:
            raise fail(*out)
        return self

    def to_registry(self, path: str) -> Registry:
        def ev(items: list[EvidenceEntry]) -> tuple[Evidence, ...]:
            return tuple(Evidence(e.url, e.seen_on, e.note) for e in items)

        units = []
        for u in self.units:
            sources = [Source(u.unit_id, "site", u.site, bool(u.site_verified), "", ev(u.site_evidence))] if u.site else []
            sources += [Source(u.unit_id, s.kind, s.url, s.verified, s.name, ev(s.evidence)) for s in u.sources]
            channels = tuple(Channel(u.unit_id, c.kind, c.url, c.name, c.verified, ev(c.evidence), c.official_host, c.note)
                             for c in u.channels)
            units.append(Unit(u.unit_id, u.name, u.short_name or u.name, u.kind, u.parent, u.valid_from, u.valid_to,
                              u.successor, u.note, tuple(sources), u.site_cms, channels))
        return Registry(self.registry_id, self.plan, tuple(units), path)


def load_units(path: str | Path, allow_private_hosts: bool = False) -> Registry:
    """Load and validate a unit registry; raises ValidationError naming every bad entry and field.

    `allow_private_hosts` lets a test registry point at a web on 127.0.0.1 (the file can say so itself
    with `allow_private_hosts = true`); the shipped registry never does.
    """
    path = str(path)
    data = read_toml(path)
    allow = allow_private_hosts or data.get("allow_private_hosts") is True  # the file's own opt-in, read first
    model = validate_file(RegistryFile, data, path, "(registry)", context={"allow_private_hosts": allow})
    return model.to_registry(path)


def check_registry_plan(reg: Registry, plan: Plan) -> None:
    """A registry names the plan it serves; loading it with another plan is a mistake, named, exit 2."""
    if reg.plan_id != plan.plan_id:
        raise ValidationError(reg.source_path, [("(registry)", "plan", f"is {reg.plan_id!r}, but the plan "
                                                 f"{plan.source_path} has plan_id {plan.plan_id!r}")])
