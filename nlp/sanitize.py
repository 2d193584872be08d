"""The one rule for text that comes from the web: what may not pass into the warehouse and reports.

Web pages carry characters no reader sees but every later step trips on: lone UTF-16 surrogates
(a JSON-LD ``"\\ud800"`` escape) that no UTF-8 writer accepts, NULs and other C0 controls, C1
controls (a page declared ISO-8859-1 but written in Windows-1252: ``\\x85`` is "…"), bidi
embeddings/overrides/isolates that reorder what a report shows, and zero-width characters.
`clean_web_text` is applied where web text enters the system (the extractor's results, the
crawler's stored names and messages), so everything downstream may assume clean text.
"""
from __future__ import annotations

import re

from ftfy.fixes import fix_c1_controls, fix_surrogates

# C0 controls but TAB, LF, CR; DEL. VT and FF are layout: they become a space.
_C0 = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LAYOUT = re.compile(r"[\x0b\x0c]")
# C1 controls left after the Windows-1252 reading (0x81, 0x8D, 0x8F, 0x90, 0x9D have no glyph there)
_C1 = re.compile(r"[\x80-\x9f]")
# bidi embeddings, overrides, isolates and marks (Vietnamese is left to right; these only reorder)
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# invisible and never meaningful in running text: ZWSP, word joiner, BOM/ZWNBSP, Mongolian vowel separator,
# invisible operators, interlinear annotation marks
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u180e\u2061-\u2064\ufff9-\ufffb]")
# ZWNJ/ZWJ mean something only inside a word or an emoji sequence (between two visible characters)
_JOINER_OUTSIDE = re.compile(r"(?<![^\s\u200c\u200d])[\u200c\u200d]+|[\u200c\u200d]+(?![^\s\u200c\u200d])")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_web_text(text: str) -> str:
    """`text` without lone surrogates (replaced by U+FFFD, as Unicode recommends, so that no new
    sequence is formed by a deletion), C0/C1 controls (C1 read as Windows-1252 where it has a
    character), bidi controls, and zero-width characters outside words. Clean text is returned
    unchanged (the same object)."""
    if _ANY.search(text) is None:
        return text
    if _SURROGATE.search(text):
        text = fix_surrogates(text)  # a valid pair becomes its character, a lone half U+FFFD
    text = _LAYOUT.sub(" ", text)
    text = _C0.sub("", text)
    text = _C1.sub("", fix_c1_controls(text))
    text = _BIDI.sub("", text)
    text = _INVISIBLE.sub("", text)
    return _JOINER_OUTSIDE.sub("", text)


_ANY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
                  r"\u200b-\u200d\u2060-\u2064\ufeff\u180e\ufff9-\ufffb\ud800-\udfff]")


def clean_optional(text: str | None) -> str | None:
    """`clean_web_text` for optional fields (None stays None)."""
    return None if text is None else clean_web_text(text)
