"""Inline `data:` URIs out of HTML bytes, before anything parses the page.

Liferay and Word-pasting editors put images into the body as base64 (`<img src="data:image/png;
base64,...">`): megabytes that carry no text, slow every parser and would be stored as they are.
Long data URIs become the empty `data:,` (the tag and its alt text stay), so an oversized article
page shrinks to its text. Bytes in, bytes out: works on any ASCII-compatible encoding.
"""
from __future__ import annotations

import re

MIN_URI = 256  # shorter data URIs (a 1x1 spacer) cost nothing and are left alone
_DATA_URI = re.compile(rb"""data:[a-zA-Z0-9.+/-]*(?:;[a-zA-Z0-9=.+-]+)*,[^"'\s<>)]{%d,}""" % MIN_URI)


def strip_data_uris(body: bytes) -> tuple[bytes, int]:
    """The body with every long data: URI replaced by `data:,`, and how many bytes that removed."""
    if b"data:" not in body:
        return body, 0
    out = _DATA_URI.sub(b"data:,", body)
    return out, len(body) - len(out)


def strip_data_uris_text(text: str) -> tuple[str, int]:
    """strip_data_uris for an already decoded page."""
    if "data:" not in text:
        return text, 0
    out = _DATA_URI_TEXT.sub("data:,", text)
    return out, len(text) - len(out)


_DATA_URI_TEXT = re.compile(_DATA_URI.pattern.decode())
