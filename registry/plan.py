"""The communication plan: periods, themes, obligations and column-name patterns, from a TOML file.

The file is validated in full by one typed model (PlanFile): types, unknown keys, unique theme and
period ids, a theme at most once per period, periods that do not overlap, obligation kinds that exist,
and column patterns that are distinct and narrow enough to mean something.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from registry.schema import Day, FileModel, Text, fail, one_of, validate_file
from registry.toml_file import read_toml

THEME_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PLAN_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
UNIT_KINDS = ("authority", "party-committee", "department", "board", "district", "press")
MIN_PATTERN_WORDS = 2  # a pattern of one word ("tin") matches ordinary menu labels; none ("...") matches all


@dataclass(frozen=True)
class Theme:
    theme_id: str
    title: str
    description: str
    seed_terms: tuple[str, ...]


@dataclass(frozen=True)
class Period:
    period_id: str
    title: str
    starts_on: dt.date
    ends_on: dt.date | None
    themes: tuple[str, ...]

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class Obligation:
    obligation_id: str
    title: str
    kinds: tuple[str, ...]
    units: tuple[str, ...] = ()
    requires_column: bool = False


@dataclass(frozen=True)
class Plan:
    plan_id: str
    title: str
    issuer: str
    number: str
    issued_on: dt.date
    report_deadline: str  # "MM-DD"
    periods: tuple[Period, ...]
    themes: tuple[Theme, ...]
    obligations: tuple[Obligation, ...]
    column_patterns: tuple[str, ...]
    source_path: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def theme_ids(self) -> list[str]:
        return [t.theme_id for t in self.themes]

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.theme_id == theme_id:
                return t
        raise KeyError(theme_id)

    def obligations_for(self, unit_id: str, kind: str) -> list[Obligation]:
        return [o for o in self.obligations if kind in o.kinds or unit_id in o.units]

    def requires_column(self, unit_id: str, kind: str) -> bool:
        return any(o.requires_column for o in self.obligations_for(unit_id, kind))

    def period_on(self, day: dt.date) -> Period | None:
        for p in self.periods:
            if p.contains(day):
                return p
        return None


def pattern_words(pattern: str) -> list[str]:
    """The literal words of a column pattern, folded as the matcher folds names (accents, đ, case, punctuation)."""
    text = unicodedata.normalize("NFKD", pattern)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("đ", "d").replace("Đ", "D").lower()
    text = re.sub(r"[^\w\s.]", " ", text)
    return [w for w in text.split() if w.strip(".")]


def pattern_key(pattern: str) -> str:
    """Two patterns with the same key match the same names."""
    return " ... ".join(" ".join(pattern_words(part)) for part in pattern.split("...")).strip()


def _nonempty(key: str, what: str):  # noqa: ANN202 - a validator factory
    def check(v: list) -> list:
        if not v:
            raise fail(("(plan)", key, f"missing or empty: a plan needs {what}"))
        return v
    return check


class ThemeEntry(FileModel):
    id: Text
    title: Text
    description: Text
    seed_terms: list[Text] = []

    @model_validator(mode="after")
    def _check(self) -> ThemeEntry:
        if not THEME_ID.match(self.id):
            raise fail((None, "id", f"bad theme id {self.id!r}: lower-case words joined by '-'"))
        return self


class PeriodEntry(FileModel):
    period_id: Text
    title: Text
    starts_on: Day
    ends_on: Day | None = None
    themes: list[Text] = []

    @model_validator(mode="after")
    def _check(self) -> PeriodEntry:
        out = []
        if self.ends_on and self.ends_on < self.starts_on:
            out.append((None, "ends_on", f"{self.ends_on} is before starts_on {self.starts_on}"))
        twice = sorted({t for t in self.themes if self.themes.count(t) > 1})
        out += [(None, "themes", f"theme {t!r} is listed twice in this period") for t in twice]
        if out:
            raise fail(*out)
        return self


class ObligationEntry(FileModel):
    title: Text
    kinds: list[one_of(UNIT_KINDS)] = []  # type: ignore[valid-type]
    units: list[Text] = []
    requires_column: bool = False

    @model_validator(mode="after")
    def _check(self) -> ObligationEntry:
        if not self.kinds and not self.units:
            raise fail((None, "kinds", "applies to nobody: give unit kinds or unit ids (units = [...])"))
        return self


class PlanFile(FileModel):
    """plans/*.toml, as a typed model. The keys are exactly the fields below."""

    schema_: Literal[1] = Field(1, alias="schema")
    plan_id: Text
    title: Text
    issuer: Text
    signed_by: str = ""
    number: str = ""
    issued_on: Day
    issued_on_precision: Literal["day", "not-before"] = "day"
    implements: str = ""
    source_text: str = ""
    report_deadline: str = "11-30"
    column_patterns: Annotated[list[Text], AfterValidator(_nonempty("column_patterns", "column_patterns = [...]"))]
    periods: Annotated[list[PeriodEntry], AfterValidator(_nonempty("periods", "[[periods]]"))]
    obligations: dict[str, ObligationEntry] = {}
    themes: Annotated[list[ThemeEntry], AfterValidator(_nonempty("themes", "[[themes]]"))]
    # {theme_id = minimum precision in (0, 1]}: the theme model's thresholds must meet it (nlp/themes/training.py
    # checks the ids and values when it trains, naming the plan file)
    theme_min_precision: dict[str, Any] = {}

    @model_validator(mode="after")
    def _consistent(self) -> PlanFile:
        out: list[tuple[str | None, str, str]] = []
        top = "(plan)"
        if not PLAN_ID.match(self.plan_id):
            out.append((top, "plan_id", f"bad plan id {self.plan_id!r}: lower-case ASCII words joined by '-'"))
        d = self.report_deadline
        if not re.fullmatch(r"\d\d-\d\d", d):
            out.append((top, "report_deadline", f"must be 'MM-DD', got {d!r}"))
        else:
            try:
                dt.date(2000, int(d[:2]), int(d[3:]))
            except ValueError:
                out.append((top, "report_deadline", f"not a real day: {d!r}"))
        seen: set[str] = set()
        for i, t in enumerate(self.themes):
            if t.id in seen:
                out.append((f"themes[{i}] (id={t.id})", "id", f"duplicate theme id {t.id!r}"))
            seen.add(t.id)
        pids: set[str] = set()
        for i, p in enumerate(self.periods):
            entry = f"periods[{i}] (period_id={p.period_id})"
            if p.period_id in pids:
                out.append((entry, "period_id", f"duplicate period_id {p.period_id!r}"))
            pids.add(p.period_id)
            for tid in dict.fromkeys(p.themes):
                if tid not in seen:
                    out.append((entry, "themes", f"unknown theme id {tid!r} (not among this plan's [[themes]])"))
        ordered = sorted(self.periods, key=lambda p: p.starts_on)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.ends_on is None or a.ends_on >= b.starts_on:
                out.append((f"periods (period_id={b.period_id})", "starts_on", f"overlaps period {a.period_id}"))
        keys: dict[str, int] = {}
        for i, pat in enumerate(self.column_patterns):
            entry = f"column_patterns[{i}] ({pat!r})"
            words = pattern_words(pat)
            if not words:
                out.append((entry, "column_patterns", "matches every category name: a pattern needs words besides '...'"))
            elif len(words) < MIN_PATTERN_WORDS:
                out.append((entry, "column_patterns", f"too broad: one word matches ordinary menu labels; "
                                                      f"give at least {MIN_PATTERN_WORDS} words"))
            key = pattern_key(pat)
            if words and key in keys:
                out.append((entry, "column_patterns", f"duplicate of column_patterns[{keys[key]}] "
                                                      f"({self.column_patterns[keys[key]]!r}) once accents and case are folded"))
            keys.setdefault(key, i)
        for oid, o in self.obligations.items():
            for u in o.units:
                if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", u):
                    out.append((f"obligations.{oid}", "units", f"bad unit id {u!r}"))
        if out:
            raise fail(*out)
        return self

    def to_plan(self, path: str) -> Plan:
        extra = {"schema": self.schema_, "signed_by": self.signed_by, "issued_on_precision": self.issued_on_precision,
                 "implements": self.implements, "source_text": self.source_text}
        if self.theme_min_precision:
            extra["theme_min_precision"] = dict(self.theme_min_precision)
        return Plan(
            plan_id=self.plan_id, title=self.title, issuer=self.issuer, number=self.number, issued_on=self.issued_on,
            report_deadline=self.report_deadline,
            periods=tuple(sorted((Period(p.period_id, p.title, p.starts_on, p.ends_on, tuple(p.themes)) for p in self.periods),
                                 key=lambda p: p.starts_on)),
            themes=tuple(Theme(t.id, t.title, t.description, tuple(t.seed_terms)) for t in self.themes),
            obligations=tuple(Obligation(oid, o.title, tuple(o.kinds), tuple(o.units), o.requires_column)
                              for oid, o in self.obligations.items()),
            column_patterns=tuple(self.column_patterns), source_path=path, extra=extra)


def load_plan(path: str | Path) -> Plan:
    """Load and validate a plan file; raises ValidationError naming every bad entry and field."""
    path = str(path)
    return validate_file(PlanFile, read_toml(path), path, "(plan)").to_plan(path)
