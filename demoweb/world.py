"""The demo province as data: sites, categories, articles and faults, built deterministically.

Only metadata is built up front (fast: thousands of articles in well under a second); bodies are
generated when a page is rendered, from a per-article seed, so start-up stays quick and every run of
the same seed gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from demoweb import text
from nlp.fold import fold
from registry import Plan, Registry, load_plan, load_units

ROOT = Path(__file__).resolve().parents[1]
TZ = dt.timezone(dt.timedelta(hours=7))
START = dt.date(2021, 5, 1)
END = dt.date(2022, 12, 31)
DEFAULT_AS_OF = dt.date(2022, 12, 30)
NIGHT2 = dt.date(2022, 12, 31)
DORMANT_DAYS = 90

# Fixed fault placement (hosts do not depend on the seed, so docs and tests can name them).
FLAKY_HOST = "snnptnt.daklak.gov.vn"
SLOW_HOST = "sngv.daklak.gov.vn"
BAD_FEED_HOST = "drt.daklak.gov.vn"
ROBOTS_HOST = "sokhcn.daklak.gov.vn"
LANG_TRAP_HOST = "socongthuong.daklak.gov.vn"
CAL_TRAP_HOST = "buondon.daklak.gov.vn"
# Required units the crawler cannot see (issue 17): "not seen" is not "missing".
DOWN_HOST = "krongbuk.daklak.gov.vn"        # answers 503 to every request, every night
REFUSING_HOST = "eahleo.daklak.gov.vn"      # robots.txt disallows everything to every crawler
UNREACHABLE = {DOWN_HOST: "site-down", REFUSING_HOST: "robots-refused"}
SYNDICATION_ORIGIN = "cong-ttdt"
SYNDICATION_REPOSTERS = ("so-tttt", "so-noi-vu", "h-cu-kuin", "tx-buon-ho")
ARTICLE_FAULTS = {  # kind -> (unit_id, date)
    "charset-mismatch": ("so-tu-phap", dt.date(2022, 8, 9)),
    "legacy-encoding": ("h-ea-sup", dt.date(2022, 7, 14)),
    "mojibake": ("h-krong-bong", dt.date(2022, 9, 21)),
    "huge-page": ("so-xay-dung", dt.date(2022, 6, 2)),
    "oversized-page": ("so-tnmt", dt.date(2022, 10, 5)),
    "empty-body-pdf": ("so-ldtbxh", dt.date(2022, 5, 18)),
    "script-title": ("so-vhttdl", dt.date(2022, 10, 12)),
    "formula-title": ("so-gddt", dt.date(2022, 11, 3)),
}
WP_DEPARTMENTS = ("so-ngoai-vu", "thanh-tra-tinh", "ban-dan-toc")
LIFERAY_DISTRICTS = ("tp-buon-ma-thuot", "tx-buon-ho")

COLUMN_NAMES = (
    "Đưa Nghị quyết Đại hội XIII vào cuộc sống",
    "ĐƯA NGHỊ QUYẾT ĐẠI HỘI ĐẢNG VÀO CUỘC SỐNG",
    "Nghị quyết Đại hội Đảng các cấp đi vào cuộc sống",
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "Tuyên truyền Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XVII",
    "Thực hiện Nghị quyết Đại hội XIII của Đảng",
    "Chào mừng Đại hội Đảng các cấp",
    "Nghị quyết Đại hội Đảng bộ tỉnh đi vào cuộc sống",
    "đưa nghị quyết vào cuộc sống",
    "Nghị quyết Đại hội lần thứ XIII của Đảng",
)
FAMILY_CATEGORIES = {
    "liferay": (("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("thong-bao", "Thông báo"),
                ("van-ban-chi-dao-dieu-hanh", "Văn bản chỉ đạo điều hành"), ("cai-cach-hanh-chinh", "Cải cách hành chính")),
    "paper": (("thoi-su", "Thời sự"), ("kinh-te", "Kinh tế"), ("van-hoa-xa-hoi", "Văn hóa - Xã hội"),
              ("the-thao", "Thể thao"), ("phap-luat", "Pháp luật")),
    "wp": (("tin-tuc", "Tin tức - Sự kiện"), ("kinh-te", "Kinh tế"), ("van-hoa-xa-hoi", "Văn hóa - Xã hội"),
           ("thong-bao", "Thông báo"), ("nghi-quyet-hdnd", "Nghị quyết HĐND")),
}
TOPIC_CATEGORY = {  # topic -> preferred category slugs, first existing wins; fallback: the first (news)
    "sport": ("the-thao", "van-hoa-xa-hoi"), "culture": ("van-hoa-xa-hoi",),
    "traffic": ("phap-luat",), "prices": ("kinh-te",), "weather": (),
    "admin": ("thong-bao", "van-ban-chi-dao-dieu-hanh", "cai-cach-hanh-chinh", "nghi-quyet-hdnd"),
    "hdnd-act": ("nghi-quyet-hdnd", "van-ban-chi-dao-dieu-hanh", "thoi-su"),
    "socioeconomic-goals": ("kinh-te",),
}
NONE_WEIGHTS = (("sport", 3), ("culture", 3), ("traffic", 2), ("prices", 3), ("weather", 1), ("admin", 4),
                ("appointment", 2), ("hdnd-act", 1))
SECOND_THEME = {"emulation-movements": "exemplary-models", "covid-prevention": "socioeconomic-goals",
                "implementation-review": "socioeconomic-goals", "resolution-study": "resolution-content",
                "ho-chi-minh-study": "party-building", "elections-2021": "covid-prevention"}


def theme_weights(day: dt.date) -> list[tuple[str, int]]:
    """Realistic mix by date: elections and congress news early, economy and models in 2022."""
    if day < dt.date(2021, 5, 23):
        return [("elections-2021", 8), ("covid-prevention", 3), ("congress-results", 2), ("resolution-study", 2)]
    if day.year == 2021:
        w = [("covid-prevention", 12), ("resolution-study", 9), ("socioeconomic-goals", 8), ("party-building", 5),
             ("emulation-movements", 4), ("exemplary-models", 4), ("ho-chi-minh-study", 4),
             ("resolution-content", 3), ("central-plenums-na", 3), ("ideology-defense", 3)]
        if day < dt.date(2021, 8, 31):
            w += [("elections-2021", 10), ("congress-results", 4)]
        if day >= dt.date(2021, 10, 1):
            w += [("implementation-review", 5)]
        return w
    w = [("socioeconomic-goals", 14), ("exemplary-models", 7), ("ideology-defense", 4), ("party-building", 5),
         ("resolution-study", 4), ("implementation-review", 3), ("ho-chi-minh-study", 3), ("emulation-movements", 3),
         ("central-plenums-na", 2)]
    w.append(("covid-prevention", 10 if day < dt.date(2022, 7, 1) else 2))
    return w


def pick(rng: random.Random, weighted: list[tuple[str, int]] | tuple[tuple[str, int], ...]) -> str:
    names = [n for n, _ in weighted]
    return rng.choices(names, weights=[w for _, w in weighted], k=1)[0]


def slugify(title: str, limit: int = 70) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")
    return s[:limit].rstrip("-") or "bai-viet"


@dataclass
class Category:
    slug: str
    name: str
    is_column: bool = False
    opened: dt.date | None = None  # columns appear in the menu from this day
    closed: dt.date | None = None  # dormant columns stop being fed after this day
    disallowed: bool = False


@dataclass
class Article:
    art_id: int
    unit_id: str
    host: str
    category: str
    published: dt.datetime
    topics: tuple[str, ...]
    themes: tuple[str, ...]
    title: str
    path: str = ""
    text_key: str = ""
    repost_of: str | None = None  # original URL
    fault: str | None = None
    robots_allowed: bool = True

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path}"


@dataclass
class Site:
    unit_id: str
    name: str
    short: str
    kind: str
    host: str
    family: str
    categories: list[Category]
    profile: str  # active | dormant | missing-themed | missing-silent | not-required
    has_feed: bool
    has_sitemap: bool
    date_style: int
    articles: list[Article] = field(default_factory=list)  # newest first
    unreachable: str | None = None  # None | site-down | robots-refused (see UNREACHABLE)

    @property
    def column(self) -> Category | None:
        return next((c for c in self.categories if c.is_column), None)

    def category(self, slug: str) -> Category | None:
        return next((c for c in self.categories if c.slug == slug), None)

    # ---- URL scheme per CMS family --------------------------------------------------------------
    def category_path(self, slug: str, page: int = 1) -> str:
        if self.family == "liferay":
            base = f"/web/guest/{slug}"
            if page == 1:
                return base
            return (f"{base}?p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
                    f"&_101_delta=10&_101_cur={page}")
        if self.family == "paper":
            return f"/{slug}/" if page == 1 else f"/{slug}/?page={page}"
        return f"/category/{slug}/" if page == 1 else f"/category/{slug}/page/{page}/"

    def article_path(self, a: Article) -> str:
        slug = slugify(a.title)
        if self.family == "liferay":
            return f"/web/guest/{a.category}/-/view_content/{a.art_id}-{slug}"
        if self.family == "paper":
            return f"/{a.category}/{slug}-{a.art_id}.html"
        d = a.published
        return f"/{d.year:04d}/{d.month:02d}/{d.day:02d}/{slug}-{a.art_id}"

    @property
    def feed_path(self) -> str | None:
        if not self.has_feed:
            return None
        return {"liferay": "/web/guest/rss", "paper": "/rss/home.rss", "wp": "/feed/"}[self.family]

    @property
    def sitemap_path(self) -> str | None:
        if not self.has_sitemap:
            return None
        return "/wp-sitemap.xml" if self.family == "wp" else "/sitemap.xml"


@dataclass
class World:
    seed: int
    scale: int
    plan: Plan
    registry: Registry
    sites: dict[str, Site]  # by host
    faults: list[dict]

    def site_of_unit(self, unit_id: str) -> Site | None:
        return next((s for s in self.sites.values() if s.unit_id == unit_id), None)


def _family(unit_id: str, kind: str) -> str:
    if kind == "press":
        return "liferay" if unit_id == "cong-ttdt" else "paper"
    if kind == "district":
        return "liferay" if unit_id in LIFERAY_DISTRICTS else "wp"
    return "wp" if unit_id in WP_DEPARTMENTS else "liferay"


def _rand_time(rng: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, rng.randint(6, 21), rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50)),
                       tzinfo=TZ)


def _rand_day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


def build_world(scale: int = 1, seed: int = 7, registry_path: str | Path | None = None,
                plan_path: str | Path | None = None) -> World:
    """Everything but article bodies, for this seed and scale."""
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    plan = load_plan(plan_path or ROOT / "plans" / "daklak-2021.toml")
    reg = load_units(registry_path or ROOT / "units" / "daklak.toml")
    units = reg.with_sites()
    # Which units opened a column, and what became of it: seeded, in fixed proportions.
    required = [u for u in units if plan.requires_column(u.unit_id, u.kind)]
    order = sorted(required, key=lambda u: u.unit_id)
    random.Random(f"{seed}:profiles").shuffle(order)
    n = len(order)
    cut = [round(n * 0.45), round(n * 0.65), round(n * 0.85)]
    profiles: dict[str, str] = {}
    for i, u in enumerate(order):
        profiles[u.unit_id] = ("active" if i < cut[0] else "dormant" if i < cut[1]
                               else "missing-themed" if i < cut[2] else "missing-silent")
    fam_index: dict[str, int] = {}
    sites: dict[str, Site] = {}
    names = list(COLUMN_NAMES)
    random.Random(f"{seed}:colnames").shuffle(names)
    for ui, u in enumerate(units):
        host = u.site.host  # type: ignore[union-attr]
        family = _family(u.unit_id, u.kind)
        k = fam_index.get(family, 0)
        fam_index[family] = k + 1
        profile = profiles.get(u.unit_id, "not-required")
        if host in UNREACHABLE and profile in ("active", "dormant"):
            profile = "missing-themed"  # whatever it publishes, no crawler can see a column there
        cats = [Category(s, nm) for s, nm in FAMILY_CATEGORIES[family]]
        rng = random.Random(f"{seed}:site:{u.unit_id}")
        if profile in ("active", "dormant") or u.unit_id == "btg-tinh-uy":
            cname = names[ui % len(names)]
            if ui % 7 == 3:  # decomposed accents, as some CMS editors store them
                import unicodedata
                cname = unicodedata.normalize("NFD", cname)
            opened = _rand_day(rng, dt.date(2021, 5, 23), dt.date(2021, 9, 30))
            closed = _rand_day(rng, dt.date(2022, 2, 1), dt.date(2022, 7, 31)) if profile == "dormant" else None
            cats.append(Category(slugify(cname, 50), cname, True, opened, closed))
        if host == ROBOTS_HOST:
            cats.append(Category("noi-bo", "Thông tin nội bộ", disallowed=True))
        site = Site(u.unit_id, u.name, u.short_name, u.kind, host, family, cats, profile,
                    has_feed=family == "paper" or (family == "liferay" and k % 3 == 0) or (family == "wp" and k % 2 == 0),
                    has_sitemap=family == "paper" or (family == "liferay" and k % 2 == 1) or (family == "wp" and k % 3 == 0),
                    date_style=k % 2, unreachable=UNREACHABLE.get(host))
        sites[host] = site
        _fill_articles(site, rng, seed, scale)
    faults = _add_faults(sites, seed)
    _add_night2(sites, seed)
    _add_openings(sites, seed)
    for s in sites.values():
        s.articles.sort(key=lambda a: (a.published, a.art_id), reverse=True)
    return World(seed, scale, plan, reg, sites, faults)


def _new_article(site: Site, rng: random.Random, seed: int, day: dt.date, topics: tuple[str, ...],
                 themes: tuple[str, ...], category: str, when: dt.datetime | None = None) -> Article:
    art_id = 10000 + len(site.articles) * 7 + (sum(map(ord, site.host)) % 97) * 1000
    published = when or _rand_time(rng, day)
    key = f"{seed}:{site.host}:{art_id}"
    title, _ = text.title_for(random.Random(key), list(topics), text.unit_label(site.short, site.kind), published.year,
                              published.strftime("%d/%m/%Y"), text.home_place(site.short, site.kind))
    a = Article(art_id, site.unit_id, site.host, category, published, topics, themes, title, text_key=key)
    a.path = site.article_path(a)
    a.robots_allowed = site.unreachable != "robots-refused" and not (
        site.category(category) and site.category(category).disallowed)  # type: ignore[union-attr]
    site.articles.append(a)
    return a


def _category_for(site: Site, topic: str, rng: random.Random) -> str:
    prefs = [c for c in TOPIC_CATEGORY.get(topic, ()) if site.category(c) and not site.category(c).is_column]  # type: ignore[union-attr]
    if topic == "admin" and prefs:
        return rng.choice(prefs)
    return prefs[0] if prefs else site.categories[0].slug


def _theme_article(site: Site, rng: random.Random, seed: int, day: dt.date, to_column: bool | None) -> Article:
    main = pick(rng, theme_weights(day))
    themes = (main,)
    second = SECOND_THEME.get(main)
    if second and rng.random() < 0.2 and (second != "covid-prevention" or day.year == 2021):
        themes = (main, second)
    col = site.column
    in_window = col is not None and col.opened <= day and (col.closed is None or day <= col.closed)  # type: ignore[operator]
    if to_column is None:
        to_column = in_window and rng.random() < 0.6
    cat = col.slug if (to_column and col) else _category_for(site, main, rng)
    return _new_article(site, rng, seed, day, themes, themes, cat)


def _fill_articles(site: Site, rng: random.Random, seed: int, scale: int) -> None:
    base = rng.randint(5, 9)
    if site.kind == "press":  # the provincial paper publishes most
        base = rng.randint(55, 65) if site.unit_id == "bao-daklak" else rng.randint(22, 30)
    p_theme = {"active": 0.55, "dormant": 0.5, "missing-themed": 0.35, "missing-silent": 0.0,
               "not-required": 0.8}[site.profile]
    if site.kind == "press" and site.profile != "missing-silent":
        p_theme = 0.4
    for _ in range(base * scale):
        day = _rand_day(rng, START, END - dt.timedelta(days=1))
        if rng.random() < p_theme:
            _theme_article(site, rng, seed, day, None)
        else:
            topic = pick(rng, NONE_WEIGHTS)
            _new_article(site, rng, seed, day, (topic,), (), _category_for(site, topic, rng))
    col = site.column
    if col is not None:  # every column is fed at least a little while it lives
        hi = col.closed or dt.date(2022, 10, 31)
        for _ in range(2 * scale):
            _theme_article(site, rng, seed, _rand_day(rng, col.opened, hi), True)  # type: ignore[arg-type]
        if col.closed is None:  # an active column has something recent
            _theme_article(site, rng, seed, _rand_day(rng, dt.date(2022, 11, 1), dt.date(2022, 12, 29)), True)
    if site.host == ROBOTS_HOST:
        for i in range(3):
            _new_article(site, rng, seed, dt.date(2022, 4 + 2 * i, 11), ("party-building",), ("party-building",), "noi-bo")


def _add_faults(sites: dict[str, Site], seed: int) -> list[dict]:
    by_unit = {s.unit_id: s for s in sites.values()}
    faults: list[dict] = []
    for kind, (uid, day) in ARTICLE_FAULTS.items():
        site = by_unit[uid]
        rng = random.Random(f"{seed}:fault:{kind}")
        if kind in ("script-title", "formula-title", "empty-body-pdf"):
            a = _new_article(site, rng, seed, day, ("admin",), (), _category_for(site, "admin", rng))
            a.title = {"script-title": "Công bố kết quả <script>alert(1)</script> kiểm tra an toàn thông tin năm 2022",
                       "formula-title": '=HYPERLINK("https://example.invalid/x","Bấm vào đây") Lịch tiếp công dân tháng 11',
                       "empty-body-pdf": "Quyết định số 125/QĐ-SLĐTBXH ngày 18/5/2022 của Sở Lao động - Thương binh và Xã hội"}[kind]
            a.path = site.article_path(a)
        else:
            a = _new_article(site, rng, seed, day, ("covid-prevention",), ("covid-prevention",), site.categories[0].slug)
        a.fault = kind
        entry = {"kind": "huge-page" if kind == "oversized-page" else kind, "url": a.url, "host": site.host}
        if kind in ("huge-page", "oversized-page"):
            entry["bytes_at_least"] = 3_000_000 if kind == "huge-page" else 9_000_000
            entry["over_download_cap"] = kind == "oversized-page"
        faults.append(entry)
    # syndication: one provincial portal article reposted on several units' sites
    origin = by_unit[SYNDICATION_ORIGIN]
    rng = random.Random(f"{seed}:syndication")
    when = dt.datetime(2022, 9, 15, 9, 30, tzinfo=TZ)
    themes = ("socioeconomic-goals", "implementation-review")
    orig = _new_article(origin, rng, seed, when.date(), themes, themes, origin.categories[0].slug, when)
    for i, uid in enumerate(SYNDICATION_REPOSTERS):
        site = by_unit[uid]
        rp = _new_article(site, rng, seed, when.date(), themes, themes, site.categories[0].slug,
                          when + dt.timedelta(hours=3 + 5 * i))
        rp.title, rp.text_key, rp.repost_of = orig.title, orig.text_key, orig.url
        rp.path = site.article_path(rp)
    faults.append({"kind": "syndicated", "url": orig.url, "host": origin.host,
                   "reposts": [by_unit[u].articles[-1].url for u in SYNDICATION_REPOSTERS]})
    faults += [
        {"kind": "flaky-500", "url": f"https://{FLAKY_HOST}/", "host": FLAKY_HOST},
        {"kind": "slow-site", "url": f"https://{SLOW_HOST}/", "host": SLOW_HOST},
        {"kind": "malformed-feed", "url": f"https://{BAD_FEED_HOST}{sites[BAD_FEED_HOST].feed_path}", "host": BAD_FEED_HOST},
        {"kind": "robots-disallowed", "url": f"https://{ROBOTS_HOST}/web/guest/noi-bo", "host": ROBOTS_HOST},
        {"kind": "crawler-trap", "url": f"https://{LANG_TRAP_HOST}/web/guest/tin-tuc-su-kien/en", "host": LANG_TRAP_HOST,
         "trap": "language-switch"},
        {"kind": "crawler-trap", "url": f"https://{CAL_TRAP_HOST}/lich-cong-tac?month=2022-12", "host": CAL_TRAP_HOST,
         "trap": "calendar"},
        {"kind": "site-down", "url": f"https://{DOWN_HOST}/", "host": DOWN_HOST},
        {"kind": "robots-refused", "url": f"https://{REFUSING_HOST}/robots.txt", "host": REFUSING_HOST},
    ]
    return faults


def _add_openings(sites: dict[str, Site], seed: int) -> None:
    """Each dedicated column opens with an article on its opening day, as columns do ("Ra mắt
    chuyên mục ..."): so the day a column appeared can be read back from the archive, and a report for
    an earlier date sees the column exactly when a crawler on that night would have (own seed, added
    last: no other article changes)."""
    for host in sorted(sites):
        site = sites[host]
        col = site.column
        if col is None or col.opened is None:
            continue
        rng = random.Random(f"{seed}:opening:{site.unit_id}")
        main = pick(rng, theme_weights(col.opened))
        _new_article(site, rng, seed, col.opened, (main,), (main,), col.slug)


def _add_night2(sites: dict[str, Site], seed: int) -> None:
    """Articles of 31/12/2022: what a second night's crawl (--as-of 2022-12-31) must find."""
    rng = random.Random(f"{seed}:night2")
    healthy = sorted(h for h in sites if h not in (FLAKY_HOST, SLOW_HOST))
    chosen = ["baodaklak.vn", "daklak.gov.vn"] + rng.sample([h for h in healthy if h not in ("baodaklak.vn", "daklak.gov.vn")], 4)
    for i, host in enumerate(chosen):
        site = sites[host]
        if i % 2 == 0:
            _theme_article(site, rng, seed, NIGHT2, site.column is not None and site.column.closed is None)
        else:
            topic = pick(rng, NONE_WEIGHTS)
            _new_article(site, rng, seed, NIGHT2, (topic,), (), _category_for(site, topic, rng))
