"""The plan and the unit registry as data: the shipped files are valid and complete, broken ones are named."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from registry import ValidationError, load_plan, load_units
from tests.conftest import PLAN, SHARED_DATA, UNITS


def themes_md_ids() -> list[str]:
    p = SHARED_DATA.parent / "plan" / "themes.md"
    if not p.is_file():
        pytest.skip(f"{p} absent")
    return re.findall(r"^\| `([a-z0-9-]+)` \|", p.read_text(encoding="utf-8"), flags=re.M)


def test_plan_themes_are_exactly_the_codebook():
    ids = themes_md_ids()
    assert len(ids) == 13
    assert load_plan(PLAN).theme_ids == ids


def test_plan_periods_and_obligations():
    plan = load_plan(PLAN)
    first, second = plan.periods
    assert (str(first.starts_on), str(first.ends_on)) == ("2021-05-23", "2021-12-31")
    assert len(first.themes) == 13
    assert str(second.starts_on) == "2022-01-01" and second.ends_on is None
    assert set(second.themes) == {"socioeconomic-goals", "exemplary-models", "covid-prevention", "ideology-defense"}
    assert plan.requires_column("so-y-te", "department")
    assert plan.requires_column("h-lak", "district")
    assert not plan.requires_column("btg-tinh-uy", "party-committee")
    assert "district_plan" in [o.obligation_id for o in plan.obligations_for("h-lak", "district")]
    assert plan.report_deadline == "11-30"


def test_registry_holds_every_unit_of_section_iv():
    reg = load_units(UNITS)
    ids = {u.unit_id for u in reg.units}
    named = {"btg-tinh-uy", "so-tttt", "so-vhttdl", "so-tai-chinh", "bao-daklak", "dai-ptth", "tc-chu-yang-sin", "cong-ttdt"}
    assert named <= ids
    districts = [u for u in reg.units if u.kind == "district"]
    assert len(districts) == 15
    names = " ".join(u.name for u in districts)
    assert "Buôn Ma Thuột" in names and "Buôn Hồ" in names and "M'Đrắk" in names
    # every unit with a site says whether the URL was verified; unverified ones are marked, not hidden
    assert all(s.verified in (True, False) for u in reg.units for s in u.sources)
    # a verified URL names the public evidence it was checked against (units/README.md)
    assert all(s.evidence for u in reg.units for s in u.sources if s.verified)
    # the 2025 reorganisation is data: districts end on 2025-06-30
    assert all(str(u.valid_to) == "2025-06-30" for u in districts)


BROKEN_PLANS = {
    "unknown theme": (lambda s: s.replace('"ideology-defense",\n]', '"ideology-defense", "no-such-theme",\n]'),
                      "periods[0] (period_id=2021)", "themes", "no-such-theme"),
    "bad date": (lambda s: s.replace("starts_on = 2021-05-23", 'starts_on = "2021-13-45"'),
                 "periods[0] (period_id=2021)", "starts_on", "bad date"),
    "missing field": (lambda s: s.replace('id = "covid-prevention"\ntitle = "Phòng, chống dịch COVID-19"\n',
                                          'id = "covid-prevention"\n'),
                      "themes[11] (id=covid-prevention)", "title", "missing"),
    "duplicate theme": (lambda s: s.replace('id = "covid-prevention"', 'id = "elections-2021"'),
                        "themes[11] (id=elections-2021)", "id", "duplicate"),
    "malformed toml": (lambda s: s.replace("plan_id = ", "plan_id == ", 1), "(file)", "(syntax)", "malformed TOML"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_PLANS))
def test_broken_plans_name_entry_and_field(case, tmp_path, cli):
    mutate, entry, field, words = BROKEN_PLANS[case]
    text = PLAN.read_text(encoding="utf-8")
    broken = mutate(text)
    assert broken != text, "mutation did not apply"
    p = tmp_path / "plan.toml"
    p.write_text(broken, encoding="utf-8")
    with pytest.raises(ValidationError) as ei:
        load_plan(p)
    assert any(e == entry and f == field and words in m for e, f, m in ei.value.problems), ei.value.problems
    r = cli("plan", "validate", str(p), env={"CHUYENMUC_DB": str(tmp_path / "never.duckdb")})
    assert r.code == 2
    assert str(p) in r.err and entry in r.err and f"'{field}'" in r.err
    assert list(tmp_path.iterdir()) == [p], "validation wrote something"


BROKEN_UNITS = {
    "duplicate unit id": (lambda s: s.replace('unit_id = "so-tu-phap"', 'unit_id = "so-noi-vu"'),
                          "units[5] (unit_id=so-noi-vu)", "unit_id", "duplicate"),
    "bad date": (lambda s: s.replace('unit_id = "h-lak"\nname = "Ủy ban nhân dân huyện Lắk"\nshort_name = "Huyện Lắk"\nkind = "district"\nparent = "ubnd-tinh"\nvalid_from = 2021-01-01',
                                     'unit_id = "h-lak"\nname = "Ủy ban nhân dân huyện Lắk"\nshort_name = "Huyện Lắk"\nkind = "district"\nparent = "ubnd-tinh"\nvalid_from = "01/01/2021"'),
                 "(unit_id=h-lak)", "valid_from", "bad date"),
    "missing field": (lambda s: s.replace('name = "Sở Y tế tỉnh Đắk Lắk"\n', ''),
                      "(unit_id=so-y-te)", "name", "missing"),
    "unknown kind": (lambda s: s.replace('kind = "board"', 'kind = "ministry"', 1), "(unit_id=ban-dan-toc)", "kind", "unknown kind"),
    "unknown parent": (lambda s: s.replace('parent = "tinh-uy"', 'parent = "tinh-uy-x"'), "unit_id=btg-tinh-uy", "parent", "unknown"),
    "unverified flag missing": (lambda s: s.replace('site = "https://stnmt.daklak.gov.vn/"\nsite_verified = false', 'site = "https://stnmt.daklak.gov.vn/"'),
                                "(unit_id=so-tnmt)", "site_verified", "missing"),
    "malformed toml": (lambda s: s + "\n[[units]\n", "(file)", "(syntax)", "malformed TOML"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_UNITS))
def test_broken_registries_name_entry_and_field(case, tmp_path, cli):
    mutate, entry, field, words = BROKEN_UNITS[case]
    text = UNITS.read_text(encoding="utf-8")
    broken = mutate(text)
    assert broken != text, "mutation did not apply"
    p = tmp_path / "units.toml"
    p.write_text(broken, encoding="utf-8")
    with pytest.raises(ValidationError) as ei:
        load_units(p)
    assert any(entry in e and f == field and words in m for e, f, m in ei.value.problems), ei.value.problems
    r = cli("units", "validate", str(p))
    assert r.code == 2
    assert str(p) in r.err and entry in r.err and f"'{field}'" in r.err
    assert list(tmp_path.iterdir()) == [p]


def test_shipped_files_validate_from_the_cli(cli):
    r = cli("plan", "validate", str(PLAN))
    assert r.code == 0 and "13 themes" in r.out
    r = cli("units", "validate", str(UNITS))
    assert r.code == 0 and "district 15" in r.out


def test_missing_file_is_a_clear_error(cli, tmp_path):
    r = cli("units", "validate", str(tmp_path / "nope.toml"))
    assert r.code == 2 and "cannot read" in r.err and "nope.toml" in r.err


def test_a_new_plan_is_a_new_file(tmp_path):
    """A later plan with other themes loads with no code change."""
    text = Path(PLAN).read_text(encoding="utf-8").replace('plan_id = "daklak-2021"', 'plan_id = "daklak-2026"')
    p = tmp_path / "daklak-2026.toml"
    p.write_text(text, encoding="utf-8")
    assert load_plan(p).plan_id == "daklak-2026"
