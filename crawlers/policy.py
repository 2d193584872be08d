"""The crawl's revisit, retry and budget rules, as pure functions of what is known (no Scrapy, no I/O).

Kept apart from the spider so each rule is stated once and unit-tested (tests/crawlers/test_policy.py).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any


def conditional_headers(health: Mapping[str, Any] | None, refetch: bool) -> dict[str, str]:
    """Validators of a source read before (If-None-Match/If-Modified-Since): unchanged = 304, not parsed.
    A refetch reads everything in full."""
    headers: dict[str, str] = {}
    if health and not refetch:
        if health.get("etag"):
            headers["If-None-Match"] = health["etag"]
        if health.get("last_modified"):
            headers["If-Modified-Since"] = health["last_modified"]
    return headers


def source_attempts(health: Mapping[str, Any] | None, refetch: bool) -> tuple[bool, bool]:
    """(was_failing, reread) of a source. Either means one attempt a night, without retries (as Media
    Cloud's rss-fetcher does): a failure is recorded in its health row and the source is read again the
    next night. A server answering errors is often overloaded, and a missed re-read only delays what it
    would have found by one night: new articles also come through the site's other sources."""
    was_failing = bool(health and (health.get("consecutive_failures") or 0) > 0)
    reread = bool(health and health.get("last_success_at") and not refetch)
    return was_failing, reread


def late_retry_allowed(meta: Mapping[str, Any]) -> bool:
    """A failed request gets one more round at the end of the night: once, and not for a source already
    failing before, nor for a re-read of a source read before (see source_attempts)."""
    return not (meta.get("late_retry") or meta.get("was_failing") or meta.get("reread"))


def retry_delay(retry_times: int, base: float, cap: float = 60.0) -> float:
    """Seconds before retry n (1, 2, ...): base * 2^(n-1), at most `cap`; 0 for a first attempt."""
    return min(base * 2 ** (retry_times - 1), cap) if retry_times > 0 else 0.0


class PageBudget:
    """The page budget: at most `limit` requests per unit a night (CHUYENMUC_PAGE_BUDGET). The spider
    spends it before it makes an article request, the scope middleware for every request; `used` may
    be shared (scale-out keeps it in Redis)."""

    def __init__(self, limit: int, used: Any = None):
        self.limit = limit
        self.used: Any = Counter() if used is None else used

    @classmethod
    def from_settings(cls, settings: Any) -> PageBudget:
        return cls(settings.getint("CHUYENMUC_PAGE_BUDGET"))

    def spend(self, unit_id: str) -> bool:
        """Take one request from the unit's budget; False (nothing taken) once it is used up."""
        if self.used[unit_id] >= self.limit:
            return False
        self.used[unit_id] += 1
        return True
