"""One round trip for a turn's writes on PostgreSQL.

Every turn transaction writes the same three rows: a message, its hash-chained audit event,
and the conversation row (next sequence number, chain head, state, risk). The ORM sends
those as three statements, one network round trip each, and the turn pays for two such
transactions. PostgreSQL runs data-modifying statements inside ``WITH``, so this
``before_flush`` hook sends them as one:

    WITH m AS (INSERT INTO messages …), a AS (INSERT INTO audit_events …)
    UPDATE conversations SET … WHERE id = …

and then tells the session those rows are written, so its own flush skips them. Only the
first pending message and the first pending audit event are folded: any later ones (an alert
raised in the same transaction) follow through the ORM in the order they were added, so
audit ids keep the chain's order. Anything unusual (a conversation created in the same
flush, a row relying on a column default) is left to the ORM untouched. SQLite cannot run
``INSERT`` inside ``WITH``; it keeps the ORM's flush, and the tests run both.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from sqlalchemy import JSON, Table, bindparam, event, insert, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.base import Executable

from mediator.store.models import AuditEvent, Conversation, Message, utcnow


def install(session_class: type[Session]) -> None:
    """Fold the flushes of sessions of ``session_class`` (give it a PostgreSQL-only class)."""
    event.listen(session_class, "before_flush", _fold)


def _insertable(obj: Any) -> dict[str, Any] | None:
    """The column values of a pending row, or None when the ORM must write it (a column with a
    Python-side default that is not set would need the ORM's own default handling)."""
    state = inspect(obj)
    values: dict[str, Any] = {}
    for column in obj.__table__.columns:
        value = state.dict.get(column.key)
        if value is None:
            if column.default is not None or (column.key in state.dict and isinstance(column.type, JSON)):
                return None  # a default to apply, or a JSON null the ORM writes its own way
            continue
        values[column.key] = value
    return values


def _first(objs: Any, cls: type) -> tuple[Any, dict[str, Any]] | None:
    pending = sorted((o for o in objs if isinstance(o, cls)), key=lambda o: inspect(o).insert_order)
    if not pending:
        return None
    values = _insertable(pending[0])
    return (pending[0], values) if values is not None else None


def _conversation_changes(session: Session, pending_conversation_ids: set[str]) -> tuple[Any, dict[str, Any]] | None:
    """The one modified conversation row and its changed columns (None: zero or several)."""
    changed = [o for o in session.dirty if isinstance(o, Conversation)]
    if len(changed) != 1 or changed[0].id in pending_conversation_ids:
        return None
    conv = changed[0]
    state = inspect(conv)
    values = {key: state.dict.get(key) for key in state.committed_state}
    if not values:
        return None
    values["updated_at"] = utcnow()  # what the ORM's onupdate would have set
    return conv, values


_Shape = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@lru_cache(maxsize=256)
def _statement(shape: _Shape) -> Executable:
    """The folded statement for one combination of columns, built once: its values are bound
    parameters, so SQLAlchemy compiles it once too (building statements around literal values
    cost more than the round trips it saves)."""
    message_cols, audit_cols, conversation_cols = shape

    def binds(table: Table, prefix: str, cols: tuple[str, ...]) -> dict[str, Any]:
        return {c: bindparam(f"{prefix}_{c}", type_=table.c[c].type) for c in cols}

    messages, audits, conversations = Message.__table__, AuditEvent.__table__, Conversation.__table__
    ctes = []
    main: Any
    if conversation_cols:
        if message_cols:
            ctes.append(insert(messages).values(binds(messages, "m", message_cols)).cte("folded_message"))
        if audit_cols:
            ctes.append(insert(audits).values(binds(audits, "a", audit_cols)).cte("folded_audit"))
        main = (update(conversations).where(conversations.c.id == bindparam("c_key"))
                .values(binds(conversations, "c", conversation_cols)))
    elif audit_cols:
        if message_cols:
            ctes.append(insert(messages).values(binds(messages, "m", message_cols)).cte("folded_message"))
        main = insert(audits).values(binds(audits, "a", audit_cols))
    else:
        main = insert(messages).values(binds(messages, "m", message_cols))
    for cte in ctes:
        main = main.add_cte(cte)
    return cast(Executable, main)


def _fold(session: Session, _flush_context: Any, _instances: Any) -> None:
    new = list(session.new)
    pending_conversations = {o.id for o in new if isinstance(o, Conversation)}
    message = _first(new, Message)
    if message is not None and message[0].conversation_id in pending_conversations:
        message = None  # its conversation is inserted by this flush: leave the order to the ORM
    audit = _first(new, AuditEvent)
    if message is None and audit is None:
        return
    conversation = _conversation_changes(session, pending_conversations)
    params: dict[str, Any] = {}
    shape: list[tuple[str, ...]] = []
    for prefix, folded in (("m", message), ("a", audit), ("c", conversation)):
        values = folded[1] if folded is not None else {}
        cols = tuple(sorted(values))
        shape.append(cols)
        params.update({f"{prefix}_{c}": values[c] for c in cols})
    if conversation is not None:
        params["c_key"] = conversation[0].id
    session.connection().execute(_statement((shape[0], shape[1], shape[2])), params)
    for pending in (message, audit):
        if pending is not None:
            session.expunge(pending[0])
    if conversation is not None:
        conv, values = conversation
        for key, value in values.items():
            set_committed_value(conv, key, value)
