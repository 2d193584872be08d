"""Bugs found by this suite in code the reliability helper does not own, reported to their owners.

Fuzz tests skip an example whose exception matches a known bug's signature (so they keep hunting for
new bugs), while one hand-written xfail test per bug keeps it visible. A signature is the exception
type, the project file and the source line the exception left from: when the owner fixes or edits
that line the signature stops matching and the fuzz test reports anything still wrong.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class KnownBug:
    name: str
    exc: str
    file: str
    line: str  # stripped source text of the line the exception was raised from

    def reason(self) -> str:
        return f"known bug {self.name}: {self.exc} at {self.file}: `{self.line}`"


KNOWN: list[KnownBug] = [
    KnownBug("plan-period-theme-unhashable", "TypeError", "registry/plan.py", "if tid not in seen:"),
    KnownBug("units-parent-unhashable", "TypeError", "registry/units.py",
             "if u.parent is not None and u.parent not in ids:"),
    KnownBug("units-successor-unhashable", "TypeError", "registry/units.py",
             "if u.successor is not None and u.successor not in ids:"),
    KnownBug("units-sources-not-iterable", "TypeError", "registry/units.py",
             'for j, s in enumerate(u.get("sources", []) or []):'),
    KnownBug("units-check-url-valueerror", "ValueError", "registry/units.py", "parts = urlsplit(url)"),
    KnownBug("canonical-url-bad-netloc", "ValueError", "nlp/urls.py", "parts = urlsplit(url.strip())"),
    KnownBug("canonical-url-bad-port", "ValueError", "nlp/urls.py", "port = parts.port"),
    # not an exception on first pass: "http://[::1]/" -> "https://::1/" (brackets lost), which then raises
    KnownBug("canonical-url-ipv6-brackets", "ValueError", "nlp/urls.py", "port = parts.port"),
    KnownBug("canonical-url-urljoin", "ValueError", "nlp/urls.py", "url = urljoin(base, url.strip())"),
    KnownBug("extract-canonical-urljoin", "ValueError", "nlp/extract/page.py", "full = urljoin(base, href)"),
    KnownBug("encoding-charset-nul", "ValueError", "nlp/encoding.py", "return codecs.lookup(name).name"),
    KnownBug("feed-bad-encoding-decl", "UnicodeDecodeError", "crawlers/feeds.py", 'd = feedparser.parse(body, response_headers=headers)'),
    KnownBug("feed-bad-encoding-nul", "ValueError", "crawlers/feeds.py", 'd = feedparser.parse(body, response_headers=headers)'),
    KnownBug("same-site-bad-netloc", "ValueError", "nlp/urls.py", 'host = (urlsplit(url).hostname or "").lower()'),
]


def project_frame(exc: BaseException) -> tuple[str, str]:
    """(repo-relative file, stripped line) of the innermost frame inside this project's packages."""
    best = ("", "")
    for fs in traceback.extract_tb(exc.__traceback__):
        p = Path(fs.filename).resolve()
        try:
            rel = p.relative_to(ROOT).as_posix()
        except ValueError:
            continue
        if rel.startswith("tests/"):
            continue
        best = (rel, (fs.line or "").strip())
    return best


def match(exc: BaseException) -> KnownBug | None:
    rel, line = project_frame(exc)
    for bug in KNOWN:
        if type(exc).__name__ == bug.exc and rel == bug.file and line == bug.line:
            return bug
    return None


def by_name(name: str) -> KnownBug:
    return next(b for b in KNOWN if b.name == name)
