"""The analysts' views agree with the synthetic demo-web truth (a perfect crawl and perfect tags)."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from pipeline.reports.settings import set_setting
from tests.reports.truthgen import FORMULA_TITLE, expected_coverage, local_week
from tests.truth_load import load_truth_articles, load_truth_tags
from warehouse import clock
from warehouse.ids import url_id


def test_column_status_matches_truth_for_every_unit(con, truth):
    got = {r[0]: (r[1], r[2]) for r in con.execute("SELECT unit_id, status, column_url FROM column_status").fetchall()}
    for u in truth["units"]:
        want_url = u["column"]["url"] if u["column"] else None
        assert got[u["unit_id"]] == (u["column_status"], want_url), u["unit_id"]
    # registry units the truth does not list were never read: required ones that existed on the
    # reference date are 'unreachable' (not seen is not missing); units formed later (or merged away
    # before it) are 'not_required'
    listed = {u["unit_id"] for u in truth["units"]}
    others = con.execute("SELECT unit_id, c.requires_column, status, valid_from <= as_of AND coalesce(valid_to >= as_of, true) "
                         "FROM column_status c JOIN units USING (unit_id)").fetchall()
    for uid, req, status, existed in others:
        if uid not in listed:
            assert status == ("unreachable" if req and existed else "not_required"), uid
    assert dict((r[0], r[2]) for r in others)["so-nnmt"] == "not_required"  # formed 2025-03-01


def test_coverage_weekly_equals_truth_counts(con, truth):
    got = Counter({(u, t, w): n for u, t, w, n in
                   con.execute("SELECT unit_id, theme_id, week, articles FROM coverage_weekly").fetchall()})
    want = expected_coverage(truth)
    assert got == want
    # and the per unit x week totals the issue names
    tot_got, tot_want = Counter(), Counter()
    for (u, _t, w), n in got.items():
        tot_got[(u, w)] += n
    for (u, _t, w), n in want.items():
        tot_want[(u, w)] += n
    assert tot_got == tot_want


def test_weeks_follow_local_time_not_utc(con, truth):
    late = next(a for a in truth["articles"] if a["published_at"].endswith("T02:00:00+07:00")
                and a["unit_id"] == "so-tttt" and a["published_at"].startswith("2021-07-26"))
    con.execute("SET TimeZone = 'UTC'")  # an analyst's plain session must see the same weeks
    week = con.execute("SELECT week FROM article_facts WHERE article_id = ?", [url_id(late["url"])]).fetchone()[0]
    assert week == local_week(late["published_at"]) == "2021-W30"


def test_reposts_counted_and_flagged_apart(con, truth):
    reposts = [a for a in truth["articles"] if a["repost_of"]]
    assert reposts
    n = con.execute("SELECT sum(reposts), sum(articles - originals) FROM coverage_weekly WHERE unit_id = 'bao-daklak'").fetchone()
    want = sum(len(set(a["themes"])) for a in reposts)
    assert n[0] == n[1] == want
    row = con.execute("SELECT repost_of FROM articles WHERE article_id = ?", [url_id(reposts[0]["url"])]).fetchone()
    assert row[0] == url_id(reposts[0]["repost_of"])


def test_robots_disallowed_pages_are_not_loaded(con, truth):
    blocked = [url_id(a["url"]) for a in truth["articles"] if not a["robots_allowed"]]
    assert blocked
    n = con.execute("SELECT count(*) FROM articles WHERE list_contains(?, article_id)", [blocked]).fetchone()[0]
    assert n == 0


def test_dormant_days_setting_and_as_of_drive_the_status(con):
    def status(uid: str) -> str:
        return con.execute("SELECT status FROM column_status WHERE unit_id = ?", [uid]).fetchone()[0]
    assert status("so-y-te") == "dormant"
    set_setting(con, "dormant_days", 400)
    assert status("so-y-te") == "active"
    assert status("so-gddt") == "active"   # opened (first seen) on as_of, no article yet
    con.execute("UPDATE unit_columns SET first_seen = TIMESTAMP '2021-01-04' WHERE unit_id = 'so-gddt'")
    assert status("so-gddt") == "dormant"  # never fed for more than dormant_days since it was seen
    set_setting(con, "dormant_days", 90)
    set_setting(con, "as_of", dt.date(2021, 11, 15))
    assert status("so-y-te") == "active"
    con.execute("DELETE FROM settings WHERE key = 'as_of'")
    assert con.execute("SELECT as_of FROM report_params").fetchone()[0] == clock.today()  # the province's today


def test_column_status_windows_and_outside_counts(con, truth):
    row = con.execute("""SELECT articles_30d, articles_90d, last_article_at, on_theme_outside_column, as_of
                         FROM column_status WHERE unit_id = 'so-tttt'""").fetchone()
    as_of = row[4]
    col = next(u["column"]["url"] for u in truth["units"] if u["unit_id"] == "so-tttt")
    dates = [dt.datetime.fromisoformat(a["published_at"]).date() for a in truth["articles"]
             if a["column_url"] == col]
    assert row[0] == sum(1 for d in dates if as_of - dt.timedelta(30) < d <= as_of)
    assert row[1] == sum(1 for d in dates if as_of - dt.timedelta(90) < d <= as_of)
    outside = sum(1 for a in truth["articles"] if a["unit_id"] == "h-lak" and a["themes"])
    assert con.execute("SELECT on_theme_outside_column FROM column_status WHERE unit_id = 'h-lak'").fetchone()[0] == outside


def test_theme_gaps_names_required_units_that_did_not_cover(con, truth):
    rows = con.execute("""SELECT theme_id, units_covering, required_units, required_units_not_covering
                          FROM theme_gaps WHERE period_id = '2021'""").fetchall()
    by = {r[0]: r for r in rows}
    # no truth article carries 'elections-2021': every required unit is listed as not covering
    assert by["elections-2021"][1] == 0
    assert len(by["elections-2021"][3]) == by["elections-2021"][2] > 0
    covering = {a["unit_id"] for a in truth["articles"] if "congress-results" in a["themes"] and a["robots_allowed"]
                and "2021-05-23" <= a["published_at"][:10] <= "2021-12-31"}
    assert by["congress-results"][1] == len(covering)
    assert not covering & set(by["congress-results"][3])
    assert "h-lak" in covering and "h-lak" not in by["congress-results"][3]
    assert "so-tu-phap" in by["congress-results"][3]


def test_unit_volume_weekly_flags_a_drop(con):
    # remove all but one of so-tttt's articles from three weeks: those weeks drop below 0.25 x best weeks
    con.execute("""DELETE FROM articles WHERE unit_id = 'so-tttt'
                   AND CAST(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE) BETWEEN DATE '2021-09-06' AND DATE '2021-09-26'""")
    con.execute("""INSERT INTO articles (article_id, url, unit_id, published_at)
                   SELECT 1000000 + i, 'https://stttt.daklak.gov.vn/x/' || i, 'so-tttt', TIMESTAMPTZ '2021-08-10 09:00:00+07'
                   FROM range(12) t(i)""")
    rows = dict(con.execute("""SELECT week, volume_drop FROM unit_volume_weekly WHERE unit_id = 'so-tttt'""").fetchall())
    assert rows["2021-W36"] and rows["2021-W37"] and rows["2021-W38"]
    assert not rows["2021-W32"]
    weeks = con.execute("SELECT count(*), count(DISTINCT week) FROM unit_volume_weekly WHERE unit_id='so-tttt'").fetchone()
    assert weeks[0] == weeks[1]  # one row per week, zero weeks included


def test_source_health_summary(con):
    r = con.execute("SELECT sources, failing, health, last_error FROM source_health_summary WHERE unit_id = 'h-lak'").fetchone()
    assert r == (1, 1, "failing", "<b>timeout</b> after 20 s")
    assert con.execute("SELECT health FROM source_health_summary WHERE unit_id = 'so-tttt'").fetchone()[0] == "ok"


def test_truth_reload_never_duplicates(con, truth):
    before = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_themes), "
                         "(SELECT count(*) FROM unit_columns)").fetchone()
    load_truth_articles(con, truth)
    load_truth_tags(con, truth)
    after = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_themes), "
                        "(SELECT count(*) FROM unit_columns)").fetchone()
    assert before == after
    title = con.execute("SELECT title FROM articles WHERE title LIKE '=HYPERLINK%'").fetchone()[0]
    assert title == FORMULA_TITLE


def test_truth_with_unknown_unit_is_rejected(con, truth):
    from tests.truth_load import TruthError
    bad = dict(truth, units=[{"unit_id": "nope", "site": "x", "column": None, "column_status": "missing"}])
    with pytest.raises(TruthError, match="nope"):
        load_truth_articles(con, bad)


def test_documents_are_publications_in_column_status_and_coverage(con):
    """A document published as a page (issue 20) counts as a publication of its column, and the views
    say how many of those publications were documents."""
    aid, unit, col = con.execute(
        "SELECT f.article_id, f.unit_id, f.column_id FROM article_facts f JOIN column_status c "
        "ON c.column_id = f.column_id JOIN article_themes t ON t.article_id = f.article_id "
        "ORDER BY f.published_at DESC LIMIT 1").fetchone()
    before = con.execute("SELECT column_articles, column_documents FROM column_status WHERE unit_id = ?", [unit]).fetchone()
    assert before[1] == 0
    con.execute("UPDATE articles SET is_document = true WHERE article_id = ?", [aid])
    after = con.execute("SELECT column_articles, column_documents FROM column_status WHERE unit_id = ?", [unit]).fetchone()
    assert after == (before[0], 1)
    assert con.execute("SELECT is_document FROM article_facts WHERE article_id = ?", [aid]).fetchone()[0] is True
    assert con.execute("SELECT sum(documents) FROM coverage_weekly WHERE unit_id = ?", [unit]).fetchone()[0] >= 1
