"""The repository layer: every query the service makes, as small functions on a session.

Routes and the turn pipeline never build SQL themselves; they call these.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Integer, and_, bindparam, case, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from mediator.domain import AccountFacts, ConversationState
from mediator.errors import NotFound
from mediator.jsoncodec import plain_json
from mediator.store.lean import LeanSession
from mediator.store.models import (
    Account,
    Alert,
    AuditEvent,
    Conversation,
    IdempotencyRecord,
    Message,
    OutboxEntry,
    StaffUser,
    new_row,
    utcnow,
)

GENESIS = "0" * 64


def new_id() -> str:
    return str(uuid.uuid4())


def sha256_text(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else None


def _is_pg(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


# --- accounts -----------------------------------------------------------------------------------


async def get_account(session: AsyncSession, account_id: str, lock: bool = False) -> Account | None:
    stmt = select(Account).where(Account.id == account_id)
    if lock and _is_pg(session):
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def upsert_account(session: AsyncSession, account_id: str, fields: dict[str, Any]) -> tuple[Account, bool]:
    account = await get_account(session, account_id, lock=True)
    created = account is None
    if account is None:
        account = Account(id=account_id, **fields)
        session.add(account)
    else:
        for name, value in fields.items():
            setattr(account, name, value)
        account.erased_at = None
    await session.flush()
    return account, created


def account_facts(account: Account) -> AccountFacts:
    return AccountFacts(
        creditor=account.creditor,
        balance=Decimal(account.balance),
        currency=account.currency,
        days_past_due=account.days_past_due,
    )


# --- conversations ------------------------------------------------------------------------------

_STATE_FIELDS = (
    "status",
    "identity_verified",
    "cease_requested",
    "dispute_open",
    "hardship",
    "vulnerable",
    "attorney_represented",
    "bankruptcy",
    "third_party",
    "replies_sent",
    "verification_attempts",
    "promise",
    "handover_reason",
)


async def create_conversation(session: AsyncSession, account: Account, identity_verified: bool) -> Conversation:
    conv = Conversation(id=new_id(), account_id=account.id, identity_verified=identity_verified, status="active",
                        risk_window=[])
    session.add(conv)
    await session.flush()
    return conv


async def get_conversation(session: AsyncSession, conversation_id: str, lock: bool = False) -> Conversation | None:
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    if lock and _is_pg(session):
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def conversation_and_account(session: AsyncSession, conversation_id: str,
                                   lock: bool = False) -> tuple[Conversation, Account]:
    """The conversation (row-locked when ``lock``) and its account in one query, or NotFound."""
    rows = await conversation_for_turn(session, conversation_id, None, lock=lock)
    return rows.conversation, rows.account


@dataclass
class TurnRows:
    """What a borrower turn reads before it writes, in one query."""

    conversation: Conversation
    account: Account
    idempotency: IdempotencyRecord | None
    """The record of the request's Idempotency-Key (None: no key, or one not seen before)."""
    history: list[tuple[str, str]] | None
    """``(role, text)`` of the messages before the next one, oldest first; None where the query
    could not carry them (SQLite: read them with ``message_history``)."""


def _history_column() -> Any:
    """PostgreSQL: the conversation's last ``:history`` messages as one JSON array column."""
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    t = Message.__table__
    agg = func.json_agg(aggregate_order_by(func.json_build_array(t.c.role, t.c.text), t.c.seq))
    since = Conversation.next_seq - bindparam("history", type_=Integer)
    sub = select(agg).where(t.c.conversation_id == Conversation.id, t.c.seq >= since).correlate(Conversation)
    return type_coerce(sub.scalar_subquery(), JSON)


def _turn_models(with_key: bool) -> tuple[type, ...]:
    return (Conversation, Account, IdempotencyRecord) if with_key else (Conversation, Account)


@lru_cache(maxsize=32)
def _turn_select(with_key: bool, with_history: bool, lock: bool, pg: bool, lean: bool) -> Any:
    """The turn's read, built once per shape, its values bound (``:conversation_id``,
    ``:idempotency_key``, ``:history``). ``lean``: of the models' tables, not the ORM entities
    (``lean.LeanSession.first`` reads it)."""
    models = _turn_models(with_key)
    columns: list[Any] = [m.__table__ for m in models] if lean else list(models)
    if with_history:
        columns.append(_history_column())
    stmt = (select(*columns).join(Account, Account.id == Conversation.account_id)
            .where(Conversation.id == bindparam("conversation_id")))
    return _with_key(stmt, with_key, lock and pg)


@lru_cache(maxsize=8)
def _reply_select(with_key: bool, lock: bool, lean: bool) -> Any:
    """The reply stage's read: the conversation (locked) and the key's record."""
    models = (Conversation, IdempotencyRecord) if with_key else (Conversation,)
    columns: list[Any] = [m.__table__ for m in models] if lean else list(models)
    return _with_key(select(*columns).where(Conversation.id == bindparam("conversation_id")), with_key, lock)


