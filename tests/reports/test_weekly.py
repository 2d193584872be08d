"""The weekly coverage-gap summary, from the library and from the CLI."""
from __future__ import annotations

import base64
import io
import re

import pytest

from pipeline.reports.common import ReportError, last_complete_week, parse_week
from pipeline.reports.weekly import build_weekly, default_week, render_html, render_markdown
from tests.reports.truthgen import FORMULA_TITLE, SCRIPT_TITLE, expected_coverage


def test_default_week_is_last_complete_week_before_as_of(con):
    import datetime as dt
    assert default_week(con) == "2022-W10"  # as_of 2022-03-15 is a Tuesday of W11
    assert last_complete_week(dt.date(2021, 8, 2)) == "2021-W30"   # a Monday: last week just ended
    assert last_complete_week(dt.date(2021, 8, 1)) == "2021-W29"   # a Sunday: its week is not over


@pytest.mark.parametrize("bad", ["2021-30", "2021-W54", "W30", ""])
def test_bad_week_is_a_clear_error(bad):
    with pytest.raises(ReportError, match="week"):
        parse_week(bad)


def test_weekly_summary_content(con, truth):
    s = build_weekly(con, "2021-W30")
    want = expected_coverage(truth)
    assert sum(sum(r) for r in s["heatmap"]["counts"]) == sum(n for (u, t, w), n in want.items() if w == "2021-W30")
    assert s["units_dormant"] == []  # the status is the week's own: so-y-te went dormant later
    assert {r["unit_id"] for r in build_weekly(con, "2022-W10")["units_dormant"]} == {"so-y-te"}
    assert "h-lak" in {r["unit_id"] for r in s["units_missing"]}
    covered = {t for (u, t, w) in want if w == "2021-W30"}
    assert {t["theme_id"] for t in s["themes_no_coverage"]} == (
        {"congress-results", "resolution-content", "resolution-study", "socioeconomic-goals", "central-plenums-na",
         "elections-2021", "emulation-movements", "ho-chi-minh-study", "implementation-review", "party-building",
         "exemplary-models", "covid-prevention", "ideology-defense"} - covered)
    assert [f["unit_id"] for f in s["failing_sources"]] == ["h-lak"]
    assert s["trend"]["weeks"][-1] == "2021-W30" and len(s["trend"]["weeks"]) == 12
    n_prev = sum(1 for a in truth["articles"] if a["robots_allowed"] and
                 a["published_at"][:10] >= "2021-07-19" and a["published_at"][:10] <= "2021-07-25")
    assert s["totals"]["previous_articles"] == n_prev
    assert s["changes"]["articles"] == s["totals"]["articles"] - n_prev
    assert {a["title"] for a in s["articles"]} >= {SCRIPT_TITLE, FORMULA_TITLE}


def test_markdown_escapes_web_text(con):
    md = render_markdown(build_weekly(con, "2021-W30"))
    assert md.startswith("# Báo cáo tuần 30 năm 2021")
    # crawl problems in plain Vietnamese, grouped by unit; no raw crawler message, no HTML entity
    assert "<b>" not in md and "timeout" not in md and "&lt;" not in md
    assert "- Huyện Lắk:\n  - nguồn tin RSS https://lak.daklak.gov.vn/rss: trang không phản hồi kịp" in md
    for heading in ("Đơn vị chưa mở chuyên mục", "Chủ đề chưa được tuyên truyền", "Nguồn thu thập bị lỗi",
                    "Thay đổi so với tuần trước"):
        assert f"## {heading}" in md


def test_html_is_self_contained_and_escaped(con):
    from PIL import Image
    html = render_html(build_weekly(con, "2021-W30"))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r'(src|href)="(?!data:image/png;base64,|https?://)', html)  # nothing fetched
    imgs = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(imgs) == 2
    for b in imgs:
        im = Image.open(io.BytesIO(base64.b64decode(b))).convert("RGB")
        assert im.width > 300 and len(set(im.getdata())) > 10


def test_cli_weekly_writes_both_files(cli, db, tmp_path):
    r = cli("report", "weekly", "--week", "2021-W30", "--db", str(db), "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    md, html = tmp_path / "out" / "bao-cao-tuan-2021-W30.md", tmp_path / "out" / "bao-cao-tuan-2021-W30.html"
    assert f"markdown: {md}" in r.out and f"html: {html}" in r.out
    assert md.read_text(encoding="utf-8").startswith("# Báo cáo tuần 30 năm 2021")
    assert "Bản đồ nhiệt" in html.read_text(encoding="utf-8")
    r = cli("report", "weekly", "--db", str(db), "--out", str(tmp_path / "out"))
    assert r.code == 0 and "2022-W10" in r.out
    r = cli("report", "weekly", "--week", "2021-30", "--db", str(db), "--out", str(tmp_path / "out"))
    assert r.code == 2 and "2021-30" in r.err


def test_themes_covered_counts_only_the_weeks_plan_themes(con):
    # in 2022 only four themes are in the plan period; a tag of a 2021-only theme must not count
    con.execute("""INSERT INTO article_themes (article_id, theme_id, score, model_version, source)
                   SELECT article_id, 'elections-2021', 1.0, 'test', 'label' FROM article_facts
                   WHERE week = '2022-W10' LIMIT 1""")
    s = build_weekly(con, "2022-W10")
    assert s["totals"]["themes_in_plan"] == 4
    assert s["totals"]["themes_covered"] <= 4
    assert "elections-2021" not in s["heatmap"]["themes"]  # the heatmap counts the same themes
    assert "elections-2021" not in {t["theme_id"] for t in s["changes"]["themes_newly_covered"]}
    assert "Năm 2022 và các năm tiếp theo" in render_markdown(s)  # the period is named with its count


def test_report_follows_dormant_days_of_the_config_without_writing(cli, db, tmp_path):
    """Reports open the warehouse read-only: the config's threshold governs the report, the file is unchanged."""
    import duckdb
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text("[status]\ndormant_days = 400\n", encoding="utf-8")
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT value FROM settings WHERE key = 'dormant_days'").fetchall()
    con.close()
    assert stored != [("400",)]
    before = db.stat().st_mtime_ns
    r = cli("report", "weekly", "--config", str(cfg), "--week", "2022-W10", "--db", str(db), "--out", str(tmp_path))
    assert r.code == 0, r.err
    assert db.stat().st_mtime_ns == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT value FROM settings WHERE key = 'dormant_days'").fetchall() == stored
    assert "Sở Y tế" not in (tmp_path / "bao-cao-tuan-2022-W10.md").read_text(encoding="utf-8").split(
        "## Đơn vị có chuyên mục ngừng cập nhật")[1].split("##")[0]


def test_report_on_missing_db_is_a_clear_error(cli, tmp_path):
    r = cli("report", "weekly", "--db", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path))
    assert r.code == 1 and "no such database" in r.err
    assert not (tmp_path / "nope.duckdb").exists()


