"""Language of a page without a model: Vietnamese text is dense in diacritics and function words.

Portals keep English mirrors (/en/, the Liferay language-switch trap); those pages must be flagged,
not counted as Vietnamese coverage.
"""
from __future__ import annotations

import re
import unicodedata

from nlp.encoding import VIET_LETTERS

_WORD = re.compile(r"[^\W\d_]+")
VI_FUNCTION = frozenset("và của các là có được cho với không những này trong một người để đã từ khi "
                        "về theo tại đến năm ngày như cũng đó sẽ nhiều ra trên việc".split())
EN_FUNCTION = frozenset("the of and to in is for on that with as by are was at from this be an or "
                        "it which has have not".split())


def detect_lang(text: str, min_words: int = 5) -> str:
    """'vi', 'en', 'other' or 'und' (too little text). Counts accented letters and function words."""
    text = unicodedata.normalize("NFC", text or "")[:20000]
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < min_words:
        return "und"
    accented = sum(1 for w in words if any(ch in VIET_LETTERS for ch in w))
    vi = sum(1 for w in words if w in VI_FUNCTION)
    en = sum(1 for w in words if w in EN_FUNCTION)
    if accented / len(words) >= 0.15 or vi > en * 2 and vi >= 2:
        return "vi"
    if en / len(words) >= 0.05:
        return "en"
    if all(w.isascii() for w in words) and vi:
        return "vi"  # unaccented Vietnamese (telex-less typing)
    return "other"