def _key_params(conversation_id: str, idempotency_key: str | None, **extra: Any) -> dict[str, Any]:
    return {"conversation_id": conversation_id, **({"idempotency_key": idempotency_key} if idempotency_key else {}),
            **extra}


async def _first(session: AsyncSession | LeanSession, stmt: Any, params: dict[str, Any],
                 models: tuple[type, ...]) -> Any:
    if isinstance(session, LeanSession):
        return await session.first(stmt, params, models)
    return (await session.execute(stmt, params)).first()


async def conversation_for_turn(session: AsyncSession | LeanSession, conversation_id: str,
                                idempotency_key: str | None, lock: bool = True, history: int = 0) -> TurnRows:
    """The conversation (row-locked; a lean session's write checks the row instead), its
    account, the Idempotency-Key's record and, on PostgreSQL, the last ``history`` messages,
    in one query (one round trip), or NotFound."""
    lean = isinstance(session, LeanSession)
    pg = lean or _is_pg(session)
    with_history = history > 0 and pg
    stmt = _turn_select(bool(idempotency_key), with_history, lock and not lean, pg, lean)
    params = _key_params(conversation_id, idempotency_key, **({"history": history} if with_history else {}))
    row = await _first(session, stmt, params, _turn_models(bool(idempotency_key)))
    if row is None:
        raise NotFound("conversation not found")
    past = [(str(role), str(text)) for role, text in (row[-1] or [])] if with_history else None
    return TurnRows(row[0], row[1], row[2] if idempotency_key else None, past)


async def conversation_with_key(session: AsyncSession | LeanSession, conversation_id: str,
                                idempotency_key: str | None,
                                stored: tuple[Conversation, IdempotencyRecord | None] | None = None
                                ) -> tuple[Conversation | None, IdempotencyRecord | None]:
    """The conversation, row-locked (lean: checked at write), and its Idempotency-Key record
    (if any), in one query. ``stored``: the two as this request's lean first stage left them;
    a lean session takes them instead of reading (its write checks they are still current),
    an ORM session reads."""
    lean = isinstance(session, LeanSession)
    if lean and stored is not None:
        session.adopt(*stored)
        return stored
    stmt = _reply_select(bool(idempotency_key), not lean and _is_pg(session), lean)
    models = (Conversation, IdempotencyRecord) if idempotency_key else (Conversation,)
    row = await _first(session, stmt, _key_params(conversation_id, idempotency_key), models)
    if row is None:
        return None, None
    return row[0], (row[1] if idempotency_key else None)


def _with_key(stmt: Any, with_key: bool, lock: bool) -> Any:
    """``stmt`` over conversations, joined to the Idempotency-Key's record (``:idempotency_key``,
    when there is a key) and locking the conversation row (when asked: PostgreSQL only)."""
    if with_key:
        stmt = stmt.outerjoin(IdempotencyRecord, and_(IdempotencyRecord.conversation_id == Conversation.id,
                                                      IdempotencyRecord.key == bindparam("idempotency_key")))
    if lock:
        stmt = stmt.with_for_update(of=Conversation)
    return stmt


def load_state(conv: Conversation, account: Account) -> ConversationState:
    state = ConversationState(jurisdiction=account.jurisdiction, language=account.language)  # type: ignore[arg-type]
    for name in _STATE_FIELDS:
        setattr(state, name, getattr(conv, name))
    return state


def save_state(conv: Conversation, state: ConversationState) -> list[str]:
    """Copy the state back; return the names of the fields that changed (for the audit log)."""
    changed = []
    for name in _STATE_FIELDS:
        value = getattr(state, name)
        if getattr(conv, name) != value:
            setattr(conv, name, value)
            changed.append(name)
    return changed


async def list_conversations(session: AsyncSession, status: str | None,
                             limit: int) -> list[tuple[Conversation, Account]]:
    stmt = select(Conversation, Account).join(Account, Account.id == Conversation.account_id)
    if status:
        stmt = stmt.where(Conversation.status == status)
    escalated_first = case((Conversation.status.in_(("escalated", "human")), 0), else_=1)
    stmt = stmt.order_by(escalated_first, Conversation.risk.desc(), Conversation.last_message_at.desc())
    stmt = stmt.limit(limit)
    return [(c, a) for c, a in (await session.execute(stmt)).all()]


# --- messages -----------------------------------------------------------------------------------


