"""Shared fixtures: the repo root, the real shared data folder (optional), and running the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CHUYENMUC_SHARED_DATA", ROOT.parent / "shared" / "data"))
PLAN = ROOT / "plans" / "daklak-2021.toml"
UNITS = ROOT / "units" / "daklak.toml"


def train_default_model(out: Path) -> Path:
    """`chuyenmuc themes train --out OUT`: the default model, trained once for a module's nights."""
    r = subprocess.run([sys.executable, "-m", "pipeline", "themes", "train", "--out", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def demo_config(tmp: Path, model: Path | None = None) -> Path:
    """A chuyenmuc.toml for a nightly on the demo web: the bundled plan and units, this test's model,
    logs and reports under `tmp`, no politeness delay (the demo web is local)."""
    cfg = tmp / "chuyenmuc.toml"
    cfg.write_text(f"""[paths]
plan = "{PLAN}"
units = "{UNITS}"
model = "{model or tmp / 'themes.joblib'}"
logs = "{tmp / 'logs'}"
reports = "{tmp / 'reports'}"
[crawl]
download_delay = 0
""", encoding="utf-8")
    return cfg


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """The rows of `sql` on the warehouse file `db`, opened read-only as an analyst would."""
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def crawl_child_of(pid: int) -> bool:
    """Whether process `pid` has started its crawl process (`python -m crawlers.run`), from /proc."""
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid \
                    and b"crawlers.run" in (d / "cmdline").read_bytes():
                return True
        except (OSError, ValueError, IndexError):
            continue
    return False


def missing_service(what: str) -> None:
    """A test's system package (redis-server, chromium) is absent: skip, or fail under `make test`,
    which installs them first (.ci/services.sh) and sets CHUYENMUC_REQUIRE_SERVICES=1."""
    if os.environ.get("CHUYENMUC_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} (make test requires it: .ci/services.sh installs it)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: real pages and corpora are never copied into the repo."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 600,
            input: str | None = None) -> Result:
    """Run `chuyenmuc ARGS` as a real subprocess (python -m pipeline), from this checkout."""
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT)
    e.pop("CHUYENMUC_DB", None)
    if env:
        e.update(env)
    p = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                       cwd=cwd or ROOT, env=e, timeout=timeout, input=input)
    return Result(p.returncode, p.stdout, p.stderr)


@pytest.fixture
def cli():
    return run_cli
