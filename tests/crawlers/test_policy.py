"""The crawl's revisit, retry and budget rules (crawlers/policy.py), without Scrapy."""
from __future__ import annotations

from crawlers import policy


def test_validators_are_sent_unless_refetching() -> None:
    h = {"etag": '"abc"', "last_modified": "Tue, 01 Feb 2022 00:00:00 GMT"}
    assert policy.conditional_headers(h, False) == {"If-None-Match": '"abc"',
                                                    "If-Modified-Since": "Tue, 01 Feb 2022 00:00:00 GMT"}
    assert policy.conditional_headers(h, True) == {}
    assert policy.conditional_headers(None, False) == {}
    assert policy.conditional_headers({"etag": None, "last_modified": None}, False) == {}


def test_a_source_read_before_or_failing_gets_one_attempt() -> None:
    assert policy.source_attempts(None, False) == (False, False)           # new tonight: retried
    assert policy.source_attempts({"last_success_at": "x", "consecutive_failures": 0}, False) == (False, True)
    assert policy.source_attempts({"last_success_at": "x"}, True) == (False, False)   # a refetch retries
    assert policy.source_attempts({"last_success_at": None, "consecutive_failures": 2}, False) == (True, False)


def test_late_retry_once_and_not_for_one_attempt_sources() -> None:
    assert policy.late_retry_allowed({})
    assert not policy.late_retry_allowed({"late_retry": True})
    assert not policy.late_retry_allowed({"was_failing": True})
    assert not policy.late_retry_allowed({"reread": True})


def test_retry_backoff_doubles_up_to_a_cap() -> None:
    assert [policy.retry_delay(n, 1.0) for n in range(5)] == [0.0, 1.0, 2.0, 4.0, 8.0]
    assert policy.retry_delay(20, 1.0) == 60.0


def test_page_budget_counts_per_unit_and_stops() -> None:
    b = policy.PageBudget(2)
    assert [b.spend("a"), b.spend("a"), b.spend("a"), b.spend("b")] == [True, True, False, True]
    assert b.used == {"a": 2, "b": 1}