async def append_message(session: AsyncSession, conv: Conversation, role: str, text: str,
                         at: datetime | None = None, **fields: Any) -> Message:
    """Allocate the next sequence number on the (locked) conversation row and store the message
    (``at``: the scheduler's clock for proactive messages; otherwise now)."""
    seq = conv.next_seq
    conv.next_seq = seq + 1
    now = at or utcnow()
    conv.last_message_at = now
    msg = new_row(Message, id=new_id(), conversation_id=conv.id, seq=seq, role=role, text=text, created_at=now,
                  **fields)
    session.add(msg)  # flushed with the audit event that always follows: one UPDATE of the row, not two
    return msg


async def list_messages(session: AsyncSession, conversation_id: str, after: int = 0, limit: int = 200) -> list[Message]:
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def get_message(session: AsyncSession, message_id: str) -> Message | None:
    return await session.get(Message, message_id)


RISK_WINDOW = 50
"""How many of a conversation's latest borrower messages its complaint risk looks at."""


async def risk_window(session: AsyncSession, conv: Conversation) -> list[tuple[float, tuple[str, ...]]]:
    """The ``(risk, intents)`` of the latest RISK_WINDOW borrower messages, oldest first. Read
    from the conversation row; a row written before the window existed gets it rebuilt once from
    its stored analyses (only that column is read)."""
    if conv.risk_window is None:
        stmt = (
            select(Message.analysis)
            .where(Message.conversation_id == conv.id, Message.role == "borrower")
            .order_by(Message.seq.desc())
            .limit(RISK_WINDOW)
        )
        rows = [a or {} for a in reversed(list((await session.execute(stmt)).scalars()))]
        conv.risk_window = [[float(a.get("complaint_risk", 0.0)), list(a.get("intents", ()))] for a in rows]
    return [(float(risk), tuple(intents)) for risk, intents in conv.risk_window]


def push_risk_window(conv: Conversation, risk: float, intents: tuple[str, ...]) -> None:
    """Add a borrower message to the window (before it is read, so the new message counts)."""
    window = list(conv.risk_window or [])[-(RISK_WINDOW - 1):]
    conv.risk_window = [*window, [round(float(risk), 3), list(intents)]]


async def message_history(session: AsyncSession, conversation_id: str, before_seq: int,
                          limit: int) -> list[tuple[str, str]]:
    """``(role, text)`` of the ``limit`` messages just before ``before_seq``, oldest first: only
    the two columns a prompt needs, not whole rows with their verdicts and analyses."""
    stmt = (
        select(Message.role, Message.text)
        .where(Message.conversation_id == conversation_id, Message.seq < before_seq,
               Message.seq >= before_seq - limit)
        .order_by(Message.seq)
    )
    return [(role, text) for role, text in (await session.execute(stmt)).all()]


async def last_borrower_message(session: AsyncSession, conversation_id: str) -> Message | None:
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.role == "borrower")
        .order_by(Message.seq.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# --- audit --------------------------------------------------------------------------------------


def _event_digest(prev: str, stream: str, kind: str, actor: str | None, conversation_id: str | None,
                  data: dict[str, Any], created_at: datetime) -> str:
    body = json.dumps(
        {"s": stream, "k": kind, "a": actor, "c": conversation_id, "d": data,
         "t": created_at.replace(tzinfo=None).isoformat(timespec="microseconds")},
        sort_keys=True, default=str, ensure_ascii=False,
    )
    return hashlib.sha256((prev + body).encode()).hexdigest()


async def audit(session: AsyncSession, stream: str, kind: str, data: dict[str, Any], actor: str | None = None,
                conversation_id: str | None = None, owner: Conversation | None = None) -> AuditEvent:
    """Append a hash-chained event. Callers hold the lock of the stream's owner row (the
    conversation or the account), so one stream is never appended to concurrently. Given the
    (locked) conversation as ``owner``, the chain head is read from its row instead of a query."""
    if owner is None and stream.startswith("conv:"):
        # a conversation's chain head lives on its row: take it (and its lock) so no append forks the chain
        owner = await session.get(Conversation, stream[5:], with_for_update=_is_pg(session))
    prev = owner.audit_head if owner is not None and owner.audit_head else None
    if prev is None:
        prev = (
            await session.execute(
                select(AuditEvent.hash).where(AuditEvent.stream == stream).order_by(AuditEvent.id.desc()).limit(1)
            )
        ).scalar_one_or_none() or GENESIS
    now = utcnow()
    data = plain_json(data)
    digest = _event_digest(prev, stream, kind, actor, conversation_id, data, now)
    ev = new_row(AuditEvent, stream=stream, kind=kind, actor=actor, conversation_id=conversation_id, data=data,
                 prev_hash=prev, created_at=now, hash=digest)
    session.add(ev)  # written with the transaction's next flush or commit (autoflush keeps queries right)
    if owner is not None:
        owner.audit_head = ev.hash
    return ev


async def audit_events(session: AsyncSession, stream: str | None = None, conversation_id: str | None = None,
                       limit: int = 10_000) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if stream:
        stmt = stmt.where(AuditEvent.stream == stream)
    if conversation_id:
        stmt = stmt.where(AuditEvent.conversation_id == conversation_id)
    return list((await session.execute(stmt.limit(limit))).scalars())


def verify_chain(events: list[AuditEvent]) -> list[int]:
    """Ids of events whose hash or link does not check out (empty: the chain is intact)."""
    bad: list[int] = []
    last: dict[str, str] = {}
    for ev in events:
        prev = last.get(ev.stream, GENESIS)
        expected = _event_digest(ev.prev_hash, ev.stream, ev.kind, ev.actor, ev.conversation_id, ev.data,
                                 ev.created_at)
        if ev.prev_hash != prev or ev.hash != expected:
            bad.append(ev.id)
        last[ev.stream] = ev.hash
    return bad


# --- idempotency --------------------------------------------------------------------------------


async def get_idempotency(session: AsyncSession, conversation_id: str, key: str) -> IdempotencyRecord | None:
    return await session.get(IdempotencyRecord, (conversation_id, key))


async def start_idempotency(session: AsyncSession, conversation_id: str, key: str, request_hash: str,
                            message_id: str) -> IdempotencyRecord:
    rec = new_row(IdempotencyRecord, conversation_id=conversation_id, key=key, request_hash=request_hash,
                  message_id=message_id, created_at=utcnow())
    session.add(rec)
    return rec


async def finish_idempotency(session: AsyncSession, conversation_id: str, key: str, response: dict[str, Any],
                             record: IdempotencyRecord | None = None) -> None:
    """Store the response a retry of this key gets. Given the loaded ``record``, the change is
    written with the transaction's other writes instead of as a statement of its own."""
    if record is not None:
        record.response = plain_json(response)
        return
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.conversation_id == conversation_id, IdempotencyRecord.key == key)
        .values(response=plain_json(response))
    )


