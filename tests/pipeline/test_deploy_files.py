"""The scheduling files parse: systemd units (systemd-analyze when present) and the crontab line."""
from __future__ import annotations

import configparser
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def _ini(path):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(path, encoding="utf-8")
    return cp


def test_service_and_timer_parse():
    svc = _ini(DEPLOY / "chuyenmuc-nightly.service")
    assert svc["Service"]["Type"] == "oneshot"
    assert svc["Service"]["ExecStart"].endswith("chuyenmuc nightly")
    timer = _ini(DEPLOY / "chuyenmuc-nightly.timer")
    assert timer["Timer"]["Unit"] == "chuyenmuc-nightly.service"
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", timer["Timer"]["OnCalendar"])


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_calendar():
    timer = _ini(DEPLOY / "chuyenmuc-nightly.timer")
    r = subprocess.run(["systemd-analyze", "calendar", timer["Timer"]["OnCalendar"]], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_crontab_line_is_well_formed():
    lines = [ln for ln in (DEPLOY / "crontab").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    jobs = [ln for ln in lines if not re.match(r"^[A-Z_]+=", ln)]
    assert len(jobs) == 1
    fields = jobs[0].split(None, 5)
    minute, hour, dom, mon, dow, cmd = fields
    assert 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert (dom, mon, dow) == ("*", "*", "*")
    assert "chuyenmuc nightly" in cmd


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path):
    """verify checks every directive; only the install path is swapped for one that exists here."""
    import sys
    svc = (DEPLOY / "chuyenmuc-nightly.service").read_text()
    exe = shutil.which("chuyenmuc") or sys.executable
    (tmp_path / "chuyenmuc-nightly.service").write_text(svc.replace("/opt/chuyenmuc/.venv/bin/chuyenmuc nightly", f"{exe} --version"))
    (tmp_path / "chuyenmuc-nightly.timer").write_text((DEPLOY / "chuyenmuc-nightly.timer").read_text())
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", "chuyenmuc-nightly.service", "chuyenmuc-nightly.timer"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
