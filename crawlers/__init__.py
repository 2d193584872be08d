"""The chuyenmuc Scrapy project: discover each unit's columns and collect its new articles.

Modules: settings (politeness, built from config), links (HTML -> categories, articles, pagination),
feeds (RSS/Atom and sitemaps -> article links), store (warehouse state and batched writes),
middlewares (proxy, per-unit offsite, page budget, cached robots.txt), spiders/units (the spider),
run (in-process runner used by `chuyenmuc crawl` and pipeline.crawl_job).
"""
