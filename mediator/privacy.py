"""A borrower's data export and erasure, and the retention purge.

Erasure removes personal data (name, verification hashes, message texts, drafts) but keeps
the audit trail: audit events hold only hashes of texts, so the chain still verifies and an
auditor can still see what happened, when, and under which policy version.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from mediator.errors import NotFound
from mediator.service import Service
from mediator.store import repo
from mediator.store.models import Account, Conversation, IdempotencyRecord, Message
from mediator.views import account_view, alert_view, iso, staff_message

ERASED = "[erased]"


async def export_account(svc: Service, account_id: str) -> dict[str, Any]:
    async with svc.db.reader() as s:
        account = await repo.get_account(s, account_id)
        if account is None:
            raise NotFound("account not found")
        convs = list((await s.execute(select(Conversation).where(Conversation.account_id == account_id)
                                      .order_by(Conversation.created_at))).scalars())
        out = []
        for c in convs:
            msgs = await repo.list_messages(s, c.id, limit=100_000)
            alerts = await repo.list_alerts(s, None, None, c.id)
            events = await repo.audit_events(s, stream=f"conv:{c.id}")
            out.append({
                "conversation_id": c.id, "status": c.status, "created_at": iso(c.created_at),
                "messages": [staff_message(m) for m in msgs],
                "alerts": [alert_view(a) for a in alerts],
                "audit": [{"id": e.id, "kind": e.kind, "actor": e.actor, "data": e.data,
                           "created_at": iso(e.created_at), "hash": e.hash} for e in events],
                "audit_chain_intact": not repo.verify_chain(events),
            })
    return {"account": account_view(account), "erased_at": iso(account.erased_at), "conversations": out}


async def erase_account(svc: Service, account_id: str, actor: str) -> dict[str, Any]:
    async with svc.db.transaction() as s:
        account = await repo.get_account(s, account_id, lock=True)
        if account is None:
            raise NotFound("account not found")
        stmt = select(Conversation.id).where(Conversation.account_id == account_id)
        conv_ids = list((await s.execute(stmt)).scalars())
        erased = await _erase(s, account, conv_ids)
        await repo.audit(s, f"account:{account_id}", "account_erased",
                         {"conversations": len(conv_ids), "messages": erased}, actor=actor)
    return {"account_id": account_id, "conversations": len(conv_ids), "messages_erased": erased}


async def _erase(s: Any, account: Account, conv_ids: list[str]) -> int:
    account.borrower_name = None
    account.verification = {}
    account.timezone = None
    account.erased_at = datetime.now(UTC)
    if not conv_ids:
        return 0
    result = await s.execute(
        update(Message).where(Message.conversation_id.in_(conv_ids))
        .values(text=ERASED, draft=None, analysis=None)
    )
    await s.execute(update(Conversation).where(Conversation.id.in_(conv_ids))
                    .values(status="closed", summary=None, promise=None))
    # stored responses of idempotent retries repeat the message and reply texts
    await s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.conversation_id.in_(conv_ids)))
    return int(result.rowcount or 0)


def _aware(t: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


async def purge_expired(svc: Service, now: datetime | None = None) -> int:
    """Erase accounts whose last conversation activity is older than the retention period."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=svc.settings.retention_days)
    purged = 0
    async with svc.db.transaction() as s:
        accounts = list((await s.execute(select(Account).where(Account.erased_at.is_(None),
                                                                Account.updated_at < cutoff))).scalars())
        for account in accounts:
            convs = list((await s.execute(select(Conversation).where(Conversation.account_id == account.id))).scalars())
            if any(_aware(c.last_message_at or c.created_at) >= cutoff for c in convs):
                continue
            await _erase(s, account, [c.id for c in convs])
            await repo.audit(s, f"account:{account.id}", "account_purged",
                             {"retention_days": svc.settings.retention_days}, actor="retention")
            purged += 1
    return purged


IDEMPOTENCY_TTL = timedelta(hours=48)


async def purge_idempotency_keys(svc: Service, now: datetime | None = None) -> int:
    """Forget Idempotency-Keys older than 48 hours: a client retries within minutes, and the
    stored first responses hold message texts that should not outlive their purpose."""
    from sqlalchemy import delete

    from mediator.store.models import IdempotencyRecord

    cutoff = (now or datetime.now(UTC)) - IDEMPOTENCY_TTL
    async with svc.db.transaction() as s:
        result = await s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return int(result.rowcount or 0)
