"""Typed extraction errors: each names what went wrong and where (the URL), so a run can record it."""
from __future__ import annotations


class ExtractError(Exception):
    """Base: the page could not be turned into a result."""

    kind = "extract-error"

    def __init__(self, message: str, url: str | None = None):
        self.url = url
        super().__init__(f"{url}: {message}" if url else message)


class EmptyPageError(ExtractError):
    """The body is empty or whitespace only."""

    kind = "empty-body"


class NotHtmlError(ExtractError):
    """The body is not HTML (a PDF, an image, a binary download)."""

    kind = "not-html"


class ParseError(ExtractError):
    """The markup could not be parsed at all."""

    kind = "parse-error"


class BadUrlError(ExtractError):
    """The page's own URL is not a usable http(s) URL (bad port, broken IPv6 literal)."""

    kind = "bad-url"
