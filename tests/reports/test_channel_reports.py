"""Issue #21 item 3: the units' official channels are counted beside the column, never inside it,
and the weekly and annual reports show, per unit, column activity and channel activity side by side.

The warehouse is the reports' synthetic one (a real DuckDB made by `db init`, filled from a truth
with known answers: so-y-te's column is dormant on 15/03/2022, h-lak has none, so-tttt's is active),
plus channels written as the channel crawl writes them.
"""
from __future__ import annotations

import datetime as dt
import json

import docx
import openpyxl
import pytest

from pipeline.reports.annual import build_annual, write_annual
from pipeline.reports.weekly import build_weekly, render_html, render_markdown
from warehouse.batch import write_rows
from warehouse.ids import url_id

TZ = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2022, 3, 15, 2, 0)
# (unit, channel status in the health row, [(day, hour, themes)])
CHANNELS = {
    "so-y-te": ("ok", [(dt.date(2022, 3, 8), 9, ["covid-prevention"]), (dt.date(2022, 3, 10), 14, []),
                       (dt.date(2022, 2, 20), 10, ["socioeconomic-goals", "covid-prevention"])]),
    "h-lak": ("ok", [(dt.date(2022, 3, 9), 8, [])]),
    "so-tttt": ("failing", []),
}


def add_channels(con) -> None:
    """Channel rows as `db init` and the channel crawl write them, and tags as the tag stage writes them."""
    chans, items, tags, health = [], [], [], []
    for unit, (status, posts) in CHANNELS.items():
        cid = f"ch-{unit}"
        url = f"https://www.youtube.com/feeds/videos.xml?channel_id=UC{unit}"
        chans.append(dict(channel_id=cid, unit_id=unit, kind="video-channel", name=f"Kênh video {unit}", url=url,
                          verified=True, official_host=False, registry_id="test", first_seen=NOW))
        health.append(dict(source_id=cid, unit_id=unit, kind="channel", url=url, status=status, last_attempt_at=NOW,
                           last_error_kind=None if status == "ok" else "feed-malformed",
                           last_error=None if status == "ok" else "malformed feed", last_error_at=None if status == "ok" else NOW,
                           consecutive_failures=0 if status == "ok" else 2, last_http_status=200))
        for k, (day, hour, themes) in enumerate(posts):
            u = f"https://youtube.com/watch?v={unit}-{k}"
            iid = url_id(u)
            items.append(dict(item_id=iid, url=u, channel_id=cid, unit_id=unit, kind="video-channel", guid=None,
                              title=f"Bản tin {k}", description="Mô tả", run_id=1, first_seen=NOW, last_seen=NOW,
                              published_at=dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)))
            tags += [dict(item_id=iid, theme_id=t, score=0.9, model_version="test", source="model", tagged_at=NOW) for t in themes]
    con.execute("BEGIN")
    write_rows(con, "channels", chans)
    write_rows(con, "source_health", health, mode="replace")
    write_rows(con, "channel_items", items)
    write_rows(con, "channel_item_themes", tags)
    con.execute("COMMIT")


@pytest.fixture
def names(con) -> dict[str, tuple[str, str]]:
    return {u: (n, s) for u, n, s in con.execute("SELECT unit_id, name, short_name FROM units").fetchall()}


def _snapshot(con) -> dict[str, list]:
    return {v: con.execute(f"SELECT * FROM {v} ORDER BY ALL").fetchall()
            for v in ("column_status", "coverage_weekly", "theme_gaps", "unit_volume_weekly", "article_facts")}


def test_channels_stay_out_of_the_column_views(con) -> None:
    """column_status (status, reach, counts), coverage_weekly, theme_gaps and the volume view are the
    website's alone: adding channels, their items, tags and health rows changes none of them."""
    before = _snapshot(con)
    add_channels(con)
    assert _snapshot(con) == before
    st = dict(con.execute("SELECT unit_id, channel_status FROM channel_status WHERE channels > 0").fetchall())
    assert st == {"so-y-te": "on_theme", "h-lak": "off_theme", "so-tttt": "unreachable"}
    cells = con.execute("SELECT unit_id, theme_id, week, items FROM channel_activity_weekly ORDER BY ALL").fetchall()
    assert cells == [("so-y-te", "covid-prevention", "2022-W07", 1), ("so-y-te", "covid-prevention", "2022-W10", 1),
                     ("so-y-te", "socioeconomic-goals", "2022-W07", 1)]
    idle = con.execute("SELECT unit_id FROM unit_activity WHERE column_idle_channel_on_theme").fetchall()
    assert idle == [("so-y-te",)], "a dormant column beside an on-theme channel is flagged"


