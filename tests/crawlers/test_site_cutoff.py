"""SiteCutoffMiddleware: a host that keeps failing is skipped for the rest of the night."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from twisted.internet.error import ConnectionRefusedError, TimeoutError

from crawlers.middlewares import CrawlIgnored, SiteCutoffMiddleware


def test_host_cut_after_consecutive_failures_and_reset_by_a_response():
    mw = SiteCutoffMiddleware(cutoff=3)
    dead = Request("https://dead.daklak.gov.vn/a")
    ok = Request("https://ok.daklak.gov.vn/a")
    mw.process_exception(dead, TimeoutError(), None)
    mw.process_exception(dead, ConnectionRefusedError(), None)
    # a response in between starts the count again
    mw.process_response(dead, HtmlResponse(dead.url, body=b"<html></html>"), None)
    mw.process_exception(dead, TimeoutError(), None)
    mw.process_exception(dead, TimeoutError(), None)
    mw.process_request(dead, None)  # 2 in a row: not yet
    mw.process_exception(dead, TimeoutError(), None)
    with pytest.raises(CrawlIgnored) as ei:
        mw.process_request(Request("https://dead.daklak.gov.vn/b"), None)
    assert ei.value.kind == "site-down"
    mw.process_request(ok, None)  # other hosts unaffected


def test_our_own_refusals_do_not_count():
    mw = SiteCutoffMiddleware(cutoff=1)
    r = Request("https://x.daklak.gov.vn/a")
    mw.process_exception(r, CrawlIgnored("page-budget", "budget"), None)
    mw.process_request(r, None)
