"""Scrapy settings of the chuyenmuc crawler: polite by default; `build_settings` adds the config.

Used by `scrapy list`/`scrapy crawl units` (via scrapy.cfg) and by crawlers.run (chuyenmuc crawl).
TLS: Scrapy does not verify server certificates (its default context factory); we keep that
default, which is also what lets the demo web's self-signed proxy certificate work. The crawler
only reads public pages and never sends credentials, so an unverified peer can at worst feed us
wrong public content, which the same-site and canonical-URL checks bound.
"""
from __future__ import annotations

from typing import Any

BOT_NAME = "chuyenmuc"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

ROBOTSTXT_OBEY = True
ROBOTSTXT_TTL = 86400                     # seconds a warehouse-cached robots.txt is trusted
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
DOWNLOAD_DELAY_JITTER = 0.5                # ±50% around DOWNLOAD_DELAY (what RANDOMIZE_DOWNLOAD_DELAY did)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 8_000_000
CHUYENMUC_ARTICLE_MAXSIZE = 32_000_000  # article pages only (pasted base64 images); everything else DOWNLOAD_MAXSIZE
DOWNLOAD_WARNSIZE = 2_000_000
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0                  # seconds; retries wait base * 2^(n-1) (UnitScopeMiddleware)
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 40                          # engine-level cap; pagination is capped by CHUYENMUC_LISTING_MAX_PAGES
URLLENGTH_LIMIT = 400
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False             # Scrapy's remote consoles are off:
REMOTE_CONTROL_ENABLED = False            # 2.19 also starts an HTTP code-execution server by default
HTTPCACHE_ENABLED = False
LOG_LEVEL = "INFO"
USER_AGENT = "chuyenmuc/0.1 (+https://example.invalid/chuyenmuc/crawler-info; provincial media monitor)"
DEFAULT_REQUEST_HEADERS = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                           "Accept-Language": "vi,en;q=0.5"}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.CachedRobotsTxtMiddleware": 100,
    "crawlers.middlewares.UnitScopeMiddleware": 110,
    "crawlers.middlewares.SiteCutoffMiddleware": 560,   # outside RetryMiddleware (550): sees every attempt
    "crawlers.middlewares.ProxyMiddleware": 740,
}

CHUYENMUC_PROXY = ""
CHUYENMUC_PAGE_BUDGET = 1500
CHUYENMUC_SITE_CUTOFF = 6  # consecutive transport failures after which a host is skipped for the night
CHUYENMUC_LISTING_MAX_PAGES = 30
CHUYENMUC_MAX_DEPTH = 5


def build_settings(crawl: dict[str, Any], proxy: str | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Module settings + the `[crawl]` config section (+ test overrides) as one Scrapy settings dict."""
    s = {k: v for k, v in globals().items() if k.isupper()}
    ua = str(crawl.get("user_agent", USER_AGENT)).replace("{contact_url}", str(crawl.get("contact_url", "")))
    s.update(
        USER_AGENT=ua,
        CONCURRENT_REQUESTS_PER_DOMAIN=int(crawl.get("concurrent_per_site", 2)),
        CONCURRENT_REQUESTS=int(crawl.get("concurrent_total", 16)),
        DOWNLOAD_DELAY=float(crawl.get("download_delay", 0.25)),
        AUTOTHROTTLE_TARGET_CONCURRENCY=float(crawl.get("autothrottle_target", 2.0)),
        DOWNLOAD_MAXSIZE=int(crawl.get("download_maxsize", DOWNLOAD_MAXSIZE)),
        DOWNLOAD_WARNSIZE=int(crawl.get("download_warnsize", DOWNLOAD_WARNSIZE)),
        CHUYENMUC_ARTICLE_MAXSIZE=int(crawl.get("article_maxsize", CHUYENMUC_ARTICLE_MAXSIZE)),
        DOWNLOAD_TIMEOUT=float(crawl.get("timeout", 20)),
        RETRY_TIMES=int(crawl.get("retries", 2)),
        CHUYENMUC_MAX_DEPTH=int(crawl.get("max_depth", 5)),
        CHUYENMUC_PAGE_BUDGET=int(crawl.get("page_budget_per_site", 1500)),
        CHUYENMUC_LISTING_MAX_PAGES=int(crawl.get("listing_max_pages", 30)),
        CHUYENMUC_PROXY=(proxy if proxy is not None else crawl.get("proxy", "")) or "",
    )
    s["DEPTH_LIMIT"] = s["CHUYENMUC_MAX_DEPTH"] + s["CHUYENMUC_LISTING_MAX_PAGES"] + 2
    s["CHUYENMUC_MANAGED"] = True  # the spider then leaves settings alone (see UnitsSpider.update_settings)
    s.update(overrides or {})
    return s
