"""One parametrised test over the hand-written saved pages of every CMS family (Fundus style):
tests/fixtures/extract/<family>/<name>.(html|md) with the expected result in <name>.json."""
from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from nlp.extract import extract_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extract"
CASES = sorted(p for p in FIXTURES.glob("*/*") if p.suffix in (".html", ".md"))


@pytest.mark.parametrize("page", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_family_fixture(page: Path) -> None:
    exp = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    fetched = datetime.fromisoformat(exp["fetched_at"]) if "fetched_at" in exp else None
    res = extract_page(page.read_bytes(), exp["url"], None, fetched)
    out = res.to_json()
    if res.is_article or "family" in exp:  # listings may be recognised before any family claims them
        assert res.family == exp.get("family", page.parent.name)
    assert res.is_article is exp["is_article"], (res.kind, res.text[:200])
    assert res.kind == exp["kind"]
    for key in ("title", "published_at", "author", "canonical_url"):
        if key in exp:
            assert out[key] == exp[key], key
    for marker in exp.get("contains", []):
        assert marker in res.text, marker
    for marker in exp.get("absent", []):
        assert marker not in res.text, marker
        assert marker != res.title
    for flag in exp.get("flags", []):
        assert flag in res.quality_flags
    if exp.get("nfc"):
        assert unicodedata.is_normalized("NFC", res.text) and unicodedata.is_normalized("NFC", res.title)
    if res.is_article:
        assert "\n\n" in res.text  # paragraphs separated by blank lines
        assert out["lang"] == "vi"
