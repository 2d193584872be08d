"""The weekly and annual HTML opened in a real headless browser (Debian chromium)."""
from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.reports.truthgen import FORMULA_TITLE, SCRIPT_TITLE

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not CHROMIUM:
        missing_service("chromium is absent (installed by .ci/services.sh)")
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def weekly_html(cli, db, tmp_path) -> Path:
    r = cli("report", "weekly", "--week", "2021-W30", "--db", str(db), "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    return tmp_path / "out" / "bao-cao-tuan-2021-W30.html"


def test_weekly_screenshot_shows_the_charts(weekly_html, tmp_path):
    from PIL import Image
    shot = tmp_path / "out.png"
    p = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,6000", weekly_html.as_uri())
    assert shot.is_file(), p.stderr[-2000:]
    im = Image.open(shot).convert("RGB")
    assert im.size == (1280, 6000)
    colours = im.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, tables and chart colours, not a blank page
    # the heatmap's scale starts at 0 (white) and every count has its own colour: with every count of
    # the week at most vmax, the colour of 1 must be on screen (it was the bottom of a 0.5-1.0 bar)
    from pipeline.reports.charts import count_scale
    from pipeline.reports.weekly import build_weekly
    from warehouse import connect
    con = connect(weekly_html.parent.parent / "w.duckdb") if (weekly_html.parent.parent / "w.duckdb").exists() else None
    vmax = 1
    if con is not None:
        vmax = max(max(r) for r in build_weekly(con, "2021-W30")["heatmap"]["counts"])
        con.close()
    cmap, norm, ticks = count_scale(vmax)
    assert ticks[0] == 0 and all(isinstance(t, int) for t in ticks)
    one = tuple(int(255 * c) for c in cmap(norm(1))[:3])
    near = sum(n for n, rgb in colours if all(abs(a - b) <= 12 for a, b in zip(rgb, one, strict=True)))
    assert near > 50, one


def test_weekly_dom_keeps_hostile_titles_as_text(weekly_html, tmp_path):
    p = chromium(tmp_path, "--dump-dom", weekly_html.as_uri())
    dom = p.stdout
    assert "Báo cáo tuần 30 năm 2021" in dom, p.stderr[-2000:]
    assert "<script" not in dom.lower()                     # no script element came from the data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom    # it is shown as text instead
    assert FORMULA_TITLE.replace('"', "&quot;") in dom or FORMULA_TITLE in dom
    imgs = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', dom)
    assert len(imgs) == 2
    from PIL import Image
    for b in imgs:
        im = Image.open(io.BytesIO(base64.b64decode(b)))
        assert im.format == "PNG" and len(set(im.convert("RGB").getdata())) > 10


def test_annual_html_opens(cli, db, tmp_path):
    r = cli("report", "annual", "--year", "2021", "--db", str(db), "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    p = chromium(tmp_path, "--dump-dom", (tmp_path / "out" / "bao-cao-nam-2021.html").as_uri())
    assert "BÁO CÁO" in p.stdout and "Chưa mở chuyên mục" in p.stdout and "Nơi nhận:" in p.stdout
    assert SCRIPT_TITLE not in p.stdout  # only tables of counts, no raw markup
