"""Stable ids: the same canonical URL always maps to the same page/article id."""
from __future__ import annotations

import hashlib


def url_id(canonical_url: str) -> int:
    """A positive 63-bit id from the canonical URL, so reruns update rather than duplicate."""
    return int.from_bytes(hashlib.sha1(canonical_url.encode("utf-8")).digest()[:8], "big") >> 1


def column_id(unit_id: str, canonical_url: str) -> str:
    """Stable id of a unit's category (unit_columns.column_id): the same unit and canonical listing URL
    always give the same id, whether the crawler found it or the demo truth loaded it."""
    return hashlib.sha1(f"{unit_id}|{canonical_url}".encode()).hexdigest()[:16]
