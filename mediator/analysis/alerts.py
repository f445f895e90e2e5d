"""Which supervisor alerts a borrower message raises (the service delivers them).

Hard triggers come first (a complaint threat, a vulnerability, a blocked reply), then
the risk threshold. Severities and reasons are data in ``risk.yaml`` ``alerts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mediator.analysis.risk import RiskAssessment
from mediator.domain import MessageAnalysis

ALERT_KINDS: tuple[str, ...] = ("complaint_threat", "vulnerability", "guardrail_block", "risk_threshold")


@dataclass(frozen=True, slots=True)
class AlertTrigger:
    """One reason to alert a supervisor; the service de-duplicates per conversation and kind."""

    kind: str
    reason: str
    severity: str


class AlertPolicy:
    """Turns an analysis and a conversation risk into the alert triggers they raise."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec = {kind: dict(spec.get(kind) or {}) for kind in ALERT_KINDS}

    def _trigger(self, kind: str, detail: str = "", severity: str | None = None) -> AlertTrigger:
        spec = self._spec[kind]
        reason = str(spec.get("reason", kind))
        return AlertTrigger(
            kind=kind,
            reason=f"{reason}: {detail}" if detail else reason,
            severity=severity or str(spec.get("severity", "medium")),
        )

    def triggers(
        self, a: MessageAnalysis, conv: RiskAssessment, threshold: float, guardrail_blocked: bool = False
    ) -> list[AlertTrigger]:
        out: list[AlertTrigger] = []
        if "COMPLAINT_THREAT" in a.intents:
            out.append(self._trigger("complaint_threat"))
        if "VULNERABILITY" in a.intents:
            out.append(self._trigger("vulnerability"))
        if guardrail_blocked:
            out.append(self._trigger("guardrail_block"))
        risk = max(a.complaint_risk, conv.score)
        if risk >= threshold:
            spec = self._spec["risk_threshold"]
            high = risk >= float(spec.get("high_at", 1.1))
            reasons = conv.reasons if conv.score >= a.complaint_risk else a.reasons
            detail = f"{risk:.2f} >= {threshold:.2f}" + (f" ({'; '.join(reasons)})" if reasons else "")
            out.append(self._trigger("risk_threshold", detail, "high" if high else None))
        return out
