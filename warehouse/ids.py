"""Stable ids: the same canonical URL always maps to the same page/article id."""
from __future__ import annotations

import hashlib


def url_id(canonical_url: str) -> int:
    """A positive 63-bit id from the canonical URL, so reruns update rather than duplicate."""
    return int.from_bytes(hashlib.sha1(canonical_url.encode("utf-8")).digest()[:8], "big") >> 1
