"""One round trip for a turn's writes on PostgreSQL.

Every turn transaction writes the same few rows: a message, its hash-chained audit event,
the conversation row (next sequence number, chain head, state, risk) and, when the client
sent an Idempotency-Key, that key's record. The ORM sends each as its own statement, one
network round trip apiece, and a turn pays for two such transactions. PostgreSQL runs
data-modifying statements inside ``WITH``, so this ``before_flush`` hook sends them as one:

    WITH p0 AS (INSERT INTO messages …), p1 AS (INSERT INTO audit_events …), …
    UPDATE conversations SET … WHERE id = …

and then tells the session those rows are written, so its own flush skips them. At most one
row per kind is folded: the first pending message, audit event and key record (any later
ones, such as an alert raised in the same transaction, follow through the ORM in the order
they were added, so audit ids keep the chain's order), and the conversation or key record
when exactly one of its kind changed. Anything unusual (a conversation created in the same
flush, a row relying on a column default) is left to the ORM untouched. SQLite cannot run
``INSERT`` inside ``WITH``; it keeps the ORM's flush, and the tests run both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import JSON, Table, and_, bindparam, event, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.base import instance_state
from sqlalchemy.sql.base import Executable

from mediator.store.models import AuditEvent, Conversation, IdempotencyRecord, Message, utcnow

INSERTED: tuple[type, ...] = (Message, AuditEvent, IdempotencyRecord)
"""Kinds of new row folded (the first pending one of each)."""
UPDATED: tuple[type, ...] = (Conversation, IdempotencyRecord)
"""Kinds of changed row folded (when exactly one of the kind changed)."""


def install(session_class: type[Session]) -> None:
    """Fold the flushes of sessions of ``session_class`` (give it a PostgreSQL-only class)."""
    event.listen(session_class, "before_flush", _fold)


@dataclass(frozen=True)
class Part:
    """One row write of the folded statement."""

    op: str  # "insert" | "update"
    model: type
    obj: Any
    values: dict[str, Any]

    @property
    def shape(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.op, cast(Table, self.model.__table__).name, tuple(sorted(self.values)))


def insertable(obj: Any) -> dict[str, Any] | None:
    """The column values of a pending row, or None when the ORM must write it (a column with a
    Python-side default that is not set would need the ORM's own default handling)."""
    held = instance_state(obj).dict
    values: dict[str, Any] = {}
    for key, has_default, is_json in _insert_columns(type(obj)):
        value = held.get(key)
        if value is None:
            if has_default or (is_json and key in held):
                return None  # a default to apply, or a JSON null the ORM writes its own way
            continue
        values[key] = value
    return values


@lru_cache(maxsize=16)
def _insert_columns(model: type) -> tuple[tuple[str, bool, bool], ...]:
    """Each column's key, whether it has a Python-side default, whether it is JSON."""
    return tuple((c.key, c.default is not None, isinstance(c.type, JSON))
                 for c in cast(Table, model.__table__).columns)


def _first_insert(new: list[Any], model: type, pending_conversations: set[str]) -> Part | None:
    pending = sorted((o for o in new if isinstance(o, model)), key=lambda o: instance_state(o).insert_order)
    if not pending:
        return None
    if model is Message and pending[0].conversation_id in pending_conversations:
        return None  # its conversation is inserted by this flush: leave the order to the ORM
    values = insertable(pending[0])
    return Part("insert", model, pending[0], values) if values is not None else None


def _only_update(session: Session, model: type) -> Part | None:
    """The one changed (persistent) row of ``model`` and its changed columns, or None."""
    changed = [o for o in session.dirty if isinstance(o, model)]
    if len(changed) != 1:
        return None
    if not instance_state(changed[0]).persistent:
        return None
    values = changed_values(changed[0])
    if not values or any(pk.key in values for pk in cast(Table, model.__table__).primary_key.columns):
        return None
    return Part("update", model, changed[0], values)


def changed_values(obj: Any) -> dict[str, Any]:
    """The columns of a loaded row changed since it was read, with their new values, plus what
    the ORM's ``onupdate`` would set (a conversation's ``updated_at``); empty when none changed."""
    state = instance_state(obj)
    values = {key: state.dict.get(key) for key in state.committed_state}
    if values and type(obj) is Conversation:
        values["updated_at"] = utcnow()
    return values


def table_named(name: str) -> Table:
    """A table the folded statements write."""
    return _TABLES[name]


_TABLES = {t.name: t for t in (cast(Table, m.__table__) for m in (*INSERTED, *UPDATED))}


def bound_values(table: Table, i: int, cols: tuple[str, ...]) -> dict[str, Any]:
    """Part ``i``'s column values as bound parameters (``p<i>_<column>``)."""
    return {c: bindparam(f"p{i}_{c}", type_=table.c[c].type) for c in cols}


def bound_keys(table: Table, i: int) -> list[Any]:
    """Part ``i``'s row, by primary key, as bound parameters (``p<i>_key_<column>``)."""
    return [pk == bindparam(f"p{i}_key_{pk.key}", type_=pk.type) for pk in table.primary_key.columns]


Shape = tuple[tuple[str, str, tuple[str, ...]], ...]


@lru_cache(maxsize=256)
def statement(shape: Shape) -> Executable:
    """The folded statement for one combination of rows and columns, built once: its values are
    bound parameters (``p<i>_<column>``; keys ``p<i>_key_<column>``), so SQLAlchemy compiles it
    once too (building statements around literal values cost more than the round trips saved)."""
    stmts: list[Any] = []
    for i, (op, name, cols) in enumerate(shape):
        table = table_named(name)
        values = bound_values(table, i, cols)
        if op == "insert":
            stmts.append(insert(table).values(values))
        else:
            stmts.append(update(table).where(and_(*bound_keys(table, i))).values(values))
    main = stmts[-1]
    for i, stmt in enumerate(stmts[:-1]):
        main = main.add_cte(stmt.cte(f"p{i}"))
    return cast(Executable, main)


def parameters(parts: list[Part]) -> dict[str, Any]:
    """The bound values of ``statement`` for these parts."""
    params: dict[str, Any] = {}
    for i, part in enumerate(parts):
        params.update({f"p{i}_{c}": v for c, v in part.values.items()})
        if part.op == "update":
            state = instance_state(part.obj)
            for pk in cast(Table, part.model.__table__).primary_key.columns:
                params[f"p{i}_key_{pk.key}"] = state.dict[pk.key]
    return params


def _fold(session: Session, _flush_context: Any, _instances: Any) -> None:
    new = list(session.new)
    pending_conversations = {o.id for o in new if isinstance(o, Conversation)}
    parts = [p for p in (_first_insert(new, m, pending_conversations) for m in INSERTED) if p is not None]
    if not parts:
        return
    parts += [p for p in (_only_update(session, m) for m in UPDATED) if p is not None]
    if len(parts) < 2:
        return  # one statement either way: the ORM's own is as good
    session.connection().execute(statement(tuple(p.shape for p in parts)), parameters(parts))
    for part in parts:
        if part.op == "insert":
            session.expunge(part.obj)
        else:
            for key, value in part.values.items():
                set_committed_value(part.obj, key, value)
