"""A small synthetic demo-web truth (same shape as demoweb's truth file) with known answers:
an active, a dormant, a missing column and one just opened with no article yet (active, as in the
demo web: dormancy counts from the column's opening when it has no article), a not-required unit, reposts, robots-disallowed
pages, late-night times that cross ISO weeks in UTC, and hostile titles."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

TZ = dt.timezone(dt.timedelta(hours=7))
AS_OF = dt.date(2022, 3, 15)
SCRIPT_TITLE = "<script>alert(1)</script> Tin tuyên truyền"
FORMULA_TITLE = '=HYPERLINK("http://x","y")'
THEMES_2021 = ["congress-results", "resolution-content", "resolution-study", "socioeconomic-goals",
               "ho-chi-minh-study", "covid-prevention", "party-building"]
THEMES_2022 = ["socioeconomic-goals", "exemplary-models", "covid-prevention"]

UNITS = [
    # unit_id, site, column (path, name) or None, expected status
    ("so-tttt", "https://stttt.daklak.gov.vn/", ("chuyen-muc/dua-nghi-quyet-vao-cuoc-song/", "Đưa Nghị quyết vào cuộc sống"), "active"),
    ("so-y-te", "https://syt.daklak.gov.vn/", ("chuyen-muc/nghi-quyet-dai-hoi/", "Nghị quyết Đại hội Đảng"), "dormant"),
    ("so-gddt", "https://sgddt.daklak.gov.vn/", ("chuyen-muc/hoc-tap-lam-theo-bac/", "Học tập và làm theo Bác"), "active"),
    ("h-lak", "https://lak.daklak.gov.vn/", None, "missing"),
    ("btg-tinh-uy", "https://tuyengiao.daklak.gov.vn/", None, "not_required"),
    ("bao-daklak", "https://baodaklak.vn/", ("chuyen-muc/dua-nghi-quyet-vao-cuoc-song/", "Đưa Nghị quyết vào cuộc sống"), "active"),
    ("h-ea-sup", "https://easup.daklak.gov.vn/", ("chuyen-muc/tuyen-truyen-dai-hoi/", "Tuyên truyền Đại hội"), "active"),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).isoformat()


def make_truth(seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    units, articles = [], []
    n = 0

    def add(unit: str, site: str, day: dt.date, column_url: str | None, *, hour: int | None = None,
            title: str | None = None, repost_of: str | None = None, robots: bool = True) -> dict:
        nonlocal n
        n += 1
        pool = THEMES_2021 if day.year == 2021 else THEMES_2022
        a = {"url": f"{site}tin-tuc/bai-{n}.html", "unit_id": unit,
             "published_at": _at(day, hour if hour is not None else rnd.choice([1, 8, 10, 15, 23])),
             "themes": rnd.sample(pool, rnd.choice([0, 1, 1, 2])), "repost_of": repost_of,
             "robots_allowed": robots, "column_url": column_url,
             "title": title or f"Bài {n} của {unit}: Nghị quyết đi vào cuộc sống"}
        articles.append(a)
        return a

    start = dt.date(2021, 6, 7)
    for unit, site, col, status in UNITS:
        col_url = site + col[0] if col else None
        units.append({"unit_id": unit, "site": site,
                      "column": {"url": col_url, "name": col[1]} if col else None, "column_status": status})
        other = site + "tin-tuc/"
        day = start
        while day <= AS_OF - dt.timedelta(days=2):
            if unit == "so-gddt":
                add(unit, site, day, other)                      # column exists but never fed
            elif unit == "so-y-te":
                add(unit, site, day, col_url if day < dt.date(2021, 11, 1) else other)
            elif unit in ("h-lak", "btg-tinh-uy"):
                add(unit, site, day, None if rnd.random() < 0.5 else other)
            else:
                add(unit, site, day, col_url)
                if unit == "h-ea-sup" and rnd.random() < 0.3:
                    add(unit, site, day, other, robots=False)   # a perfect crawler never sees it
            day += dt.timedelta(days=rnd.choice([3, 4, 5, 7]))
    # Monday 02:00 local is Sunday in UTC: the week must follow local time
    add("so-tttt", "https://stttt.daklak.gov.vn/", dt.date(2021, 7, 26), UNITS[0][1] and
        "https://stttt.daklak.gov.vn/" + UNITS[0][2][0], hour=2)
    # reposts: Báo Đắk Lắk republishes three of the department's articles
    originals = [a for a in articles if a["unit_id"] == "so-tttt"][:3]
    for o in originals:
        day = dt.date.fromisoformat(o["published_at"][:10]) + dt.timedelta(days=1)
        r = add("bao-daklak", "https://baodaklak.vn/", day, None, repost_of=o["url"], title="Đăng lại: " + o["title"])
        r["themes"] = list(o["themes"]) or ["congress-results"]
    # hostile titles, in week 2021-W30 with a theme so they show in reports
    for t in (SCRIPT_TITLE, FORMULA_TITLE):
        a = add("bao-daklak", "https://baodaklak.vn/", dt.date(2021, 7, 28),
                "https://baodaklak.vn/chuyen-muc/dua-nghi-quyet-vao-cuoc-song/", hour=9, title=t)
        a["themes"] = ["congress-results"]
    return {"seed": seed, "scale": "test", "as_of": AS_OF.isoformat(), "units": units, "articles": articles,
            "faults": [{"kind": "timeout", "url": "https://lak.daklak.gov.vn/rss"}]}


def local_week(published_at: str) -> str:
    y, w, _ = dt.datetime.fromisoformat(published_at).date().isocalendar()
    return f"{y}-W{w:02d}"


def expected_coverage(truth: dict[str, Any]) -> Counter:
    """(unit_id, theme_id, week) -> count over the articles a perfect crawler can fetch."""
    c: Counter = Counter()
    for a in truth["articles"]:
        if a["robots_allowed"]:
            for t in set(a["themes"]):
                c[(a["unit_id"], t, local_week(a["published_at"]))] += 1
    return c
