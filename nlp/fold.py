"""Folding Vietnamese text for matching: NFC, lower case, accents and đ removed, spaces collapsed.

"Đưa Nghị quyết Đại hội XIII vào cuộc sống" and "dua nghi quyet dai hoi vao cuoc song" fold alike.
"""
from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s.]", re.UNICODE)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d").replace("Đ", "D").lower()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()
