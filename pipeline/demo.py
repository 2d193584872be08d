"""`make demo`: the nightly job, twice, on the bundled offline demo province web.

Starts the demo web on a loopback port, runs `chuyenmuc nightly` through it into a fresh
data/demo.duckdb (night 1), serves the next day and runs again (night 2: incremental), writes the
ground truth of the last night to data/demo-truth.json, prints the weekly coverage-gap summary and a
check against the ground truth, then stops the demo web. Everything printed is computed here.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from pipeline import exitcodes
from pipeline.cli import main as cli_main
from pipeline.exitcodes import PARTIAL

DATA = Path("data")
DEMO_DB = DATA / "demo.duckdb"
TRUTH = DATA / "demo-truth.json"
DEMO_UNITS = DATA / "demo-units.toml"  # the shipped registry plus the demo web's official channels (#21)
NIGHT1 = dt.date(2022, 12, 30)
NIGHT2 = dt.date(2022, 12, 31)
SCALE = int(os.environ.get("CHUYENMUC_DEMO_SCALE", "1"))
SEED = int(os.environ.get("CHUYENMUC_DEMO_SEED", "7"))


def _night(label: str, web_proxy: str, as_of: dt.date, weekly: bool) -> int:
    print(f"\n### {label}: the web as of {as_of}", flush=True)
    args = ["nightly", "--db", str(DEMO_DB), "--proxy", web_proxy, "--as-of", as_of.isoformat(),
            "--units-file", str(DEMO_UNITS)]
    if weekly:
        args.append("--weekly")
    rc = cli_main(args)
    if rc not in (exitcodes.OK, exitcodes.PARTIAL):
        print(f"demo: {label} failed with exit code {rc}", file=sys.stderr)
    return rc


def main() -> int:
    from demoweb.server import DemoWeb
    from demoweb.truth import build_truth
    from warehouse.publish import work_path
    DATA.mkdir(exist_ok=True)
    work = work_path(DEMO_DB)
    for p in (DEMO_DB, Path(str(DEMO_DB) + ".wal"), work, Path(str(work) + ".wal"), work.with_name(work.name + ".published")):
        p.unlink(missing_ok=True)
    t0 = time.monotonic()
    from demoweb.channels import write_demo_registry
    from demoweb.world import ROOT, build_world
    write_demo_registry(DEMO_UNITS, build_world(1, SEED), ROOT / "units" / "daklak.toml")
    web = DemoWeb(scale=SCALE, seed=SEED, as_of=NIGHT1, registry_path=DEMO_UNITS)
    port = web.start(0)
    print(f"demo web: {web.proxy_url} (proxy for the demo province's sites), scale {SCALE}, seed {SEED}", flush=True)
    try:
        rc1 = _night("Night 1", web.proxy_url, NIGHT1, weekly=False)
        if rc1 not in (exitcodes.OK, exitcodes.PARTIAL):
            return rc1
        req1 = len(web.stats())
        web.reset_stats()
        web.set_as_of(NIGHT2)
        from warehouse import connect
        analyst = connect(DEMO_DB, read_only=True)  # an analyst's session left open through night 2
        runs_before = analyst.execute("SELECT count(*) FROM crawl_runs").fetchall()[0][0]
        rc2 = _night("Night 2", web.proxy_url, NIGHT2, weekly=True)
        runs_held = analyst.execute("SELECT count(*) FROM crawl_runs").fetchall()[0][0]
        analyst.close()
        fresh = connect(DEMO_DB, read_only=True)
        runs_after = fresh.execute("SELECT count(*) FROM crawl_runs").fetchall()[0][0]
        fresh.close()
        print(f"\nanalyst check: a read-only connection held open through night 2 kept answering "
              f"({runs_held} runs, as before the night: {runs_before}); a new connection sees {runs_after}")
        if rc2 not in (exitcodes.OK, exitcodes.PARTIAL):
            return rc2
        stats2 = web.stats()
    finally:
        web.stop()
    truth = build_truth(scale=SCALE, seed=SEED, as_of=NIGHT2, registry_path=DEMO_UNITS)
    TRUTH.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    _print_weekly()
    _print_truth_check(truth, req1, stats2)
    print(f"\ndatabase:      {DEMO_DB.resolve()} (published, read-only; the job writes {work.name} beside it)")
    print(f"ground truth:  {TRUTH.resolve()}")
    for f in _weekly_files_of_last_run():
        print(f"weekly report: {Path(f).resolve()}")
    if PARTIAL in (rc1, rc2):
        print("exit status 'partial' (3) is expected here: the demo web injects faults (dead sites, 5xx, "
              "timeouts, robots.txt refusals), and the job reports them instead of hiding them")
    print(f"demo finished in {time.monotonic() - t0:.0f} s (port {port} closed)")
    return 0


def _weekly_files_of_last_run() -> list[str]:
    """The weekly report files night 2 wrote (from its crawl_runs row), not whatever sorts last."""
    from warehouse import connect
    con = connect(DEMO_DB, read_only=True)
    try:
        row = con.execute("SELECT counts FROM crawl_runs WHERE command = 'nightly' ORDER BY run_id DESC LIMIT 1").fetchall()
    finally:
        con.close()
    counts = json.loads(row[0][0]) if row and row[0][0] else {}
    files = (counts.get("weekly") or {}).get("files") or []
    return [f for f in files if f.endswith(".html")] or files


def _print_weekly() -> None:
    from pipeline.reports.weekly import build_weekly, default_week, render_markdown
    from warehouse import connect
    con = connect(DEMO_DB, read_only=True)
    try:
        week = default_week(con)
        print("\n" + render_markdown(build_weekly(con, week)))
    finally:
        con.close()


def _print_truth_check(truth: dict, requests_night1: int, stats_night2: list[dict]) -> None:
    """Compare what the monitor found with the demo web's ground truth (all figures computed here)."""
    from nlp.urls import canonical_url
    from warehouse import connect
    con = connect(DEMO_DB, read_only=True)
    try:
        found_cols = {(u, canonical_url(url)) for u, url in con.execute(
            "SELECT unit_id, column_url FROM column_status WHERE column_url IS NOT NULL").fetchall()}
        status = dict(con.execute("SELECT unit_id, status FROM column_status").fetchall())
        stored = {r[0] for r in con.execute("SELECT url FROM articles").fetchall()}
        documents = {r[0] for r in con.execute("SELECT url FROM articles WHERE is_document").fetchall()}
        page_kind = dict(con.execute("SELECT url, extract_status FROM pages").fetchall())
        too_large = {r[0] for r in con.execute("SELECT url FROM run_errors WHERE kind = 'too-large'").fetchall()}
        n_new2 = con.execute("SELECT count(*) FROM articles a JOIN pages p ON p.page_id = a.article_id "
                             "WHERE p.run_id = (SELECT max(run_id) FROM crawl_runs)").fetchone()[0]
    finally:
        con.close()
    true_cols = {(u["unit_id"], canonical_url(u["column"]["url"])) for u in truth["units"] if u.get("column")}
    hits = len(found_cols & true_cols)
    agree = sum(1 for u in truth["units"] if status.get(u["unit_id"]) == u["column_status"])
    allowed = [a for a in truth["articles"] if a["robots_allowed"]]
    got = sum(1 for a in allowed if a["url"] in stored)
    why: dict[str, int] = {}
    for a in allowed:
        if a["url"] not in stored:
            reason = (f"stored as a {page_kind[a['url']]} page, not an article" if a["url"] in page_kind
                      else "over the download size cap" if a["url"] in {canonical_url(u) for u in too_large}
                      else "not fetched")
            why[reason] = why.get(reason, 0) + 1
    print("## Check against the demo web's ground truth")
    print(f"- dedicated columns found: {hits} of {len(true_cols)} in the truth; {len(found_cols - true_cols)} found that the truth does not list")
    print(f"- column status agrees with the truth for {agree} of {len(truth['units'])} units")
    print(f"- articles stored: {got} of {len(allowed)} the truth lists as allowed by robots.txt"
          + (" (the rest: " + "; ".join(f"{n} {r}" for r, n in sorted(why.items())) + ")" if why else ""))
    true_docs = [a["url"] for a in allowed if a.get("document")]
    print(f"- documents published as pages: {sum(1 for u in true_docs if u in documents)} of {len(true_docs)} "
          f"stored as publications flagged as documents; {len(documents - set(true_docs))} flagged that the truth does not list")
    for line in channel_check(truth):
        print(line)
    print(f"- requests: night 1 {requests_night1}, night 2 {len(stats_night2)} "
          f"({sum(1 for s in stats_night2 if s.get('status') == 304)} answered 304) for {n_new2} new articles")


