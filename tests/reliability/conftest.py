"""Reliability suite settings: hypothesis budgets sized so the non-slow suite stays fast on 2 cores."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "reliability", deadline=None, max_examples=int(os.environ.get("RELIABILITY_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
    derandomize=os.environ.get("RELIABILITY_RANDOM") is None,
)
settings.load_profile("reliability")
