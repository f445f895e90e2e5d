"""SQLAlchemy 2 models: the only place that knows table shapes.

Everything a borrower was shown, every draft the guard changed, every verdict and every
state change is stored and auditable. Personal data lives in ``accounts`` (verification
facts hashed only) so that erasure touches one table and leaves the audit chain intact.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, configure_mappers, mapped_column
from sqlalchemy.orm.base import instance_state


def utcnow() -> datetime:
    return datetime.now(UTC)


_M = TypeVar("_M")
_configured = False


def new_row(model: type[_M], **values: Any) -> _M:
    """An instance of ``model`` holding ``values``, as the constructor makes it but without a
    set event per attribute: the rows a turn writes are built on every turn, and through the
    constructor each cost about six times as much (measured: 39 µs against 6 for a message).
    Nothing here listens for those events (no validators, no relationships), and the ORM and
    ``fold`` both write a pending row from what it holds. Also how ``lean`` fills in a row it
    read."""
    global _configured
    if not _configured:  # what the constructor's first call does: the mappers resolve their columns
        configure_mappers()
        _configured = True
    obj = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    instance_state(obj).dict.update(values)
    return cast(_M, obj)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    borrower_name: Mapped[str | None] = mapped_column(String(200))
    creditor: Mapped[str] = mapped_column(String(200))
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    jurisdiction: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    verification: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Verification facts as keyed hashes, never in clear."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    identity_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    cease_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    dispute_open: Mapped[bool] = mapped_column(Boolean, default=False)
    hardship: Mapped[bool] = mapped_column(Boolean, default=False)
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=False)
    attorney_represented: Mapped[bool] = mapped_column(Boolean, default=False)
    bankruptcy: Mapped[bool] = mapped_column(Boolean, default=False)
    third_party: Mapped[bool] = mapped_column(Boolean, default=False)
    replies_sent: Mapped[int] = mapped_column(Integer, default=0)
    verification_attempts: Mapped[int] = mapped_column(Integer, default=0)
    promise: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    handover_reason: Mapped[str | None] = mapped_column(String(200))
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    risk_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    guardrail_blocks: Mapped[int] = mapped_column(Integer, default=0)
    risk_window: Mapped[list[Any] | None] = mapped_column(JSON)
    """The latest borrower messages' ``[risk, [intents]]``, oldest first: the conversation risk
    model's input, kept on the row the turn locks anyway, so no turn re-reads its history."""
    summary: Mapped[str | None] = mapped_column(Text)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    audit_head: Mapped[str | None] = mapped_column(String(64))
    """Hash of this conversation's latest audit event: the next event links to it without a query."""
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_message_seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    """Exactly what the borrower was shown (or wrote)."""
    draft: Mapped[str | None] = mapped_column(Text)
    """The author's draft when the guard changed it (repair or block)."""
    author: Mapped[str | None] = mapped_column(String(64))
    backend: Mapped[str | None] = mapped_column(String(80))
    prompt_version: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str | None] = mapped_column(String(8))
    policy_version: Mapped[str | None] = mapped_column(String(40))
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Append-only, hash-chained per stream (a conversation, an account, or ``system``)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_stream_id", "stream", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(80))
    conversation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    conversation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(36))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))


class OutboxEntry(Base):
    """Written in the same transaction as the change it announces; relayed to the bus later."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class StaffUser(Base):
    __tablename__ = "staff_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
