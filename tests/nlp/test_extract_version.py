"""EXTRACTOR_VERSION follows the extraction code: a change to a CMS module or to the date parser it
imports gives a new version; a change to code extraction does not run (the tokenizer) does not."""
from __future__ import annotations

import shutil
from pathlib import Path

from nlp.extract import EXTRACTOR_VERSION
from nlp.extract.version import code_version, source_files

ROOT = Path(__file__).resolve().parents[2]


def test_extractor_version_is_derived_from_the_code(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "nlp", tmp_path / "nlp", ignore=shutil.ignore_patterns("__pycache__", "data"))
    assert EXTRACTOR_VERSION == code_version(ROOT) == code_version()
    first = code_version(tmp_path)
    assert first == EXTRACTOR_VERSION and first.startswith("extract-")
    files = {f.relative_to(tmp_path).as_posix() for f in source_files(tmp_path)}
    assert {"nlp/extract/generic.py", "nlp/dates.py", "nlp/encoding.py", "nlp/urls.py"} <= files
    assert "nlp/tokenize.py" not in files

    (tmp_path / "nlp/tokenize.py").write_text("# not extraction\n", encoding="utf-8")
    assert code_version(tmp_path) == first
    seen = {first}
    for rel in ("nlp/extract/liferay.py", "nlp/dates.py"):
        f = tmp_path / rel
        f.write_text(f.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
        v = code_version(tmp_path)
        assert v not in seen
        seen.add(v)
