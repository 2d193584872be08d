"""The ground truth: contract keys, the plan's situation as required by issue 3, determinism, scale, nights."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from demoweb.truth import build_truth
from demoweb.world import FAMILY_CATEGORIES, build_world
from nlp.column_match import match_column
from nlp.urls import canonical_url
from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS

FAULT_KINDS = {"malformed-feed", "flaky-500", "slow-site", "charset-mismatch", "legacy-encoding", "mojibake",
               "robots-disallowed", "crawler-trap", "syndicated", "huge-page", "empty-body-pdf", "script-title",
               "formula-title", "site-down", "robots-refused"}


def test_truth_has_the_contract_keys():
    t = build_truth()
    assert {"seed", "scale", "as_of", "units", "articles", "faults"} <= set(t)
    assert (t["seed"], t["scale"], t["as_of"]) == (7, 1, "2022-12-30")
    for u in t["units"]:
        assert {"unit_id", "site", "column", "column_status"} <= set(u)
        assert u["column_status"] in {"active", "dormant", "missing", "unreachable", "not_required"}
        assert u["column"] is None or {"url", "name"} <= set(u["column"])
    for a in t["articles"]:
        assert {"url", "unit_id", "published_at", "themes", "repost_of", "robots_allowed", "column_url", "title"} <= set(a)
    for f in t["faults"]:
        assert {"kind", "url"} <= set(f)


def test_truth_covers_every_unit_and_the_plan_situation():
    t = build_truth()
    reg = load_units(UNITS)
    plan = load_plan(PLAN)
    assert [u["unit_id"] for u in t["units"]] == [u.unit_id for u in reg.units]
    with_site = [u for u in t["units"] if u["site"]]
    assert len(with_site) == len(reg.with_sites()) == 40
    assert sum(1 for u in with_site if u["column"]) >= len(with_site) / 2
    assert {u["column_status"] for u in t["units"]} == {"active", "dormant", "missing", "unreachable", "not_required"}
    for u in t["units"]:
        unit = reg.unit(u["unit_id"])
        if not plan.requires_column(unit.unit_id, unit.kind) or not unit.active_on(dt.date.fromisoformat(t["as_of"])):
            assert u["column_status"] == "not_required"
        elif u["unreachable"]:  # a site no crawler can see is never called missing
            assert u["column_status"] == "unreachable" and u["column"] is None
        elif u["column"] is None:
            assert u["column_status"] == "missing"
    # the dedicated columns match the plan's patterns; ordinary categories never do
    for u in t["units"]:
        if u["column"]:
            assert match_column(u["column"]["name"], plan.column_patterns), u["column"]["name"]
            assert u["column"]["url"] == canonical_url(u["column"]["url"])
    for cats in FAMILY_CATEGORIES.values():
        for _slug, name in cats:
            assert match_column(name, plan.column_patterns) is None, name
    # some units without a column still publish on the themes, some publish nothing on them
    by_unit: dict[str, list] = {}
    for a in t["articles"]:
        by_unit.setdefault(a["unit_id"], []).append(a)
    missing = [u["unit_id"] for u in with_site if u["column_status"] == "missing"]
    themed = [uid for uid in missing if any(a["themes"] for a in by_unit.get(uid, []))]
    silent = [uid for uid in missing if not any(a["themes"] for a in by_unit.get(uid, []))]
    assert themed and silent


def test_column_status_follows_the_newest_column_article():
    t = build_truth()
    as_of = dt.date.fromisoformat(t["as_of"])
    newest: dict[str, dt.date] = {}
    for a in t["articles"]:
        if a["column_url"]:
            d = dt.date.fromisoformat(a["published_at"][:10])
            newest[a["column_url"]] = max(newest.get(a["column_url"], d), d)
    for u in t["units"]:
        if u["column_status"] in ("active", "dormant"):
            age = (as_of - newest[u["column"]["url"]]).days
            assert (age > 90) == (u["column_status"] == "dormant"), (u["unit_id"], age)


def test_articles_are_canonical_dated_and_themed():
    t = build_truth()
    plan = load_plan(PLAN)
    urls = [a["url"] for a in t["articles"]]
    assert len(urls) == len(set(urls))
    assert 300 <= len(urls) <= 550
    for a in t["articles"]:
        assert a["url"] == canonical_url(a["url"])
        when = dt.datetime.fromisoformat(a["published_at"])
        assert when.utcoffset() == dt.timedelta(hours=7) and a["published_at"].endswith("+07:00")
        assert dt.date(2021, 5, 1) <= when.date() <= dt.date(2022, 12, 30)
        assert set(a["themes"]) <= set(plan.theme_ids)
    themed = [a for a in t["articles"] if a["themes"]]
    assert 0.25 < len(themed) / len(urls) < 0.75
    assert len({th for a in themed for th in a["themes"]}) == len(plan.theme_ids)
    assert any(not a["robots_allowed"] for a in t["articles"])


def test_every_fault_kind_is_listed_and_syndication_links_reposts():
    t = build_truth()
    assert {f["kind"] for f in t["faults"]} >= FAULT_KINDS
    big = [f for f in t["faults"] if f["kind"] == "huge-page"]
    assert any(f["over_download_cap"] for f in big) and any(not f["over_download_cap"] for f in big)
    syn = next(f for f in t["faults"] if f["kind"] == "syndicated")
    reposts = [a for a in t["articles"] if a["repost_of"] == syn["url"]]
    assert len({a["unit_id"] for a in reposts}) >= 3
    original = next(a for a in t["articles"] if a["url"] == syn["url"])
    assert original["repost_of"] is None
    assert all(a["title"] == original["title"] and a["themes"] == original["themes"] for a in reposts)
    titles = {a["title"] for a in t["articles"]}
    assert any("<script>alert(1)</script>" in x for x in titles)
    assert any(x.startswith("=HYPERLINK(") for x in titles)


def test_second_night_brings_new_articles():
    one = build_truth(as_of="2022-12-30")
    two = build_truth(as_of=dt.date(2022, 12, 31))
    new = [a for a in two["articles"] if a["url"] not in {x["url"] for x in one["articles"]}]
    assert len(new) >= 5
    assert len({a["unit_id"] for a in new}) >= 3
    assert all(a["published_at"].startswith("2022-12-31") for a in new)
    early = build_truth(as_of="2021-06-30")
    assert all(a["published_at"][:10] <= "2021-06-30" for a in early["articles"])
    assert len(early["articles"]) < len(one["articles"]) / 4


def test_same_seed_same_truth_other_seed_other_truth():
    a = json.dumps(build_truth(seed=7), sort_keys=True)
    b = json.dumps(build_truth(seed=7), sort_keys=True)
    c = json.dumps(build_truth(seed=8), sort_keys=True)
    assert a == b
    assert a != c


def test_scale_multiplies_articles_not_structure():
    one = build_truth(scale=1)
    three = build_truth(scale=3)
    assert len(three["articles"]) > 2.5 * len(one["articles"])
    assert [u["unit_id"] for u in one["units"]] == [u["unit_id"] for u in three["units"]]
    assert [f["kind"] for f in one["faults"]] == [f["kind"] for f in three["faults"]]
    assert sum(len(s.articles) for s in build_world(scale=20).sites.values()) > 5000


@pytest.mark.parametrize("as_of", ["2021-11-30", "2022-11-30", "2022-12-31"])
def test_truth_has_the_unreachable_cases_on_every_night(as_of):
    """Issue 17: a required unit whose site is down every night and one whose robots.txt refuses the
    crawler are 'unreachable', never 'missing', and show no column; the down site has no article a
    monitor could see, the refusing one only robots-disallowed ones."""
    from demoweb.world import DOWN_HOST, REFUSING_HOST
    t = build_truth(as_of=as_of)
    by_id = {u["unit_id"]: u for u in t["units"]}
    down, refused = by_id["h-krong-buk"], by_id["h-ea-hleo"]
    assert down["site"] == f"https://{DOWN_HOST}/" and refused["site"] == f"https://{REFUSING_HOST}/"
    assert (down["column_status"], down["unreachable"], down["column"]) == ("unreachable", "site-down", None)
    assert (refused["column_status"], refused["unreachable"], refused["column"]) == ("unreachable", "robots-refused", None)
    arts = [a for a in t["articles"] if a["unit_id"] in ("h-krong-buk", "h-ea-hleo")]
    assert {a["unit_id"] for a in arts} <= {"h-ea-hleo"} and not any(a["robots_allowed"] for a in arts)
    world = build_world()
    assert world.sites[DOWN_HOST].articles and world.sites[REFUSING_HOST].articles  # they publish; nobody sees
    assert sum(1 for u in t["units"] if u["column_status"] == "unreachable") == 2


def test_every_column_opens_with_an_article_on_its_opening_day():
    t = build_truth(as_of="2022-12-31")
    for u in t["units"]:
        if u["column"]:
            days = sorted(a["published_at"][:10] for a in t["articles"] if a["column_url"] == u["column"]["url"])
            assert days and days[0] == u["column"]["opened"], u["unit_id"]
