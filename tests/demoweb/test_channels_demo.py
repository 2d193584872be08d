"""Issue #21 item 4: the demo web serves official video-channel feeds, and the truth lists them."""
from __future__ import annotations

import datetime as dt

import pytest

from crawlers.channels import parse_items
from crawlers.feeds import FeedError
from demoweb.channels import demo_channels, write_demo_registry
from demoweb.server import DemoWeb
from demoweb.truth import build_truth
from demoweb.world import build_world
from registry import load_units
from tests.conftest import PLAN, UNITS
from tests.demoweb.conftest import fetch, fetch_tls


@pytest.fixture(scope="module")
def world():
    return build_world(1, 7)


@pytest.fixture(scope="module")
def demo_registry(world, tmp_path_factory):
    return write_demo_registry(tmp_path_factory.mktemp("reg") / "demo-units.toml", world, UNITS)


def test_the_demo_registry_is_the_shipped_one_plus_valid_channels(demo_registry, world, cli) -> None:
    reg = load_units(demo_registry)
    shipped = load_units(UNITS)
    assert [u.unit_id for u in reg.units] == [u.unit_id for u in shipped.units]
    chans = {c.unit_id: c for u in reg.units for c in u.channels}
    assert set(chans) == {c.unit_id for c in demo_channels(world)} and "dai-ptth" in chans
    assert all(c.kind == "video-channel" and c.verified and c.evidence for c in chans.values())
    r = cli("units", "validate", str(demo_registry), "--plan", str(PLAN))
    assert r.code == 0, r.err


def test_the_demo_channels_cover_the_cases_the_reports_tell_apart(world) -> None:
    chans = demo_channels(world)
    roles = {c.unit_id: c.role for c in chans}
    assert roles["dai-ptth"] == "on-theme" and sorted(roles.values()).count("malformed") == 1
    assert "off-theme" in roles.values()
    profile = {s.unit_id: s.profile for s in world.sites.values()}
    assert any(profile[u] == "dormant" and r == "on-theme" for u, r in roles.items())
    station = next(c for c in chans if c.unit_id == "dai-ptth")
    assert any(i.themes for i in station.items) and any(not i.themes for i in station.items)
    assert max(i.published.date() for i in station.items) == dt.date(2022, 12, 31), "news for night 2"


def test_feeds_are_served_conditionally_and_one_is_malformed(world, demo_registry) -> None:
    truth = build_truth(as_of="2022-12-30", registry_path=demo_registry)
    with DemoWeb(as_of="2022-12-30", registry_path=demo_registry) as web:
        assert fetch(web, "http://www.youtube.com/robots.txt").status == 200
        for c in truth["channels"]:
            path = c["url"].split("youtube.com", 1)[1]
            r = fetch_tls(web, "www.youtube.com", path)
            assert r.status == 200 and r.header("etag") and r.header("last-modified"), c["url"]
            again = fetch_tls(web, "www.youtube.com", path, {"If-None-Match": r.header("etag")})
            assert again.status == 304 and again.body == b""
            if c["fault"] == "malformed-feed":
                assert c["items"] == []
                try:
                    items, problem = parse_items(r.body, c["url"])  # read leniently: no entry with a link
                except FeedError as e:
                    items, problem = [], str(e)
                assert items == [] and problem and "malformed" in problem
            else:
                items, problem = parse_items(r.body, c["url"])
                assert problem is None
                assert sorted(i.url for i in items) == sorted(i["url"] for i in c["items"])
        assert fetch_tls(web, "www.youtube.com", "/feeds/videos.xml?channel_id=UCnope").status == 404
        web.set_as_of("2022-12-31")  # the station's new video changes its feed; the others stay the same
        t2 = build_truth(as_of="2022-12-31", registry_path=demo_registry)
        n1 = {c["unit_id"]: len(c["items"]) for c in truth["channels"]}
        n2 = {c["unit_id"]: len(c["items"]) for c in t2["channels"]}
        assert n2["dai-ptth"] == n1["dai-ptth"] + 1 and {u: n for u, n in n2.items() if u != "dai-ptth"} == \
            {u: n for u, n in n1.items() if u != "dai-ptth"}