# --- alerts and outbox --------------------------------------------------------------------------


async def create_alert(session: AsyncSession, conversation_id: str, kind: str, reason: str, severity: str,
                       risk: float) -> Alert | None:
    """One open alert per conversation and trigger kind: a repeat of an open trigger is not new."""
    dedupe = f"{conversation_id}:{kind}"
    existing = (await session.execute(select(Alert).where(Alert.dedupe_key == dedupe))).scalar_one_or_none()
    if existing is not None:
        if existing.status == "open":
            existing.risk = max(existing.risk, risk)
            return None
        # the earlier one was acknowledged: a new occurrence is a new alert
        existing.dedupe_key = f"{dedupe}:{existing.id}"
        await session.flush()
    alert = Alert(id=new_id(), conversation_id=conversation_id, kind=kind, dedupe_key=dedupe, reason=reason,
                  severity=severity, risk=risk, status="open")
    session.add(alert)
    await session.flush()
    return alert


async def list_alerts(session: AsyncSession, status: str | None, kind: str | None, conversation_id: str | None,
                      limit: int = 200) -> list[Alert]:
    stmt = select(Alert).order_by(Alert.created_at.desc()).limit(limit)
    if status:
        stmt = stmt.where(Alert.status == status)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    if conversation_id:
        stmt = stmt.where(Alert.conversation_id == conversation_id)
    return list((await session.execute(stmt)).scalars())


async def get_alert(session: AsyncSession, alert_id: str) -> Alert | None:
    return await session.get(Alert, alert_id)


async def add_outbox(session: AsyncSession, topic: str, payload: dict[str, Any]) -> OutboxEntry:
    entry = OutboxEntry(topic=topic, payload=plain_json(payload))
    session.add(entry)
    await session.flush()
    return entry


async def claim_outbox(session: AsyncSession, limit: int = 100) -> list[OutboxEntry]:
    stmt = select(OutboxEntry).where(OutboxEntry.delivered_at.is_(None)).order_by(OutboxEntry.id).limit(limit)
    if _is_pg(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await session.execute(stmt)).scalars())


async def pending_outbox_count(session: AsyncSession) -> int:
    return int((await session.execute(
        select(func.count()).select_from(OutboxEntry).where(OutboxEntry.delivered_at.is_(None))
    )).scalar_one())


# --- staff --------------------------------------------------------------------------------------


async def get_staff(session: AsyncSession, username: str) -> StaffUser | None:
    return await session.get(StaffUser, username)


async def put_staff(session: AsyncSession, username: str, password_hash: str, role: str) -> StaffUser:
    user = await session.get(StaffUser, username)
    if user is None:
        user = StaffUser(username=username, password_hash=password_hash, role=role)
        session.add(user)
    else:
        user.password_hash, user.role = password_hash, role
    await session.flush()
    return user
