"""The supervisor dashboard's figures: complaint risk over time, guardrail outcomes and blocks
by code, hand-over waits. Read-only queries over the stored messages and conversations."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from mediator.service import Service
from mediator.store.models import Conversation, Message


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


async def dashboard_stats(svc: Service, hours: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    since = now - timedelta(hours=hours)
    async with svc.db.reader() as s:
        borrower = (await s.execute(
            select(Message.created_at, Message.analysis)
            .where(Message.role == "borrower", Message.created_at >= since).order_by(Message.created_at))).all()
        outgoing = (await s.execute(
            select(Message.action, Message.verdict)
            .where(Message.action.is_not(None), Message.created_at >= since))).all()
        waiting = (await s.execute(
            select(Conversation.id, Conversation.escalated_at)
            .where(Conversation.status.in_(("escalated", "human")), Conversation.escalated_at.is_not(None)))).all()
        total_blocks = (await s.execute(select(func.sum(Conversation.guardrail_blocks)))).scalar_one() or 0

    hourly: dict[str, list[float]] = defaultdict(list)
    for created, analysis in borrower:
        hour = _aware(created).replace(minute=0, second=0, microsecond=0).isoformat()
        hourly[hour].append(float((analysis or {}).get("complaint_risk", 0.0)))
    outcomes = {"pass": 0, "repair": 0, "block": 0}
    by_code: dict[str, int] = defaultdict(int)
    for action, verdict in outgoing:
        outcomes[action] = outcomes.get(action, 0) + 1
        for v in (verdict or {}).get("violations", []):
            by_code[v["code"]] += 1
    waits = sorted(({"conversation_id": cid, "wait_s": round((now - _aware(t)).total_seconds(), 1)}
                    for cid, t in waiting), key=lambda w: -w["wait_s"])
    return {
        "risk_over_time": [{"t": t, "avg": round(sum(v) / len(v), 3), "max": round(max(v), 3)}
                           for t, v in hourly.items()],
        "blocks_by_code": dict(sorted(by_code.items())),
        "outcomes": outcomes,
        "handover_waits": waits[:50],
        "blocked_total": int(total_blocks),
    }
