"""Does a category name match one of the plan's column-name patterns?

Both sides are folded (NFC, case, accents, đ, punctuation, spaces), so "Đưa Nghị quyết Đại hội XIII
vào cuộc sống" and "đưa nghị quyết đại hội vào cuộc sống" both match "đưa nghị quyết ... vào cuộc sống".
In a pattern, "..." stands for any run of words (possibly none). A pattern matches anywhere in the
name, on word boundaries.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from nlp.fold import fold

MAX_NAME = 300  # a menu label longer than this is not a column name; caps the regex work on hostile pages


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    parts = [p.strip() for p in pattern.split("...")]
    words = [re.escape(fold(p)) for p in parts]
    body = r"(?:\s+\S+)*?\s*".join(w for w in words if w) if any(words) else r"\S+"
    # gaps between literal parts may hold zero or more words
    return re.compile(r"(?:^|\s)" + body + r"(?:\s|$)")


def match_column(name: str, patterns: Iterable[str]) -> str | None:
    """The first pattern the name matches, or None."""
    folded = fold(name[:MAX_NAME])
    if not folded:
        return None
    for p in patterns:
        if _compile(p).search(folded):
            return p
    return None
