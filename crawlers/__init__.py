"""The chuyenmuc Scrapy project: discover each unit's columns and collect its new articles.

Modules: settings (politeness, built from config), links (HTML -> categories, articles, pagination),
feeds (RSS/Atom and sitemaps -> article links), store (warehouse state and batched writes),
middlewares (proxy, per-unit offsite, page budget, retry backoff, cached robots.txt),
spiders/units (the spider), run (in-process runner used by `chuyenmuc crawl` and pipeline.crawl_job).

Choices worth knowing:
- Every request goes through `crawl.proxy` / `--proxy` when set (robots.txt too). Offsite checks use
  the request's host and the unit's own domains, so a proxy never makes a foreign host "onsite".
- TLS certificates are not verified (Scrapy's default, kept): we only read public pages and the
  demo web's proxy presents a self-signed certificate.
- robots.txt is cached in the warehouse (table robots_cache, migration 005) and trusted for
  ROBOTSTXT_TTL = 24 h; after that it is re-read conditionally (ETag / Last-Modified). So a second run
  within a day makes no robots.txt request; a nightly schedule makes one (usually 304) per host,
  which counts like a source request.
- Requests per night: one conditional GET per source (home page, feed, sitemap, category listing),
  the listings' next pages only while their last item is new, and one GET per new article. Stored
  pages are never fetched again unless `--refetch`. Server errors are retried with exponential
  backoff, then once more at the end of the crawl (late retry); sources that already failed the
  night before get a single attempt.
- Every fault ends as a source_health row (status ok | failing | dead | disallowed) or a run_errors row
  (kind: http-NNN, timeout, dns, connection, too-large, feed-parse, feed-malformed, sitemap-parse,
  robots-disallowed, offsite, trap-url, page-budget, listing-max-pages, transient, robots-unreachable).
"""
