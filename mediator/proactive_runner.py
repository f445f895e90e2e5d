"""The service side of proactive messages: find conversations that are due a reminder or a
promise-to-pay follow-up, ask the pure planner (``mediator.agent.proactive``) whether a
message may go out now, guard-check it like every other outgoing text, store and publish it.

Runs periodically inside every instance; the conversation row lock makes two instances
agree (the second sees the first's message in the history and the caps stop it).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from mediator.agent.proactive import ContactRecord, plan_proactive
from mediator.plans import approved_offers
from mediator.service import Service
from mediator.store import repo
from mediator.store.models import Conversation, Message
from mediator.turns import guard_context, guarded, verdict_record
from mediator.views import borrower_message, staff_message

log = logging.getLogger("mediator.proactive")
PROACTIVE = "proactive"
QUIET_BEFORE_REMINDER = timedelta(days=3)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


async def _candidates(svc: Service, now: datetime, limit: int) -> list[str]:
    async with svc.db.reader() as s:
        stmt = (select(Conversation.id)
                .where(Conversation.status == "active", Conversation.cease_requested.is_(False),
                       Conversation.dispute_open.is_(False), Conversation.identity_verified.is_(True))
                .order_by(Conversation.last_message_at).limit(limit))
        return list((await s.execute(stmt)).scalars())


async def run_due(svc: Service, now: datetime | None = None, limit: int = 200) -> int:
    """Send every proactive message that is due now; return how many were sent."""
    now = now or datetime.now(UTC)
    sent = 0
    for conv_id in await _candidates(svc, now, limit):
        try:
            sent += await _maybe_send(svc, conv_id, now)
        except Exception:
            log.exception("proactive message failed for one conversation; continuing")
    return sent


async def _maybe_send(svc: Service, conv_id: str, now: datetime) -> int:
    published: tuple[dict[str, Any], dict[str, Any]] | None = None
    async with svc.db.transaction() as s:
        conv = await repo.get_conversation(s, conv_id, lock=True)
        account = await repo.get_account(s, conv.account_id) if conv else None
        if conv is None or account is None or not account.timezone:
            return 0
        state = repo.load_state(conv, account)
        kind = "promise_followup" if state.promise else "reminder"
        last = _aware(conv.last_message_at or conv.created_at)
        if kind == "reminder" and now - last < QUIET_BEFORE_REMINDER:
            return 0
        history_rows = (await s.execute(
            select(Message.created_at, Message.backend).where(
                Message.conversation_id == conv.id, Message.backend.like(f"{PROACTIVE}%")))).all()
        history = [ContactRecord(_aware(at), (b or "").partition(":")[2] or "reminder") for at, b in history_rows]
        offers = approved_offers(repo.account_facts(account), account.jurisdiction)
        decision = plan_proactive(kind, state=state, account=repo.account_facts(account), offers=offers,
                                  borrower_tz=account.timezone, now=now, history=history,
                                  collector_name=svc.settings.collector_name, borrower_name=account.borrower_name)
        if not decision.send_now(now) or not decision.text:
            return 0
        verdict = guarded(svc, decision.text, guard_context(state, account, offers, svc.settings.collector_name),
                          "system")
        if verdict.action == "block":
            await repo.audit(s, f"conv:{conv.id}", "proactive_refused", {"kind": kind,
                             "verdict": verdict_record(verdict)}, actor=PROACTIVE, conversation_id=conv.id)
            return 0
        msg = await repo.append_message(s, conv, "mediator", verdict.text, at=now, backend=f"{PROACTIVE}:{kind}",
                                        action=verdict.action, policy_version=verdict.policy_version,
                                        verdict=verdict_record(verdict),
                                        draft=decision.text if decision.text != verdict.text else None)
        conv.replies_sent += 1
        await repo.audit(s, f"conv:{conv.id}", "proactive_sent", {
            "message_id": msg.id, "kind": kind, "text_sha256": repo.sha256_text(msg.text),
            "verdict": verdict_record(verdict), "reason": decision.reason}, actor=PROACTIVE, conversation_id=conv.id)
        published = (borrower_message(msg), staff_message(msg))
    await svc.publish(conv_id, "message", *published)
    return 1
