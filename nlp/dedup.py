"""Duplicate detection: an exact content hash and a 64-bit SimHash over syllable shingles.

Units repost each other's news (a commune site re-publishes the provincial portal's story with a
different header and footer); SimHash over 3-syllable shingles keeps such copies within a few bits.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

_SYL = re.compile(r"[^\W_]+")
NEAR_DUP_BITS = 6  # Hamming distance at or below which two texts are the same story
LOOSE_DUP_BITS = 8  # up to here, a shingle Jaccard check decides (templated daily reports come this close)
MIN_JACCARD = 0.5
MASK64 = (1 << 64) - 1


def syllables(text: str) -> list[str]:
    """Lower-cased NFC syllables (Vietnamese words are space-separated syllables)."""
    return _SYL.findall(unicodedata.normalize("NFC", text).lower())


def content_hash(text: str) -> str:
    """SHA-1 of the syllable sequence: equal for texts differing only in spacing, case, punctuation."""
    return hashlib.sha1(" ".join(syllables(text)).encode("utf-8")).hexdigest()


def shingles(text: str, k: int = 3) -> list[str]:
    syl = syllables(text)
    if len(syl) < k:
        return [" ".join(syl)] if syl else []
    return [" ".join(syl[i:i + k]) for i in range(len(syl) - k + 1)]


def simhash(text: str, k: int = 3) -> int:
    """64-bit SimHash of the text's k-syllable shingles (unsigned, fits DuckDB UBIGINT)."""
    weights = [0] * 64
    for sh in shingles(text, k):
        h = int.from_bytes(hashlib.blake2b(sh.encode("utf-8"), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if (h >> bit) & 1 else -1
    out = 0
    for bit in range(64):
        if weights[bit] > 0:
            out |= 1 << bit
    return out & MASK64


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & MASK64).bit_count()


def shingle_set(text: str, k: int = 3) -> frozenset[str]:
    """The text's distinct k-syllable shingles (what jaccard compares)."""
    return frozenset(shingles(text, k))


def jaccard_sets(sa: frozenset[str] | set[str], sb: frozenset[str] | set[str]) -> float:
    """Jaccard similarity of two shingle sets (0.0 when either is empty)."""
    if not sa or not sb:
        return 0.0
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter)


def jaccard(a: str, b: str, k: int = 3) -> float:
    """Shingle-set Jaccard similarity, the check for SimHash pairs in the loose band."""
    return jaccard_sets(shingle_set(a, k), shingle_set(b, k))
