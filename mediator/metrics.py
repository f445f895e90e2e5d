"""Prometheus metrics. Labels carry codes and outcomes only, never personal data."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

TURNS = Counter("mediator_turns_total", "Borrower turns processed", ["outcome"], registry=REGISTRY)
TURN_LATENCY = Histogram(
    "mediator_turn_seconds", "Whole borrower turn, request to stored reply", registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SERVICE_OVERHEAD = Histogram(
    "mediator_turn_overhead_seconds", "Turn time minus the mediator backend's own time", registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
)
GUARD_OUTCOMES = Counter("mediator_guard_outcomes_total", "Guard verdicts", ["author", "action"], registry=REGISTRY)
GUARD_CODES = Counter("mediator_guard_violations_total", "Guard findings", ["code"], registry=REGISTRY)
MODEL_ERRORS = Counter("mediator_model_errors_total", "Mediator backend failures", ["kind"], registry=REGISTRY)
ALERTS = Counter("mediator_alerts_total", "Alerts raised", ["kind"], registry=REGISTRY)
ALERT_LAG = Histogram("mediator_alert_lag_seconds", "Alert raised to consumed", registry=REGISTRY,
                      buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600))
OUTBOX_PENDING = Gauge("mediator_outbox_pending", "Outbox entries not yet on the bus", registry=REGISTRY)
