"""Benchmarks that print figures (``mediator bench …``); speed targets live here, not in tests."""

from __future__ import annotations

import statistics


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    s = sorted(samples)

    def pick(q: float) -> float:
        return s[min(len(s) - 1, round(q * (len(s) - 1)))]

    return {"p50": statistics.median(s), "p95": pick(0.95), "p99": pick(0.99), "max": s[-1]}
