"""The tokenizer's one pass equals the two-pass form its scheme is named for, on real text.

Why: `nlp.tokenize.tokenize` dropped underthesea's separate `text_normalize` pass because
`word_tokenize` normalizes every token itself; `TOKENIZER_SCHEME` (the stored tokens' and the
model's features' name) stayed. If an underthesea release makes the two differ, this fails and the
scheme must change with the tokenizer.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from nlp.tokenize import tokenize, truncate_body

SAMPLE = 150  # labelled articles (real Vietnamese news text); the full 1,067 were compared once


def _two_pass(text: str) -> str:
    from underthesea import text_normalize, word_tokenize
    out: list[str] = []
    for line in unicodedata.normalize("NFC", text).strip().split("\n"):
        line = line.strip()
        if line:
            out.extend(t.replace(" ", "_") for t in word_tokenize(text_normalize(line)) if t.strip())
    return " ".join(out)


def test_one_pass_equals_text_normalize_then_word_tokenize(shared_data: Path) -> None:
    path = shared_data / "labels" / "dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:SAMPLE]]
    texts = [t for r in rows for t in (r.get("title") or "", truncate_body(r.get("text") or ""))]
    assert len(texts) == 2 * SAMPLE
    differing = [t[:80] for t in texts if tokenize(t) != _two_pass(t)]
    assert differing == []


def test_odd_input_still_tokenizes() -> None:
    """Inputs text_normalize once tripped on are tokenized, not raised on."""
    for text in ("\u0000", "  \n\t ", "😀😀", "a" * 5000, "Đắk Lắk, 10.000 người; https://x.vn/a?b=1"):
        assert isinstance(tokenize(text), str)
