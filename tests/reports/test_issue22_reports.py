"""Issue 22, the report parts: a `$...$` in a unit name is drawn literally (no mathtext failure),
and a second plan in the same warehouse keeps each plan's rows apart in every view."""
from __future__ import annotations

import dataclasses

from pipeline.reports import charts
from pipeline.reports.weekly import build_weekly, render_html


def test_dollar_signs_in_unit_names_do_not_break_the_weekly_report(con):
    con.execute("UPDATE units SET short_name = 'Sở $\\frac{1}{0}$ Tài chính $x^$' WHERE unit_id = 'so-tttt'")
    s = build_weekly(con, "2021-W30")
    assert any("$" in u for u in s["heatmap"]["units"])
    html = render_html(s)  # used to raise ValueError from mathtext
    assert "Sở $\\frac{1}{0}$ Tài chính $x^$" in html
    png = charts.heatmap_png([[1, 0]], ["$x^$", "a $ b"], ["$\\alpha$", "t"], "$bad")
    assert png.startswith(b"\x89PNG")
    assert charts.bar_png({"$x^$": 1}, "$", "$").startswith(b"\x89PNG")


def test_second_plan_keeps_rows_apart(db):
    from pipeline.setup_db import init_db
    from registry import load_plan, load_units
    from tests.conftest import PLAN, UNITS
    from warehouse import connect
    plan = load_plan(PLAN)
    con = connect(db)
    before = {r[0]: r[1] for r in con.execute(
        "SELECT plan_id, count(*) FROM theme_gaps GROUP BY plan_id").fetchall()}
    con.close()
    other = dataclasses.replace(plan, plan_id="daklak-2026", title="Kế hoạch khác",
                                themes=tuple(dataclasses.replace(t, title=t.title + " (2026)") for t in plan.themes))
    init_db(db, other, load_units(UNITS))
    con = connect(db)
    try:
        got = {r[0]: r[1] for r in con.execute("SELECT plan_id, count(*) FROM theme_gaps GROUP BY plan_id").fetchall()}
        assert got == {**before, "daklak-2026": before["daklak-2021"]}
        # no duplicated (plan, period, theme) row, and each plan shows its own theme titles
        dup = con.execute("""SELECT plan_id, period_id, theme_id, count(*) FROM theme_gaps GROUP BY ALL
                             HAVING count(*) > 1""").fetchall()
        assert dup == []
        titles = dict(con.execute("SELECT plan_id, min(theme_title) FILTER (WHERE theme_id = 'covid-prevention') "
                                  "FROM theme_gaps GROUP BY plan_id").fetchall())
        assert titles["daklak-2026"].endswith("(2026)") and not titles["daklak-2021"].endswith("(2026)")
        assert con.execute("SELECT count(*) FROM themes WHERE theme_id = 'covid-prevention'").fetchone()[0] == 2
    finally:
        con.close()
    init_db(db, plan, load_units(UNITS))  # reloading the first plan changes neither plan's rows
    con = connect(db)
    try:
        again = {r[0]: r[1] for r in con.execute("SELECT plan_id, count(*) FROM theme_gaps GROUP BY plan_id").fetchall()}
        assert again == got
        # a report speaks for the plan in force: the weekly summary's themes are not doubled
        s = build_weekly(con, "2021-W30")
        assert len(s["heatmap"]["themes"]) == len(set(s["heatmap"]["themes"])) == 13
    finally:
        con.close()
