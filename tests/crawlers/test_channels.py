"""Issue #21 item 2: official channels read like feeds, conditionally, stored once, health rows kept.

A real HTTP server on 127.0.0.1 serves YouTube-style Atom feeds (ETag, Last-Modified, 304), a
malformed feed, a feed answering 500 and robots.txt; the warehouse is a real DuckDB made by `db init`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from crawlers.channels import ChannelSource, FetchSettings, read_channels
from registry import load_plan, load_units
from tests.conftest import PLAN, UNITS

LAST_MODIFIED = "Thu, 01 Dec 2022 03:00:00 GMT"


def atom(channel_id: str, items: list[tuple[str, str, str, str]]) -> bytes:
    """A YouTube channel feed: items are (video id, title, description, ISO date)."""
    entries = "".join(
        f"<entry><id>yt:video:{v}</id><yt:videoId>{v}</yt:videoId><title>{escape(t)}</title>"
        f'<link rel="alternate" href="https://www.youtube.com/watch?v={v}"/><published>{d}</published>'
        f"<media:group><media:title>{escape(t)}</media:title><media:description>{escape(x)}</media:description>"
        "</media:group></entry>" for v, t, x, d in items)
    return ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
            'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Kênh {channel_id}</title>{entries}</feed>").encode()


MALFORMED = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A & B</title><entry><title>x<b></title><link href='


@dataclass
class FeedWeb:
    """Paths -> bodies; every request logged as (path, If-None-Match, status)."""
    pages: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    robots: str = "User-agent: *\nDisallow: /private/\n"
    log: list[tuple[str, str | None, int]] = field(default_factory=list)


def _handler(web: FeedWeb) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            inm = self.headers.get("If-None-Match")
            if self.path == "/robots.txt":
                status, body = 200, web.robots.encode()
            else:
                status, body = web.pages.get(self.path, (404, b"not found"))
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if status == 200 and self.path != "/robots.txt" and inm == etag:
                web.log.append((self.path, inm, 304))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            web.log.append((self.path, inm, status))
            self.send_response(status)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            if status == 200:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
    return H


@pytest.fixture
def feedweb() -> Iterator[tuple[FeedWeb, str]]:
    web = FeedWeb()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _handler(web))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield web, f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def con(tmp_path: Path):
    from pipeline.setup_db import init_db
    from warehouse import connect
    db = tmp_path / "w.duckdb"
    init_db(db, load_plan(PLAN), load_units(UNITS))
    c = connect(db)
    yield c
    c.close()


SETTINGS = FetchSettings.from_crawl({"timeout": 10, "user_agent": "chuyenmuc-test", "retries": 0})
ITEMS = [("vid00000001", "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh", "Bản tin truyền hình.",
          "2022-11-20T02:00:00+00:00"),
         ("vid00000002", "Dự báo thời tiết cuối tuần", "Trời nắng.", "2022-11-21T02:00:00+00:00")]


def _chan(base: str, path: str, unit: str = "dai-ptth", name: str = "DRT") -> ChannelSource:
    return ChannelSource(f"ch-{unit}-{path[-2:]}", unit, "video-channel", name, base + path)


def _items(con) -> list[tuple]:
    return con.execute("SELECT url, channel_id, unit_id, kind, title, description, published_at, first_seen "
                       "FROM channel_items ORDER BY url").fetchall()


def _health(con, cid: str) -> dict:
    cols = [d[0] for d in con.execute("SELECT * FROM source_health LIMIT 0").description]
    row = con.execute("SELECT * FROM source_health WHERE source_id = ?", [cid]).fetchone()
    return dict(zip(cols, row, strict=True)) if row else {}


def test_items_are_stored_with_title_description_date_url_and_channel(feedweb, con) -> None:
    web, base = feedweb
    web.pages["/feeds/videos.xml?channel_id=UC01"] = (200, atom("UC01", ITEMS))
    ch = _chan(base, "/feeds/videos.xml?channel_id=UC01")
    counts = read_channels(con, [ch], SETTINGS, run_id=1)
    assert counts["new_items"] == 2 and counts["channels_failing"] == 0
    rows = _items(con)
    assert [r[0] for r in rows] == ["https://youtube.com/watch?v=vid00000001", "https://youtube.com/watch?v=vid00000002"]
    url, cid, unit, kind, title, desc, published, _ = rows[0]
    assert (cid, unit, kind) == (ch.channel_id, "dai-ptth", "video-channel")
    assert title.startswith("Học tập và làm theo") and desc == "Bản tin truyền hình."
    assert published == dt.datetime(2022, 11, 20, 2, tzinfo=dt.UTC)
    h = _health(con, ch.channel_id)
    assert (h["kind"], h["status"], h["last_http_status"], h["url"]) == ("channel", "ok", 200, ch.url)
    assert h["etag"] and h["last_modified"] == LAST_MODIFIED and h["last_new_article_at"] is not None


def test_the_second_night_is_a_304_and_stores_nothing_twice(feedweb, con) -> None:
    web, base = feedweb
    path = "/feeds/videos.xml?channel_id=UC02"
    web.pages[path] = (200, atom("UC02", ITEMS))
    ch = _chan(base, path)
    read_channels(con, [ch], SETTINGS, run_id=1)
    before = _items(con)
    etag = _health(con, ch.channel_id)["etag"]
    web.log.clear()
    counts = read_channels(con, [ch], SETTINGS, run_id=2)
    assert web.log == [(path, etag, 304)], "the validator of night 1 is sent and the feed answers 304"
    assert counts["not_modified"] == 1 and counts["new_items"] == 0
    assert _items(con) == before
    assert _health(con, ch.channel_id)["status"] == "ok"
    # a third night after the feed changed: only the new item is added; the others keep their first_seen
    web.pages[path] = (200, atom("UC02", [("vid00000003", "Tin mới", "Mô tả", "2022-11-22T02:00:00+00:00"), *ITEMS]))
    counts = read_channels(con, [ch], SETTINGS, run_id=3)
    assert counts["new_items"] == 1 and counts["items_seen"] == 3
    after = _items(con)
    assert len(after) == 3 and con.execute("SELECT count(DISTINCT url) FROM channel_items").fetchone()[0] == 3
    assert {r[0]: r[7] for r in before} == {r[0]: r[7] for r in after if r[0] in {b[0] for b in before}}
    # and a refetch (no validators) reads it in full, still without duplicates
    read_channels(con, [ch], SETTINGS, run_id=4, refetch=True)
    assert con.execute("SELECT count(*) FROM channel_items").fetchone()[0] == 3


def test_a_malformed_feed_is_a_health_row_and_the_others_are_still_read(feedweb, con) -> None:
    web, base = feedweb
    web.pages["/bad.xml"] = (200, MALFORMED)
    web.pages["/feeds/videos.xml?channel_id=UC03"] = (200, atom("UC03", ITEMS))
    bad, good = _chan(base, "/bad.xml", "ban-dan-toc", "BDT"), _chan(base, "/feeds/videos.xml?channel_id=UC03")
    counts = read_channels(con, [bad, good], SETTINGS, run_id=7)
    assert counts["channels_failing"] == 1 and counts["new_items"] == 2
    h = _health(con, bad.channel_id)
    assert (h["kind"], h["status"], h["consecutive_failures"]) == ("channel", "failing", 1)
    assert h["last_error_kind"] in ("feed-malformed", "feed-parse") and "malformed" in h["last_error"]
    assert not h["etag"], "a malformed feed is read in full again next night"
    errs = con.execute("SELECT stage, unit_id, url, kind FROM run_errors WHERE run_id = 7").fetchall()
    assert errs == [("channels", "ban-dan-toc", bad.url, h["last_error_kind"])]
    assert con.execute("SELECT count(*) FROM channel_items WHERE unit_id = 'ban-dan-toc'").fetchone()[0] == 0
    # still malformed the next night: the failure count grows, nothing else changes
    read_channels(con, [bad, good], SETTINGS, run_id=8)
    assert _health(con, bad.channel_id)["consecutive_failures"] == 2


def test_http_errors_and_robots_refusals_are_health_rows(feedweb, con) -> None:
    web, base = feedweb
    web.pages["/feeds/gone.xml"] = (500, b"oops")
    web.pages["/private/feed.xml"] = (200, atom("UC04", ITEMS))
    down, refused = _chan(base, "/feeds/gone.xml"), _chan(base, "/private/feed.xml", "so-tttt")
    counts = read_channels(con, [down, refused], SETTINGS)
    assert counts["channels_failing"] == 2 and counts["new_items"] == 0
    assert (_health(con, down.channel_id)["status"], _health(con, down.channel_id)["last_error_kind"]) == ("failing", "http-500")
    assert _health(con, refused.channel_id)["status"] == "disallowed"
    assert ("/private/feed.xml", None, 200) not in web.log, "robots.txt is obeyed: the refused feed is never fetched"


def test_not_a_feed_at_all_is_a_parse_error(feedweb, con) -> None:
    web, base = feedweb
    web.pages["/page.html"] = (200, "<html><body>Trang chủ</body></html>".encode())
    ch = _chan(base, "/page.html")
    read_channels(con, [ch], SETTINGS)
    h = _health(con, ch.channel_id)
    assert h["status"] == "failing" and h["last_error_kind"] in ("feed-parse", "feed-malformed")


def test_channel_items_are_tagged_once_per_model(feedweb, con) -> None:
    """Titles and descriptions go through the shipped theme model; a rerun scores nothing again."""
    from nlp.themes.model import ThemeModel
    from pipeline.channel_tag_job import tag_items
    from pipeline.tag_job import ensure_model
    from registry.config import load_config
    web, base = feedweb
    web.pages["/feeds/videos.xml?channel_id=UC05"] = (200, atom("UC05", ITEMS))
    read_channels(con, [_chan(base, "/feeds/videos.xml?channel_id=UC05")], SETTINGS)
    model: ThemeModel = ensure_model(load_config().path("model"), load_plan(PLAN))
    rows = con.execute("SELECT item_id, title, description FROM channel_items ORDER BY item_id").fetchall()
    tag_items(con, model, rows)
    n_scores = con.execute("SELECT count(*) FROM channel_item_scores").fetchone()[0]
    assert n_scores == len(rows) * len(model.theme_ids)
    tags = dict(con.execute("SELECT i.title, list(t.theme_id) FROM channel_items i JOIN channel_item_themes t "
                            "USING (item_id) GROUP BY 1").fetchall())
    assert "ho-chi-minh-study" in tags.get(ITEMS[0][1], []), tags
    assert ITEMS[1][1] not in tags, "a weather bulletin is off the plan's themes"
    tag_items(con, model, rows)  # the same items again: replaced, not added
    assert con.execute("SELECT count(*) FROM channel_item_scores").fetchone()[0] == n_scores


def _registry_with_channels(tmp_path: Path, channels: list[tuple[str, str]]) -> Path:
    """The shipped registry, opted in to a test web on 127.0.0.1, with these (unit_id, url) channels."""
    text = "allow_private_hosts = true\n" + UNITS.read_text(encoding="utf-8")
    for unit, url in channels:
        i = text.index(f'unit_id = "{unit}"')
        end = text.find("\n[[units]]", i)
        end = len(text) if end < 0 else end
        text = (text[:end].rstrip("\n") + f'\n\n[[units.channels]]\nkind = "video-channel"\nname = "Kênh {unit}"\n'
                f'url = "{url}"\nverified = true\nofficial_host = true\nevidence = [{{ url = "https://daklak.gov.vn/", '
                f'seen_on = 2022-12-01, note = "test" }}]\n' + text[end:])
    p = tmp_path / "units.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_nightly_job_reads_tags_and_counts_channels_and_a_bad_feed_is_not_a_failure(feedweb, tmp_path, cli) -> None:
    """`chuyenmuc nightly` end to end (the site crawl skipped): channel items stored, tagged, counted in
    the views of the published database; the malformed feed is a health row, the night is 'partial'."""
    from warehouse import connect
    web, base = feedweb
    web.pages["/feeds/videos.xml?channel_id=UC10"] = (200, atom("UC10", ITEMS))
    web.pages["/feeds/videos.xml?channel_id=UC11"] = (200, MALFORMED)
    reg = _registry_with_channels(tmp_path, [("dai-ptth", base + "/feeds/videos.xml?channel_id=UC10"),
                                             ("ban-dan-toc", base + "/feeds/videos.xml?channel_id=UC11")])
    db = tmp_path / "n.duckdb"
    args = ["nightly", "--db", str(db), "--units-file", str(reg), "--as-of", "2022-12-30",
            "--skip", "crawl", "--skip", "extract", "--skip", "weekly"]
    r = cli(*args)
    assert r.code == 3, r.out + r.err  # partial: a source (the malformed channel) is not ok
    assert "channels" in r.out and "new_items 2" in r.out
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT url) FROM channel_items").fetchone() == (2, 2)
        assert con.execute("SELECT count(DISTINCT item_id) FROM channel_item_scores").fetchone()[0] == 2
        acts = dict(con.execute("SELECT unit_id, channel_status FROM unit_activity WHERE channels > 0").fetchall())
        assert acts == {"dai-ptth": "on_theme", "ban-dan-toc": "unreachable"}
        weekly = con.execute("SELECT unit_id, theme_id, week, items FROM channel_activity_weekly").fetchall()
        assert ("dai-ptth", "ho-chi-minh-study", "2022-W46", 1) in weekly
        bad = con.execute("SELECT kind, status FROM source_health WHERE unit_id = 'ban-dan-toc'").fetchall()
        assert bad == [("channel", "failing")]
        assert con.execute("SELECT count(*) FROM coverage_weekly").fetchone()[0] == 0, "channels are not the column"
        assert con.execute("SELECT reach FROM column_status WHERE unit_id = 'dai-ptth'").fetchone()[0] != "ok"
    finally:
        con.close()
    web.log.clear()
    r = cli(*args)
    assert r.code == 3, r.out + r.err
    good = [x for x in web.log if x[0] == "/feeds/videos.xml?channel_id=UC10"]
    assert len(good) == 1 and good[0][1] and good[0][2] == 304, web.log
    assert not [x for x in web.log if x[0] == "/robots.txt"], "robots.txt is reused from robots_cache for a day"
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM channel_items").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM channel_item_themes").fetchone()[0] == \
            con.execute("SELECT count(DISTINCT (item_id, theme_id)) FROM channel_item_themes").fetchone()[0]
    finally:
        con.close()


def test_nightly_refuses_a_bad_channel_before_touching_the_database(tmp_path, cli) -> None:
    reg = _registry_with_channels(tmp_path, [("dai-ptth", "ftp://drt.daklak.gov.vn/feed.xml")])
    db = tmp_path / "n.duckdb"
    r = cli("nightly", "--db", str(db), "--units-file", str(reg), "--skip", "crawl")
    assert r.code == 2 and "channels[0]" in r.err and "not an http(s) URL" in r.err
    assert not db.exists() and not (tmp_path / "n.work.duckdb").exists()


@pytest.mark.parametrize("body", [b"\x00\xff\xfe garbage \x00", b"<?xml version='1.0'?><html><body>x</body></html>", b"",
                                  b"<rss version='2.0'><channel><item><title>t</item>" * 3])
def test_hostile_bodies_are_health_rows(feedweb, con, body) -> None:
    web, base = feedweb
    web.pages["/x.xml"] = (200, body)
    ch = _chan(base, "/x.xml")
    read_channels(con, [ch], SETTINGS)
    h = _health(con, ch.channel_id)
    assert h["status"] == "failing" and h["last_error_kind"] in ("feed-parse", "feed-malformed")
    assert con.execute("SELECT count(*) FROM channel_items").fetchone()[0] == 0


def test_a_feed_over_the_size_cap_is_refused(feedweb, con) -> None:
    web, base = feedweb
    web.pages["/big.xml"] = (200, atom("UC20", ITEMS * 50))
    ch = _chan(base, "/big.xml")
    read_channels(con, [ch], FetchSettings.from_crawl({"timeout": 10, "user_agent": "t", "retries": 0, "download_maxsize": 2000, "download_warnsize": 1000, "article_maxsize": 2000}))
    h = _health(con, ch.channel_id)
    assert (h["status"], h["last_error_kind"]) == ("failing", "too-large")
    assert con.execute("SELECT count(*) FROM channel_items").fetchone()[0] == 0
