"""The vectorised SimHash and the one-pass fingerprint give exactly the values stored before them."""
from __future__ import annotations

import hashlib
import random

from nlp import dedup


def _reference_simhash(text: str, k: int = 3) -> int:
    """The per-bit vote as first written (what the warehouse's stored simhashes were computed with)."""
    weights = [0] * 64
    for sh in dedup.shingles(text, k):
        h = int.from_bytes(hashlib.blake2b(sh.encode("utf-8"), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if (h >> bit) & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def _texts() -> list[str]:
    words = "Tỉnh Đắk Lắk ủy ban nhân dân tuyên truyền chuyên mục kế hoạch năm 2021 cà phê, hồ tiêu.".split()
    rnd = random.Random(7)
    return ["", "một", "một hai", "một hai ba", "  ...  "] + [
        " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 900))) for _ in range(200)]


def test_simhash_equals_the_reference_vote():
    for t in _texts():
        assert dedup.simhash(t) == _reference_simhash(t), t[:60]


def test_fingerprint_is_count_hash_and_simhash():
    for t in _texts():
        assert dedup.fingerprint(t) == (len(dedup.syllables(t)), dedup.content_hash(t), _reference_simhash(t))
