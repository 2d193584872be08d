"""Measured request rates per site from a server's request log (timestamps), to check the limiter."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


def max_rate(times: Iterable[float], window_requests: int) -> float:
    """Highest rate over any `window_requests` consecutive requests: (k-1) / their time span."""
    ts = sorted(times)
    k = min(window_requests, len(ts))
    if k < 2:
        return 0.0
    best = 0.0
    for i in range(len(ts) - k + 1):
        span = ts[i + k - 1] - ts[i]
        best = max(best, (k - 1) / span if span > 0 else float("inf"))
    return best


def site_rates(log: Iterable[tuple[str, float]], window_seconds: float, limit: float) -> dict[str, float]:
    """Per site (host[:port]): the max rate over windows of about `window_seconds` at the limit."""
    by_site: dict[str, list[float]] = defaultdict(list)
    for site, ts in log:
        by_site[site].append(ts)
    k = max(2, int(round(window_seconds * limit)) + 1)
    return {s: round(max_rate(t, k), 3) for s, t in sorted(by_site.items())}
