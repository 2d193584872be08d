"""The communication plan: periods, themes, obligations and column-name patterns, from a TOML file."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from registry.errors import Problems
from registry.toml_file import get_date, get_str, read_toml

THEME_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


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


def load_plan(path: str | Path) -> Plan:
    """Load and validate a plan file; raises ValidationError naming every bad entry and field."""
    path = str(path)
    data = read_toml(path)
    probs = Problems(path)
    top = "(plan)"
    plan_id = get_str(data, "plan_id", top, probs)
    title = get_str(data, "title", top, probs)
    issuer = get_str(data, "issuer", top, probs)
    number = data.get("number", "")
    if not isinstance(number, str):
        probs.add(top, "number", f"must be a string, got {number!r}")
        number = ""
    issued_on = get_date(data, "issued_on", top, probs)
    deadline = data.get("report_deadline", "11-30")
    if not (isinstance(deadline, str) and re.fullmatch(r"\d\d-\d\d", deadline)):
        probs.add(top, "report_deadline", f"must be 'MM-DD', got {deadline!r}")
    else:
        try:
            dt.date(2000, int(deadline[:2]), int(deadline[3:]))
        except ValueError:
            probs.add(top, "report_deadline", f"not a real day: {deadline!r}")

    themes: list[Theme] = []
    raw_themes = data.get("themes")
    if not isinstance(raw_themes, list) or not raw_themes:
        probs.add(top, "themes", "missing or empty: a plan needs [[themes]]")
        raw_themes = []
    seen: set[str] = set()
    for i, t in enumerate(raw_themes):
        entry = f"themes[{i}]"
        if not isinstance(t, dict):
            probs.add(entry, "(table)", "must be a table")
            continue
        tid = get_str(t, "id", entry, probs)
        if tid:
            entry = f"themes[{i}] (id={tid})"
            if not THEME_ID.match(tid):
                probs.add(entry, "id", f"bad theme id {tid!r}: lower-case words joined by '-'")
            if tid in seen:
                probs.add(entry, "id", f"duplicate theme id {tid!r}")
            seen.add(tid)
        ttitle = get_str(t, "title", entry, probs)
        desc = get_str(t, "description", entry, probs)
        terms = t.get("seed_terms", [])
        if not (isinstance(terms, list) and all(isinstance(x, str) and x.strip() for x in terms)):
            probs.add(entry, "seed_terms", "must be a list of non-empty strings")
            terms = []
        if tid and ttitle and desc:
            themes.append(Theme(tid, ttitle, desc, tuple(terms)))

    periods: list[Period] = []
    raw_periods = data.get("periods")
    if not isinstance(raw_periods, list) or not raw_periods:
        probs.add(top, "periods", "missing or empty: a plan needs [[periods]]")
        raw_periods = []
    for i, p in enumerate(raw_periods):
        entry = f"periods[{i}]"
        if not isinstance(p, dict):
            probs.add(entry, "(table)", "must be a table")
            continue
        pid = get_str(p, "period_id", entry, probs)
        if pid:
            entry = f"periods[{i}] (period_id={pid})"
        ptitle = get_str(p, "title", entry, probs) or ""
        s = get_date(p, "starts_on", entry, probs)
        e = get_date(p, "ends_on", entry, probs, required=False)
        if s and e and e < s:
            probs.add(entry, "ends_on", f"{e} is before starts_on {s}")
        ptheme = p.get("themes", [])
        if not isinstance(ptheme, list):
            probs.add(entry, "themes", "must be a list of theme ids")
            ptheme = []
        for tid in ptheme:
            if not isinstance(tid, str):
                probs.add(entry, "themes", f"theme ids are strings, got {tid!r}")
            elif tid not in seen:
                probs.add(entry, "themes", f"unknown theme id {tid!r} (not among this plan's [[themes]])")
        if pid and s and all(isinstance(t, str) for t in ptheme):
            periods.append(Period(pid, ptitle, s, e, tuple(ptheme)))
    periods.sort(key=lambda p: p.starts_on)
    for a, b in zip(periods, periods[1:], strict=False):
        if a.ends_on is None or a.ends_on >= b.starts_on:
            probs.add(f"periods (period_id={b.period_id})", "starts_on", f"overlaps period {a.period_id}")

    obligations: list[Obligation] = []
    raw_obl = data.get("obligations", {})
    if not isinstance(raw_obl, dict):
        probs.add(top, "obligations", "must be a table of tables")
        raw_obl = {}
    for oid, o in raw_obl.items():
        entry = f"obligations.{oid}"
        if not isinstance(o, dict):
            probs.add(entry, "(table)", "must be a table")
            continue
        otitle = get_str(o, "title", entry, probs)
        kinds = o.get("kinds", [])
        units = o.get("units", [])
        if not isinstance(kinds, list) or not isinstance(units, list):
            probs.add(entry, "kinds", "kinds and units must be lists")
            continue
        rc = o.get("requires_column", False)
        if not isinstance(rc, bool):
            probs.add(entry, "requires_column", f"must be true or false, got {rc!r}")
            rc = False
        if otitle:
            obligations.append(Obligation(oid, otitle, tuple(kinds), tuple(units), rc))

    patterns = data.get("column_patterns", [])
    if not (isinstance(patterns, list) and patterns and all(isinstance(x, str) and x.strip() for x in patterns)):
        probs.add(top, "column_patterns", "must be a non-empty list of non-empty strings")
        patterns = []

    probs.raise_if_any()
    known = {"schema", "plan_id", "title", "issuer", "number", "issued_on", "report_deadline",
             "themes", "periods", "obligations", "column_patterns"}
    return Plan(plan_id=plan_id, title=title, issuer=issuer, number=number, issued_on=issued_on,  # type: ignore[arg-type]
                report_deadline=deadline, periods=tuple(periods), themes=tuple(themes),
                obligations=tuple(obligations), column_patterns=tuple(patterns), source_path=path,
                extra={k: v for k, v in data.items() if k not in known})