def channel_check(truth: dict, db: Path = DEMO_DB) -> list[str]:
    """The official channels (issue #21) against the truth: every truth item stored once, tagged, and
    counted in channel_activity_weekly as its true themes say; the malformed feed a health row."""
    from warehouse import connect
    con = connect(db, read_only=True)
    try:
        stored = con.execute("SELECT url, count(*) FROM channel_items GROUP BY url").fetchall()
        scored = {r[0] for r in con.execute("SELECT DISTINCT i.url FROM channel_items i JOIN channel_item_scores s "
                                            "USING (item_id)").fetchall()}
        cells = {(u, t, w): n for u, t, w, n in con.execute(
            "SELECT unit_id, theme_id, week, items FROM channel_activity_weekly").fetchall()}
        health = {r[0]: r[1:] for r in con.execute(
            "SELECT url, status, last_error_kind FROM source_health WHERE kind = 'channel'").fetchall()}
        idle = {r[0] for r in con.execute("SELECT unit_name FROM unit_activity WHERE column_idle_channel_on_theme").fetchall()}
        names = dict(con.execute("SELECT unit_id, name FROM units").fetchall())
    finally:
        con.close()
    times = dict(stored)
    items = [(c, i) for c in truth.get("channels", []) for i in c["items"]]
    once = sum(1 for _, i in items if times.get(i["url"]) == 1)
    tagged = sum(1 for _, i in items if i["url"] in scored)
    want: dict[tuple[str, str, str], int] = {}
    for c, i in items:
        d = dt.datetime.fromisoformat(i["published_at"]).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
        for t in i["themes"]:
            key = (c["unit_id"], t, f"{d.isocalendar().year}-W{d.isocalendar().week:02d}")
            want[key] = want.get(key, 0) + 1
    units = {c["unit_id"] for c in truth.get("channels", [])}
    got = {k: v for k, v in cells.items() if k[0] in units}
    agree = sum(1 for k in set(want) | set(got) if want.get(k) == got.get(k))
    out = [f"- channel items stored: {once} of {len(items)} the truth lists, each once "
           f"({sum(times.values())} rows for {len(times)} URLs); tagged: {tagged} of {len(items)}",
           f"- channel activity (unit x theme x week) agrees with the truth for {agree} of {len(set(want) | set(got))} cells "
           f"({sum(want.values())} on-theme items in the truth, {sum(got.values())} counted)"]
    for c in truth.get("channels", []):
        if c.get("fault"):
            st, kind = health.get(c["url"], (None, None))
            out.append(f"- malformed channel feed of {names.get(c['unit_id'], c['unit_id'])}: health row "
                       f"{st or 'missing'} ({kind or '-'}); the night went on")
    as_of = dt.date.fromisoformat(truth["as_of"])
    col_truth = {u["unit_id"]: u["column_status"] for u in truth.get("units", [])}
    recent = {c["unit_id"] for c, i in items if i["themes"]
              and (as_of - dt.date.fromisoformat(i["published_at"][:10])).days < 90}
    truth_idle = sorted(names[u] for u in recent if col_truth.get(u) in ("dormant", "missing"))
    out.append(f"- column dormant or missing, channel on the plan's themes: {'; '.join(sorted(idle)) or 'none'} "
               f"(truth: {'; '.join(truth_idle) or 'none'})")
    return out


if __name__ == "__main__":
    sys.exit(main())
