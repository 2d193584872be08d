"""Fuzzing plan and unit-registry files: whatever the file holds, only registry.ValidationError escapes.

Mutations start from the real plans/daklak-2021.toml and units/daklak.toml: structural (a key deleted,
a value replaced by any TOML value of any type, list items dropped or duplicated) and textual (bytes
flipped, lines cut or repeated). The CLI then exits 2 and names the file.
"""
from __future__ import annotations

import datetime as dt
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import ValidationError, load_plan, load_units
from registry.config import load_config
from tests.conftest import PLAN, ROOT, UNITS, run_cli
from tests.reliability import known_bugs
from tests.reliability.fuzz_settings import RELIABILITY
from tests.reliability.tomlgen import dumps

PLAN_DATA = tomllib.loads(PLAN.read_text(encoding="utf-8"))
CONFIG_DATA = tomllib.loads((ROOT / "chuyenmuc.toml").read_text(encoding="utf-8"))
UNITS_DATA = tomllib.loads(UNITS.read_text(encoding="utf-8"))
TMP = Path(tempfile.mkdtemp(prefix="fuzz-registry-"))

_text = st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=30)
_scalars = st.one_of(
    _text, st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True), st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)), st.datetimes(), st.sampled_from(["", " ", "2021-13-40", "..."]),
)
toml_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside a TOML document (dict keys and list indices)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


@st.composite
def mutated(draw: st.DrawFn, base: dict) -> dict:
    doc = _copy(base)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        op = draw(st.sampled_from(["delete", "replace", "duplicate", "add-key"]))
        if op == "delete":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(toml_values)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(_copy(parent[last]))
        elif op == "add-key" and isinstance(parent[last], dict):
            parent[last][draw(_text)] = draw(toml_values)
        elif isinstance(parent, dict):
            parent[last] = draw(toml_values)
    return doc


def _write(name: str, data: bytes) -> Path:
    p = TMP / name
    p.write_bytes(data)
    return p


def _only_validation_error(loader, path: Path, tolerate_known: bool = True) -> None:
    try:
        loader(path)
    except ValidationError as e:
        assert e.path == str(path)
        assert e.problems, "a ValidationError must carry at least one problem"
        assert str(path) in e.render()
    except Exception as e:
        if tolerate_known and known_bugs.match(e):
            return  # reported (see the xfail hand cases); keep hunting for new ones
        raise


@RELIABILITY
@given(mutated(PLAN_DATA))
def test_mutated_plan_structure(doc: dict) -> None:
    _only_validation_error(load_plan, _write("plan.toml", dumps(doc).encode("utf-8")))


@RELIABILITY
@given(mutated(UNITS_DATA))
def test_mutated_units_structure(doc: dict) -> None:
    _only_validation_error(load_units, _write("units.toml", dumps(doc).encode("utf-8")))


@RELIABILITY
@given(mutated(CONFIG_DATA))
def test_mutated_config_structure(doc: dict) -> None:
    """Whatever chuyenmuc.toml holds, it loads as typed values in range, or is a ValidationError."""
    p = _write("chuyenmuc.toml", dumps(doc).encode("utf-8"))
    try:
        cfg = load_config(p)
    except ValidationError as e:
        assert e.path == str(p) and e.problems
        return
    crawl = cfg.section("crawl")
    assert type(crawl["concurrent_per_site"]) is int and crawl["concurrent_per_site"] >= 1
    assert isinstance(crawl["timeout"], float) and crawl["timeout"] > 0
    assert crawl["download_delay"] >= 0 and crawl["download_maxsize"] > 0 and crawl["max_depth"] >= 0
    assert crawl["user_agent"].strip()
    assert 1 <= cfg.section("report")["weekly_weekday"] <= 7 and cfg.section("status")["dormant_days"] >= 1


@st.composite
def mutated_bytes(draw: st.DrawFn, raw: bytes) -> bytes:
    lines = raw.split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["flip", "cut", "repeat", "insert", "truncate"]))
        line = lines[i]
        if op == "flip" and line:
            j = draw(st.integers(0, len(line) - 1))
            line = line[:j] + bytes([draw(st.integers(0, 255))]) + line[j + 1:]
            lines[i] = line
        elif op == "cut":
            lines.pop(i)
        elif op == "repeat":
            lines.insert(i, line)
        elif op == "insert":
            lines.insert(i, draw(st.binary(max_size=20)))
        elif op == "truncate" and line:
            lines[i] = line[: draw(st.integers(0, len(line)))]
        if not lines:
            lines = [b""]
    return b"\n".join(lines)


@RELIABILITY
@given(mutated_bytes(PLAN.read_bytes()))
def test_mutated_plan_bytes(raw: bytes) -> None:
    _only_validation_error(load_plan, _write("plan-bytes.toml", raw))


@RELIABILITY
@given(mutated_bytes(UNITS.read_bytes()))
def test_mutated_units_bytes(raw: bytes) -> None:
    _only_validation_error(load_units, _write("units-bytes.toml", raw))


