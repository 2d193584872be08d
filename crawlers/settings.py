"""Scrapy settings of the chuyenmuc crawler: polite by default; `build_settings` adds the config.

Used by crawlers.run (chuyenmuc crawl) and, with chuyenmuc.toml applied, by `scrapy list`/`scrapy crawl
units` (scrapy.cfg names pipeline.scrapy_project).
TLS: Scrapy does not verify server certificates (its default context factory); we keep that
default, which is also what lets the demo web's self-signed proxy certificate work. The crawler
only reads public pages and never sends credentials, so an unverified peer can at worst feed us
wrong public content, which the same-site and canonical-URL checks bound.
"""
from __future__ import annotations

from typing import Any

from registry import config as _config

BOT_NAME = "chuyenmuc"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

ROBOTSTXT_OBEY = True
ROBOTSTXT_TTL = 86400                     # seconds a warehouse-cached robots.txt is trusted
DOWNLOAD_DELAY_JITTER = 0.5              # ±50% around DOWNLOAD_DELAY (what RANDOMIZE_DOWNLOAD_DELAY did)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
RETRY_ENABLED = True
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0                  # seconds; retries wait base * 2^(n-1) (UnitScopeMiddleware)
REDIRECT_MAX_TIMES = 5
URLLENGTH_LIMIT = 400
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False             # Scrapy's remote consoles are off:
REMOTE_CONTROL_ENABLED = False            # 2.19 also starts an HTTP code-execution server by default
HTTPCACHE_ENABLED = False
LOG_LEVEL = "INFO"
DEFAULT_REQUEST_HEADERS = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                           "Accept-Language": "vi,en;q=0.5"}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.CachedRobotsTxtMiddleware": 100,
    "crawlers.middlewares.UnitScopeMiddleware": 110,
    "crawlers.middlewares.SiteCutoffMiddleware": 560,   # outside RetryMiddleware (550): sees every attempt
    "crawlers.middlewares.ProxyMiddleware": 740,
}

# the spider yields items (crawlers/items.py); this pipeline stores them in the crawl's DuckDB file.
# Scale-out workers use crawlers.pipelines.SpoolPipeline instead (RedisUnitsSpider.custom_settings).
ITEM_PIPELINES = {"crawlers.pipelines.DuckDBStorePipeline": 300}

# Scrapy's per-response overhead, measured (py-spy of a scale-5 crawl, 2026-12-03): the
# generator-return check parsed the callback's source with `ast` on every response (its cache is
# keyed on bound methods, new each time: 9.6 % of the crawl's CPU), and every response's output was
# handed to CONCURRENT_ITEMS (100) fresh asyncio tasks (7 %). Our callbacks return no values (the
# spider tests run them) and our item pipelines are synchronous, so neither buys anything here.
WARN_ON_GENERATOR_RETURN_VALUE = False
CONCURRENT_ITEMS = 4

CHUYENMUC_SITE_CUTOFF = 6  # consecutive transport failures after which a host is skipped for the night


def from_config(crawl: dict[str, Any], proxy: str | None = None) -> dict[str, Any]:
    """The Scrapy settings a `[crawl]` section sets. Keys it leaves out take the typed model's defaults
    (registry/config.py CrawlSection): the one place a crawl default is written."""
    c = {**_config.DEFAULTS["crawl"], **crawl}
    s = dict(
        USER_AGENT=str(c["user_agent"]).replace("{contact_url}", str(c["contact_url"])),
        CONCURRENT_REQUESTS_PER_DOMAIN=int(c["concurrent_per_site"]),
        CONCURRENT_REQUESTS=int(c["concurrent_total"]),
        DOWNLOAD_DELAY=float(c["download_delay"]),
        AUTOTHROTTLE_TARGET_CONCURRENCY=float(c["autothrottle_target"]),
        DOWNLOAD_MAXSIZE=int(c["download_maxsize"]),
        # article pages only (base64 images pasted into the body); everything else DOWNLOAD_MAXSIZE
        CHUYENMUC_ARTICLE_MAXSIZE=int(c["article_maxsize"]),
        DOWNLOAD_WARNSIZE=int(c["download_warnsize"]),
        DOWNLOAD_TIMEOUT=float(c["timeout"]),
        RETRY_TIMES=int(c["retries"]),
        CHUYENMUC_MAX_DEPTH=int(c["max_depth"]),
        CHUYENMUC_PAGE_BUDGET=int(c["page_budget_per_site"]),
        CHUYENMUC_LISTING_MAX_PAGES=int(c["listing_max_pages"]),
        CHUYENMUC_PROXY=(proxy if proxy is not None else c["proxy"]) or "",
    )
    # engine-level cap only: the spider caps link depth and pagination itself
    s["DEPTH_LIMIT"] = s["CHUYENMUC_MAX_DEPTH"] + s["CHUYENMUC_LISTING_MAX_PAGES"] + 2
    return s


def build_settings(crawl: dict[str, Any], proxy: str | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Module settings + the `[crawl]` config section (+ test overrides) as one Scrapy settings dict."""
    s = {k: v for k, v in globals().items() if k.isupper()}
    s.update(from_config(crawl, proxy))
    s.update(overrides or {})
    return s


# a complete Scrapy settings module on its own too: the config's defaults
globals().update(from_config({}))
