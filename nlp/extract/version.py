"""EXTRACTOR_VERSION, derived from the code extraction runs, as the theme model's version is.

A hand-bumped constant stays "extract-1.0" while the CMS modules, the date parser or the encoding
repair change what a page yields; then stored articles cannot be told from ones a newer extractor
would give. The version is a hash of every project module `nlp.extract` imports (followed through
`from nlp...` imports, read as text) and of the library versions it calls, so it changes exactly
when that code does.
"""
from __future__ import annotations

import ast
import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

LIBRARIES = ("trafilatura", "lxml", "ftfy")  # third-party code whose output the extractor keeps


def _module_file(root: Path, name: str) -> Path | None:
    base = root.joinpath(*name.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None


def source_files(root: Path, start: str = "nlp.extract") -> list[Path]:
    """The project modules reachable from `start` through imports of `nlp` modules, sorted."""
    seen: dict[str, Path] = {}
    todo = [start]
    while todo:
        name = todo.pop()
        f = _module_file(root, name)
        if name in seen or f is None:
            continue
        seen[name] = f
        if f.name == "__init__.py":  # a package: all its modules run as part of it
            todo += [f"{name}.{p.stem}" for p in f.parent.glob("*.py") if p.stem != "__init__"]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "nlp":
                todo += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.split(".")[0] == "nlp"]
    return sorted(seen.values())


def code_version(root: Path | None = None) -> str:
    """'extract-' + 12 hex digits of the hash of the extraction sources (below `root`, the folder
    holding the `nlp` package) and the LIBRARIES' versions."""
    root = root or Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for f in source_files(root):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}={version(lib)}".encode())
        except PackageNotFoundError:  # pragma: no cover - a broken install
            h.update(f"{lib}=?".encode())
    return "extract-" + h.hexdigest()[:12]