# Hand-picked shapes a fuzzer may take long to reach: unhashable values where ids are expected, etc.
PLAN_CASES = {
    "period-theme-is-table": lambda d: d["periods"][0].__setitem__("themes", [{"x": 1}]),
    "period-theme-is-list": lambda d: d["periods"][0].__setitem__("themes", [["a"]]),
    "obligation-kinds-int": lambda d: next(iter(d["obligations"].values())).__setitem__("kinds", 5),
    "themes-is-table": lambda d: d.__setitem__("themes", {"a": 1}),
    "periods-is-string": lambda d: d.__setitem__("periods", "2021"),
    "obligations-is-list": lambda d: d.__setitem__("obligations", [1, 2]),
    "deadline-feb-30": lambda d: d.__setitem__("report_deadline", "02-30"),
    "issued-on-datetime-string": lambda d: d.__setitem__("issued_on", "2021-06-17T10:00:00"),
}
UNIT_CASES = {
    "parent-is-list": lambda d: d["units"][2].__setitem__("parent", ["tinh-uy"]),
    "successor-is-table": lambda d: d["units"][2].__setitem__("successor", {"a": 1}),
    "sources-is-int": lambda d: d["units"][2].__setitem__("sources", 5),
    "sources-is-string": lambda d: d["units"][2].__setitem__("sources", "abc"),
    "site-is-list": lambda d: d["units"][2].__setitem__("site", ["https://a/"]),
    "site-bad-port": lambda d: d["units"][2].__setitem__("site", "https://a.daklak.gov.vn:99999/"),
    "site-bad-ipv6": lambda d: d["units"][2].__setitem__("site", "https://[::1/"),
    "site-javascript": lambda d: d["units"][2].__setitem__("site", "javascript:alert(1)"),
    "unit-id-unicode": lambda d: d["units"][2].__setitem__("unit_id", "ban-tuyên-giáo"),
    "units-is-table": lambda d: d.__setitem__("units", {"a": 1}),
    "note-is-table": lambda d: d["units"][2].__setitem__("note", {"a": 1}),
    "name-is-int": lambda d: d["units"][2].__setitem__("name", 7),
    "valid-to-before-from": lambda d: d["units"][2].__setitem__("valid_to", dt.date(2000, 1, 1)),
}


# case -> the known bug it hits (an xfail until the owner fixes it)
HAND_BUGS = {
    "period-theme-is-table": "plan-period-theme-unhashable",
    "period-theme-is-list": "plan-period-theme-unhashable",
    "parent-is-list": "units-parent-unhashable",
    "successor-is-table": "units-successor-unhashable",
    "sources-is-int": "units-sources-not-iterable",
    "site-bad-ipv6": "units-check-url-valueerror",
}


def _cases(table: dict) -> list:
    out = []
    for name in sorted(table):
        marks = []
        if name in HAND_BUGS:
            pass  # every hand case is fixed: each must now end in a ValidationError
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.mark.parametrize("case", _cases(PLAN_CASES))
def test_plan_hand_cases(case: str, tmp_path: Path) -> None:
    doc = _copy(PLAN_DATA)
    PLAN_CASES[case](doc)
    p = tmp_path / f"{case}.toml"
    p.write_text(dumps(doc), encoding="utf-8")
    _only_validation_error(load_plan, p, tolerate_known=False)


@pytest.mark.parametrize("case", _cases(UNIT_CASES))
def test_units_hand_cases(case: str, tmp_path: Path) -> None:
    doc = _copy(UNITS_DATA)
    UNIT_CASES[case](doc)
    p = tmp_path / f"{case}.toml"
    p.write_text(dumps(doc), encoding="utf-8")
    _only_validation_error(load_units, p, tolerate_known=False)


def test_roundtrip_of_unmutated_files_loads(tmp_path: Path) -> None:
    """The serialiser is faithful: the unmutated documents, rewritten, still load (so fuzz cases are real)."""
    (tmp_path / "p.toml").write_text(dumps(PLAN_DATA), encoding="utf-8")
    (tmp_path / "u.toml").write_text(dumps(UNITS_DATA), encoding="utf-8")
    assert load_plan(tmp_path / "p.toml").plan_id == PLAN_DATA["plan_id"]
    assert len(load_units(tmp_path / "u.toml").units) == len(UNITS_DATA["units"])


CLI_CASES = [
    ("plan", b"plan_id = \n"),
    ("plan", b"\xff\xfe not utf-8"),
    ("plan", dumps({**PLAN_DATA, "themes": "none"}).encode()),
    ("units", dumps({**UNITS_DATA, "units": [{"unit_id": "BAD ID"}]}).encode()),
]


@pytest.mark.parametrize("i", range(len(CLI_CASES)))
def test_cli_validate_exits_2_naming_file(i: int, tmp_path: Path) -> None:
    kind, raw = CLI_CASES[i]
    p = tmp_path / f"bad-{kind}-{i}.toml"
    p.write_bytes(raw)
    r = run_cli(kind, "validate", str(p))
    assert r.code == 2, (r.code, r.out, r.err)
    assert str(p) in r.err
    assert "Traceback" not in r.err
