"""Exit codes and messages a cron alert can trust (#16 item 4): no site reached is failed, bad options
are exit 2 naming the option (never a traceback), cut lists say how many were left out."""
from __future__ import annotations

import io
import re
import socket
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _real_config(tmp_path: Path) -> Path:
    """The repository's chuyenmuc.toml (real crawl settings, real registry and plan), paths into tmp_path."""
    text = (ROOT / "chuyenmuc.toml").read_text(encoding="utf-8")
    paths = (f'[paths]\nplan = "{ROOT / "plans/daklak-2021.toml"}"\nunits = "{ROOT / "units/daklak.toml"}"\n'
             f'reports = "{tmp_path / "reports"}"\nlogs = "{tmp_path / "logs"}"\nmodel = "{tmp_path / "model.joblib"}"\n\n')
    text = re.sub(r"\[paths\].*?\n\n", paths, text, count=1, flags=re.S)
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_nightly_with_no_network_fails_within_a_minute(tmp_path, cli):
    """The real registry, every site behind a proxy on a closed loopback port (no traffic leaves the
    machine): no site is reached, so the night is failed (1), not partial, and says why in one line."""
    cfg = _real_config(tmp_path)
    db = tmp_path / "w.duckdb"
    r = cli("nightly", "--config", str(cfg), "--db", str(db), "--proxy", f"http://127.0.0.1:{_closed_port()}",
            timeout=60)
    assert r.code == 1, (r.code, r.out[-2000:], r.err[-2000:])
    assert "no site reached: check the network/proxy" in r.out
    assert ": failed" in r.out and "Traceback" not in r.err
    assert not (tmp_path / "model.joblib").exists(), "later stages are skipped (no model trained for nothing)"


BAD_OPTIONS = [
    (["nightly", "--as-of", "2022-13-01"], "--as-of"),
    (["nightly", "--as-of", "31/12/2022"], "--as-of"),
    (["nightly", "--skip", "bogus"], "--skip"),
    (["nightly", "--proxy", "localhost:8080"], "--proxy"),
    (["nightly", "--wait", "-5"], "--wait"),
    (["nightly", "--wait", "soon"], "--wait"),
    (["crawl", "--proxy", "ftp://127.0.0.1:21"], "--proxy"),
    (["db", "init", "--wait", "x"], "--wait"),
    (["report", "weekly", "--week", "2021-W99"], "--week"),
    (["report", "weekly", "--week", "9999-W52"], "--week"),
    (["report", "weekly", "--week", "2021-30"], "--week"),
    (["report", "annual", "--year", "twenty"], "--year"),
    (["report", "annual", "--year", "-1"], "--year"),
    (["export", "column_status", "--format", "docx"], "--format"),
    (["extract", "--batch-size", "0"], "--batch-size"),
    (["tag", "--batch-size", "-1"], "--batch-size"),
    (["tag", "--processes", "0"], "--processes"),
    (["label", "export", "--uncertain", "0"], "--uncertain"),
    (["themes", "evaluate", "--labels", "x.jsonl", "--cv", "1"], "--cv"),
    (["themes", "explain", "abc"], "article_id"),
    (["demo-web", "serve", "--scale", "0"], "--scale"),
    (["demo-web", "truth", "--out", "-", "--as-of", "2022-02-30"], "--as-of"),
]


@pytest.mark.parametrize("args,option", BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_bad_option_is_exit_2_naming_the_option(tmp_path, cli, args, option):
    db = tmp_path / "w.duckdb"
    r = cli(*args, *(["--db", str(db)] if args[0] not in ("demo-web",) else []), timeout=120)
    assert r.code == 2, (r.code, r.err[-1500:])
    assert option in r.err and "Traceback" not in r.err, r.err[-1500:]
    assert not db.exists() and not (tmp_path / "w.work.duckdb").exists()


def test_unknown_unit_is_exit_2_before_anything_is_written(tmp_path, cli):
    db = tmp_path / "w.duckdb"
    for cmd in (["nightly"], ["crawl"]):
        r = cli(*cmd, "--db", str(db), "--units", "so-khong-co", timeout=120)
        assert r.code == 2 and "so-khong-co" in r.err and "Traceback" not in r.err, r.err
    assert not db.exists() and not (tmp_path / "w.work.duckdb").exists()


class _Session:
    published = None

    def __init__(self, db: Path):
        self.db = db


def test_cut_lists_in_the_summary_say_how_many_more(tmp_path):
    import datetime as dt

    from pipeline.nightly import RunState, _print_summary
    s = {"new_per_unit": [(f"unit-{i:02d}", 1) for i in range(26)],
         "new_columns": [(f"unit-{i:02d}", "Chuyên mục", f"https://u{i}.vn/c") for i in range(18)],
         "failing_sources": [(f"unit-{i:02d}", "feed", f"https://u{i}.vn/rss", "failing", "timeout") for i in range(21)],
         "run_errors": 3, "no_site_reached": False}
    buf = io.StringIO()
    with redirect_stdout(buf):
        _print_summary(s, RunState(7, dt.datetime(2022, 12, 31)), "partial", _Session(tmp_path / "w.duckdb"),
                       tmp_path / "run.log")
    out = buf.getvalue()
    assert "... and 11 more units" in out
    assert "... and 3 more columns" in out
    assert "... and 11 more sources" in out
    assert "not published this run: no complete night yet" in out
