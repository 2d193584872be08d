"""`make test` on a fresh machine runs every test (#16 item 5): it installs what its tests need or
fails saying what it could not install; pytest prints the 15 slowest tests."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT


def test_make_test_installs_services_first_and_requires_them():
    r = subprocess.run(["make", "-n", "test"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    svc = next(i for i, ln in enumerate(lines) if "bash .ci/services.sh" in ln)
    test = next(i for i, ln in enumerate(lines) if "-m pytest" in ln)
    assert svc < test
    assert "CHUYENMUC_REQUIRE_SERVICES=1" in lines[test] and "--durations=15" in lines[test]


def test_services_script_fails_clearly_when_it_cannot_install(tmp_path: Path):
    """A machine with no redis-server, chromium or soffice, and no apt-get: exit 1 naming them."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("bash", "id"):
        os.symlink(shutil.which(tool), bin_ / tool)
    r = subprocess.run([str(bin_ / "bash"), str(ROOT / ".ci/services.sh")], capture_output=True, text=True,
                       env={"PATH": str(bin_)}, timeout=60)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "cannot install redis-server chromium libreoffice-writer" in r.stderr
    r = subprocess.run([str(bin_ / "bash"), str(ROOT / ".ci/services.sh")], capture_output=True, text=True,
                       env={"PATH": str(bin_), "CHUYENMUC_SERVICES": "skip"}, timeout=60)
    assert r.returncode == 0 and "will skip" in r.stdout


def test_a_missing_service_fails_under_make_test(tmp_path: Path):
    """Under CHUYENMUC_REQUIRE_SERVICES=1 a test whose binary is absent fails instead of skipping."""
    t = tmp_path / "test_needs.py"
    t.write_text("from tests.conftest import missing_service\n\n"
                 "def test_needs():\n    missing_service('frobnicator is absent')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for require, outcome in (("1", "1 failed"), ("0", "1 skipped")):
        r = subprocess.run([os.sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(t),
                            "--rootdir", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path,
                           env={**env, "CHUYENMUC_REQUIRE_SERVICES": require}, timeout=120)
        assert outcome in r.stdout, r.stdout[-1500:]
