"""The production path: a real Scrapy engine fetching http:// and https:// demo URLs through the proxy setting."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from demoweb.server import DemoWeb
from tests.conftest import ROOT

SPIDER = textwrap.dedent("""
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    proxy, urls = sys.argv[1], sys.argv[2:]
    got = []
    class S(scrapy.Spider):
        name = "demo"
        async def start(self):
            for u in urls:
                yield scrapy.Request(u, meta={"proxy": proxy}, dont_filter=True, errback=self.failed)
        def parse(self, r):
            got.append({"url": r.url, "status": r.status, "size": len(r.body)})
        def failed(self, f):
            got.append({"url": f.request.url, "error": f.type.__name__})
    p = CrawlerProcess({"LOG_LEVEL": "ERROR", "DOWNLOAD_MAXSIZE": 8_000_000, "TELNETCONSOLE_ENABLED": False,
                        "RETRY_ENABLED": False})
    p.crawl(S)
    p.start()
    print(json.dumps(got))
""")


def test_scrapy_crawls_http_and_https_through_the_proxy():
    with DemoWeb(slow_seconds=0) as web:
        truth = web.truth()
        over = next(f["url"] for f in truth["faults"] if f["kind"] == "huge-page" and f["over_download_cap"])
        urls = ["https://baodaklak.vn/", "http://stttt.daklak.gov.vn/robots.txt", truth["articles"][-1]["url"], over]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        p = subprocess.run([sys.executable, "-c", SPIDER, web.proxy_url, *urls], capture_output=True, text=True,
                           timeout=120, env=env, cwd=ROOT)
        assert p.returncode == 0, p.stderr[-2000:]
        got = {g["url"]: g for g in json.loads(p.stdout.strip().splitlines()[-1])}
        assert got["https://baodaklak.vn/"]["status"] == 200
        assert got["http://stttt.daklak.gov.vn/robots.txt"]["status"] == 200
        assert got[truth["articles"][-1]["url"]]["status"] == 200
        assert "error" in got[over]  # dropped by the download cap
        vias = {s["via"] for s in web.stats()}
        assert vias == {"proxy", "connect"}
