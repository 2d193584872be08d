"""Fuzzing the shared text helpers every crawled page passes through: URLs, folding, column names.

Their input is written by strangers (links, category names), so they must never raise and must be
stable: canonical_url(canonical_url(x)) == canonical_url(x), fold(fold(x)) == fold(x).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nlp.column_match import match_column
from nlp.fold import fold
from nlp.urls import InvalidUrl, canonical_url, same_site
from tests.conftest import PLAN, ROOT
from tests.reliability import known_bugs
from tests.reliability.fuzz_settings import RELIABILITY

VI = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
vi_words = st.text(alphabet=VI + VI.upper() + " ", min_size=1, max_size=40)
any_text = st.text(max_size=200)

# URL-shaped text: the parts a hostile page can put in an href, including percent escapes of escapes.
_seg = st.lists(st.sampled_from(list("abcđệ-_.~%25AF:@!$&'()*+,;=/ ") + ["%25", "%2F", "%2e", "%E1%BB%87", ".."]),
                max_size=12).map("".join)
_host = st.sampled_from(["a.daklak.gov.vn", "WWW.Site.VN", "m.x.gov.vn", "xn--d-4ja.vn", "127.0.0.1",
                         "[::1]", "[::1", "localhost.", "", "a\\b", "ệ.vn"])
_port = st.sampled_from(["", ":80", ":443", ":8080", ":0", ":65535", ":99999", ":abc", ":"])
urlish = st.builds(
    lambda scheme, host, port, path, query, frag: f"{scheme}{host}{port}/{path}{query}{frag}",
    st.sampled_from(["http://", "https://", "HTTP://", "//", "", "ftp://", "javascript:", " http://"]),
    _host, _port, _seg,
    st.sampled_from(["", "?", "?utm_source=x&a=1", "?b=2&a=1", "?a=%2541", "?=&&=", "?q=a+b%20c", "?fbclid=1"]),
    st.sampled_from(["", "#x", "#"]),
)


def _canon(x: str, base: str | None = None) -> str:
    try:
        return canonical_url(x, base)
    except InvalidUrl:  # a typed refusal of text that cannot be a URL is an allowed outcome
        assume(False)
    except ValueError as e:
        if known_bugs.match(e):
            assume(False)  # reported; see test_canonical_url_hand_cases
        raise


@RELIABILITY
@given(st.one_of(any_text, urlish))
def test_canonical_url_never_raises_and_is_a_string(x: str) -> None:
    assert isinstance(_canon(x), str)


@RELIABILITY
@given(st.one_of(any_text, urlish), st.sampled_from(["https://a.daklak.gov.vn/tin/", "http://x/", "garbage"]))
def test_canonical_url_with_base_never_raises(x: str, base: str) -> None:
    assert isinstance(_canon(x, base), str)


@RELIABILITY
@given(urlish.filter(lambda u: "%" not in u and "[" not in u))
def test_canonical_url_idempotent_without_escapes(x: str) -> None:
    once = _canon(x)
    assert canonical_url(once) == once


@RELIABILITY
@given(st.one_of(any_text, urlish))
def test_canonical_url_idempotent(x: str) -> None:
    once = _canon(x)
    assert canonical_url(once) == once


@RELIABILITY
@given(urlish)
def test_canonical_url_drops_fragment_and_tracking(x: str) -> None:
    c = _canon(x)
    assert "#" not in c
    assert "utm_source" not in c and "fbclid" not in c


HAND_URLS = {
    "ipv6-host-twice": ("https://[::1]/x", "canonical-url-ipv6-brackets"),
    "bad-href-with-base": ("A://[", "canonical-url-urljoin"),
    "bad-port": ("http://a.daklak.gov.vn:99999/x", "canonical-url-bad-port"),
    "non-numeric-port": ("http://a.daklak.gov.vn:abc/x", "canonical-url-bad-port"),
    "unclosed-ipv6": ("http://[::1/x", "canonical-url-bad-netloc"),
}


def test_same_site_hand_case() -> None:
    assert same_site("http://[::1/x", ["a.daklak.gov.vn"]) is False


@pytest.mark.parametrize("case", [
    pytest.param(k, id=k) for k in HAND_URLS])
def test_canonical_url_hand_cases(case: str) -> None:
    """An href with a bad port or netloc is garbage from the web: a typed InvalidUrl, or a stable URL."""
    try:
        once = canonical_url(HAND_URLS[case][0], "https://a.daklak.gov.vn/")
    except InvalidUrl:
        return
    assert canonical_url(once) == once


@pytest.mark.parametrize("url", ["http://a/%2541"])
def test_canonical_url_double_escape_is_stable(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@RELIABILITY
@given(st.one_of(any_text, urlish), st.lists(st.sampled_from(["a.daklak.gov.vn", "www.b.vn", ""]), max_size=3))
def test_same_site_never_raises(x: str, domains: list[str]) -> None:
    """Used on every link of every page: a broken href is "not the same site", never an exception."""
    try:
        assert isinstance(same_site(x, domains), bool)
    except ValueError as e:
        if known_bugs.match(e):
            assume(False)
        raise


@RELIABILITY
@given(any_text)
def test_fold_never_raises_and_is_idempotent(x: str) -> None:
    f = fold(x)
    assert fold(f) == f
    assert f == f.strip() and "  " not in f


@RELIABILITY
@given(vi_words)
def test_fold_removes_vietnamese_accents_and_case(x: str) -> None:
    f = fold(x)
    assert f.isascii(), f
    assert f == fold(x.upper())


PATTERNS = list(__import__("registry").load_plan(PLAN).column_patterns)


@RELIABILITY
@given(any_text, st.lists(any_text, max_size=5))
def test_match_column_never_raises(name: str, patterns: list[str]) -> None:
    r = match_column(name, patterns)
    assert r is None or r in patterns


@RELIABILITY
@given(vi_words)
def test_match_column_name_matches_itself(name: str) -> None:
    assume(fold(name))
    assert match_column(name, [name]) == name
    assert match_column(name.upper(), [name.lower()]) == name.lower()


@RELIABILITY
@given(st.sampled_from(PATTERNS), st.lists(vi_words, max_size=3))
def test_match_column_plan_pattern_with_words_in_gap(pattern: str, filler: list[str]) -> None:
    """Any words in the '...' gap still match: the pattern is the plan's, the name the web's."""
    name = pattern.replace("...", " ".join(filler))
    assume(fold(name))
    assert match_column(name, PATTERNS) is not None


@RELIABILITY
@given(st.text(alphabet="().*+?[]{}|\\^$ ", max_size=30))
def test_match_column_regex_metacharacters_are_literal(pattern: str) -> None:
    """A pattern full of regex syntax is text, not a regex: it cannot raise re.error."""
    match_column("đưa nghị quyết vào cuộc sống", [pattern])


def test_match_column_hostile_long_name_is_bounded() -> None:
    """A site can name a category anything; matching a 120 KB name must not stall the crawl."""
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from nlp.column_match import match_column
        match_column("đưa nghị quyết " * 8000, ["đưa nghị quyết ... vào cuộc sống"])
    """)
    try:
        subprocess.run([sys.executable, "-c", code], timeout=3, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("match_column took > 3 s on a 120 KB category name")
