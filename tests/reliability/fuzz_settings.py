"""Hypothesis settings of this suite, applied per test (never as a global profile, which would change
other suites' hypothesis runs): sized so the non-slow suite stays fast on 2 cores; a fixed seed
unless RELIABILITY_RANDOM is set; RELIABILITY_EXAMPLES=N for a longer hunt."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

RELIABILITY = settings(
    deadline=None, max_examples=int(os.environ.get("RELIABILITY_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    derandomize=os.environ.get("RELIABILITY_RANDOM") is None,
)