def test_weekly_shows_column_and_channel_side_by_side(con, names) -> None:
    add_channels(con)
    s = build_weekly(con, "2022-W10")
    rows = {r["unit_id"]: r for r in s["channels"]}
    assert set(rows) == {"so-y-te", "h-lak", "so-tttt"}
    yt = rows["so-y-te"]
    assert (yt["column_status"], yt["channel_status"], yt["channel_items_week"], yt["channel_on_theme_week"]) == \
        ("dormant", "on_theme", 2, 1)
    assert yt["column_idle_channel_on_theme"] and not rows["h-lak"]["column_idle_channel_on_theme"]
    assert (rows["h-lak"]["column_status"], rows["h-lak"]["channel_status"]) == ("missing", "off_theme")
    assert rows["so-tttt"]["channel_status"] == "unreachable" and rows["so-tttt"]["column_status"] == "active"
    md = render_markdown(s)
    section = md.split("## Chuyên mục và kênh chính thức", 1)[1].split("\n## ", 1)[0]
    short = names["so-y-te"][1]
    on_site = con.execute("SELECT count(*) FROM article_facts WHERE unit_id = 'so-y-te' AND week = '2022-W10'").fetchone()[0]
    assert yt["column_articles_week"] == on_site, "the site's articles of the week, not the channel's items"
    assert f"| {short} | Ngừng cập nhật | {on_site} | Có tin đúng chủ đề gần đây | 2 (1) | 08/03/2022 09:00 |" in section
    assert f"| {names['h-lak'][1]} | Chưa mở chuyên mục | " in section and "Có tin gần đây, không đúng chủ đề" in section
    assert f"- {short} (Ngừng cập nhật; 2 tin đúng chủ đề)" in section
    assert not any(u in section for u in ("so-y-te", "h-lak", "so-tttt")), "names, never ids"
    html = render_html(s)
    table = html.split('<table id="channels">', 1)[1].split("</table>", 1)[0]
    assert short in table and "Có tin đúng chủ đề gần đây" in table and "08/03/2022" in table
    assert "channel-idle-column" in table
    todo = [x["text"] for x in s["todo"] if short in x["text"]]
    assert todo and todo[0].endswith("(kênh chính thức của đơn vị vẫn có tin đúng chủ đề)"), todo
    assert not [x for x in s["todo"] if names["h-lak"][1] in x["text"] and "kênh" in x["text"]]
    # the malformed channel is a source to fix like any other, named as a channel
    assert any(x["source_vi"] == "kênh chính thức" for p in s["crawl_problems"] for x in p["sources"])


def test_weekly_without_channels_says_so(con) -> None:
    s = build_weekly(con, "2022-W10")
    assert s["channels"] == []
    assert "Chưa có đơn vị nào đăng ký kênh chính thức." in render_markdown(s)


def test_annual_shows_column_and_channel_side_by_side(con, names, tmp_path) -> None:
    add_channels(con)
    rep = build_annual(con, 2022)
    f = rep["facts"]
    by = {u["unit_id"]: u for u in f["channel_units"]}
    assert set(by) == {"so-y-te", "h-lak", "so-tttt"}
    assert (by["so-y-te"]["channel_items"], by["so-y-te"]["channel_on_theme"]) == (3, 2)
    assert by["so-y-te"]["column_idle_channel_on_theme"] and by["so-y-te"]["status"] == "dormant"
    heads = [b.content for b in rep["blocks"] if b.kind == "h2"]
    assert "4. Tuyên truyền trên kênh chính thức của đơn vị" in heads
    i = next(k for k, b in enumerate(rep["blocks"]) if b.content == "4. Tuyên truyền trên kênh chính thức của đơn vị")
    intro, listing, idle = rep["blocks"][i + 1: i + 4]
    assert "4 tin" in intro.content and "2 tin đúng chủ đề" in intro.content and "tính riêng" in intro.content
    yt = next(x for x in listing.content if x.startswith(names["so-y-te"][0]))
    assert "chuyên mục: ngừng cập nhật (0 bài trong chuyên mục)" in yt
    assert "kênh chính thức: có tin đúng chủ đề gần đây (3 tin, trong đó 2 tin đúng chủ đề, gần nhất ngày 08/03/2022" in yt
    assert idle.content.endswith(f"{names['so-y-te'][1]}.") and "so-y-te" not in idle.content
    paths = write_annual(con, 2022, tmp_path)
    wb = openpyxl.load_workbook(paths["xlsx"])
    ws = wb["Kênh chính thức"]
    got = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    row = got[names["so-y-te"][0]]
    assert row[1:3] == ("Ngừng cập nhật", 0) and row[4:7] == ("Có tin đúng chủ đề gần đây", 3, 2)
    r = next(c.row for c in ws["A"] if c.value == names["so-y-te"][0])
    assert row[9] == "Có" and ws.cell(r, 9).number_format.startswith("dd/mm/yyyy")
    text = "\n".join(p.text for p in docx.Document(paths["docx"]).paragraphs)
    assert "4. Tuyên truyền trên kênh chính thức của đơn vị" in text and yt in text
    html = paths["html"].read_text(encoding="utf-8")
    assert "Chuyên mục và kênh chính thức của các đơn vị" in html and names["h-lak"][0] in html
    js = json.loads(paths["json"].read_text(encoding="utf-8"))
    ch = {u["unit_id"]: u["channel"] for u in js["units"]}
    assert ch["so-y-te"]["status"] == "on_theme" and ch["so-y-te"]["column_idle_channel_on_theme"] is True
    assert ch["so-tttt"]["status"] == "unreachable" and ch["so-gddt"]["status"] == "none"
