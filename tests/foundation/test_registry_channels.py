"""Issue #21 item 1 (schema and validation only): a unit's official channels, [[units.channels]].

`units validate` refuses a channel without a URL, with a non-http(s) URL, or on a host that is not a
known video or feed host unless the registry marks it explicitly (official_host = true, with evidence).
"""
from __future__ import annotations

import pytest

from pipeline.cli import main as cli_main
from registry import ValidationError, load_units
from tests.conftest import PLAN, UNITS

YT = "https://www.youtube.com/feeds/videos.xml?channel_id=UCabcdefghijklmnopqrstuv"
EVIDENCE = 'evidence = [{url = "https://daklak.gov.vn/", seen_on = 2026-12-01, note = "linked from the portal"}]\n'
SITE = "https://drt.daklak.gov.vn/"  # dai-ptth's site in the shipped registry


def _registry(tmp_path, channel: str):
    """The shipped registry with one channel table added to the radio-TV station (dai-ptth)."""
    text = UNITS.read_text(encoding="utf-8")
    anchor = f'site = "{SITE}"\n'
    assert anchor in text
    i = text.index(anchor, text.index('unit_id = "dai-ptth"'))
    end = text.index("\n[[units]]", i)
    p = tmp_path / "units.toml"
    p.write_text(text[:end] + "\n[[units.channels]]\n" + channel + text[end:], encoding="utf-8")
    return p


def _refused(tmp_path, capsys, channel: str, field: str, words: str) -> None:
    p = _registry(tmp_path, channel)
    with pytest.raises(ValidationError) as ei:
        load_units(p)
    assert any("(unit_id=dai-ptth) channels[0]" in e and f == field and words in m for e, f, m in ei.value.problems), \
        ei.value.problems
    assert cli_main(["units", "validate", str(p), "--plan", str(PLAN)]) == 2
    err = capsys.readouterr().err
    assert str(p) in err and "channels[0]" in err and f"field '{field}'" in err and words in err


def test_a_youtube_channel_feed_is_accepted_and_kept_apart_from_the_sources(tmp_path) -> None:
    p = _registry(tmp_path, f'kind = "video-channel"\nname = "Đài PT-TH Đắk Lắk"\nurl = "{YT}"\nverified = false\n')
    unit = load_units(p).unit("dai-ptth")
    (ch,) = unit.channels
    assert (ch.kind, ch.url, ch.host, ch.verified) == ("video-channel", YT, "www.youtube.com", False)
    assert "www.youtube.com" not in unit.domains, "a channel's host never joins the crawl domains"
    assert all(s.url != YT for s in unit.sources)
    assert len(ch.channel_id) == 16


def test_a_feed_on_the_units_own_host_is_accepted(tmp_path) -> None:
    p = _registry(tmp_path, 'kind = "feed"\nname = "Tin truyền hình"\nurl = "https://tv.drt.daklak.gov.vn/rss/video.rss"\n'
                            'verified = false\n')
    assert load_units(p).unit("dai-ptth").channels[0].host == "tv.drt.daklak.gov.vn"


def test_an_explicitly_marked_official_host_is_accepted(tmp_path) -> None:
    p = _registry(tmp_path, 'kind = "video-channel"\nname = "DRT"\nurl = "https://video.example-broadcaster.vn/feed.xml"\n'
                            'verified = true\nofficial_host = true\n' + EVIDENCE)
    assert load_units(p).unit("dai-ptth").channels[0].official_host


CASES = {
    "no url": ('kind = "video-channel"\nname = "DRT"\nverified = false\n', "url", "missing"),
    "empty url": ('kind = "video-channel"\nname = "DRT"\nurl = ""\nverified = false\n', "url", "non-empty"),
    "ftp url": ('kind = "feed"\nname = "DRT"\nurl = "ftp://drt.daklak.gov.vn/rss"\nverified = false\n', "url", "not an http(s) URL"),
    "javascript url": ('kind = "feed"\nname = "DRT"\nurl = "javascript:alert(1)"\nverified = false\n', "url", "not an http(s) URL"),
    "unknown host": ('kind = "video-channel"\nname = "DRT"\nurl = "https://videos.other-site.vn/rss"\nverified = false\n',
                     "url", "is not a known video host"),
    "feed on another host": ('kind = "feed"\nname = "DRT"\nurl = "https://baodaklak.vn/rss/home.rss"\nverified = false\n',
                             "url", "or one of the unit's own hosts"),
    "channel page not feed": ('kind = "video-channel"\nname = "DRT"\nurl = "https://www.youtube.com/@drtdaklak"\nverified = false\n',
                              "url", "is not the channel's public feed"),
    "facebook page": ('kind = "feed"\nname = "DRT"\nurl = "https://www.facebook.com/drtdaklak"\nverified = false\nofficial_host = true\n'
                      + EVIDENCE, "url", "offers no public feed"),
    "private address": ('kind = "feed"\nname = "DRT"\nurl = "http://10.1.2.3/rss"\nverified = false\nofficial_host = true\n' + EVIDENCE,
                        "url", "a private address"),
    "credentials": (f'kind = "video-channel"\nname = "DRT"\nurl = "https://u:p@{YT[8:]}"\nverified = false\n', "url", "holds credentials"),
    "unknown kind": (f'kind = "youtube"\nname = "DRT"\nurl = "{YT}"\nverified = false\n', "kind", "unknown channel kind 'youtube'"),
    "verified without evidence": (f'kind = "video-channel"\nname = "DRT"\nurl = "{YT}"\nverified = true\n', "verified", "without evidence"),
    "official host without evidence": ('kind = "feed"\nname = "DRT"\nurl = "https://x.other.vn/rss"\nverified = false\nofficial_host = true\n',
                                       "official_host", "without evidence"),
    "unknown key": (f'kind = "video-channel"\nname = "DRT"\nurl = "{YT}"\nverified = false\nchannel_id = "UC1"\n', "channel_id",
                    "allowed keys: evidence, kind, name, note, official_host, url, verified"),
    "no name": (f'kind = "video-channel"\nurl = "{YT}"\nverified = false\n', "name", "missing"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_channels_are_refused(case, tmp_path, capsys) -> None:
    channel, field, words = CASES[case]
    _refused(tmp_path, capsys, channel, field, words)


def test_the_same_channel_twice_is_refused(tmp_path) -> None:
    one = f'kind = "video-channel"\nname = "DRT"\nurl = "{YT}"\nverified = false\n'
    p = _registry(tmp_path, one + "\n[[units.channels]]\n" + one)
    with pytest.raises(ValidationError, match="listed twice"):
        load_units(p)
