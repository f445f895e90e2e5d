"""How stored rows are shown: one function per audience, used by the API and the live events
alike so a message looks the same whether it was fetched or streamed."""

from __future__ import annotations

from typing import Any

from mediator.store.models import Account, Alert, Conversation, Message

FLAG_FIELDS = ("identity_verified", "cease_requested", "dispute_open", "hardship", "vulnerable",
               "attorney_represented", "bankruptcy", "third_party")


def iso(dt: Any) -> str | None:
    return dt.isoformat() if dt is not None else None


def borrower_message(m: Message) -> dict[str, Any]:
    """Exactly what the borrower was shown; nothing internal."""
    return {"id": m.id, "seq": m.seq, "role": m.role, "text": m.text, "created_at": iso(m.created_at)}


def staff_message(m: Message) -> dict[str, Any]:
    out = borrower_message(m)
    out.update(
        draft=m.draft,
        author=m.author,
        backend=m.backend,
        verdict=m.verdict,
        analysis=m.analysis,
    )
    return out


def conversation_row(c: Conversation, a: Account) -> dict[str, Any]:
    return {
        "id": c.id,
        "account_id": a.id,
        "borrower_name": a.borrower_name,
        "status": c.status,
        "jurisdiction": a.jurisdiction,
        "language": a.language,
        "flags": {f: bool(getattr(c, f)) for f in FLAG_FIELDS},
        "risk": round(float(c.risk or 0.0), 3),
        "risk_reasons": list(c.risk_reasons or []),
        "last_message_at": iso(c.last_message_at),
        "waiting_since": iso(c.escalated_at) if c.status in ("escalated", "human") else None,
        "assigned_to": c.assigned_to,
        "handover_reason": c.handover_reason,
    }


def account_view(a: Account) -> dict[str, Any]:
    return {
        "account_id": a.id,
        "borrower_name": a.borrower_name,
        "creditor": a.creditor,
        "balance": f"{a.balance:.2f}",
        "currency": a.currency,
        "days_past_due": a.days_past_due,
        "jurisdiction": a.jurisdiction,
        "language": a.language,
        "timezone": a.timezone,
        "verification_facts": sorted((a.verification or {}).keys()),
    }


def alert_view(al: Alert) -> dict[str, Any]:
    return {
        "id": al.id,
        "conversation_id": al.conversation_id,
        "kind": al.kind,
        "reason": al.reason,
        "severity": al.severity,
        "risk": round(float(al.risk or 0.0), 3),
        "status": al.status,
        "assigned_to": al.assigned_to,
        "created_at": iso(al.created_at),
        "acknowledged_at": iso(al.acknowledged_at),
        "acknowledged_by": al.acknowledged_by,
    }


def offer_view(o: Any) -> dict[str, Any]:
    return {k: (str(v) if v is not None and not isinstance(v, (int, str)) else v)
            for k, v in o.model_dump().items() if v is not None}
