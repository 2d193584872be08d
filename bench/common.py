"""Shared bench plumbing: the machine description and writing one JSON result per script."""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("scrapy", "trafilatura", "underthesea", "scikit-learn", "duckdb", "pyarrow", "feedparser")


def machine() -> dict:
    vers = {}
    for p in PACKAGES:
        try:
            vers[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            vers[p] = None
    return {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "packages": vers}


def emit(name: str, figures: dict) -> dict:
    """Print one JSON object and write it to bench/results/NAME.json."""
    out = {"bench": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(), **figures}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False))
    sys.stdout.flush()
    return out


def shared_data() -> Path | None:
    p = Path(os.environ.get("CHUYENMUC_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    return p if p.is_dir() else None
