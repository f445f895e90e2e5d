"""A borrower turn's two stages on PostgreSQL without the ORM's session machinery.

A turn stores the borrower's message, then (after the model) the reply: each a read and a
write. Through the ORM session each stage also pays for identity maps, unit-of-work planning,
flush bookkeeping and a greenlet hop per call, and for BEGIN and COMMIT round trips: about
half a worker's CPU per turn on PostgreSQL. Here each stage is two statements on the pooled
asyncpg connection:

* the read is the repository's own statement (``repo.conversation_for_turn`` /
  ``repo.conversation_with_key`` build it, without the row lock), compiled once and sent as a
  prepared statement; its rows become ordinary model instances (in no session), so the domain
  code and the repository's writers (``append_message``, ``audit``, ``start_idempotency`` …)
  work on them unchanged;
* ``add`` collects the new rows, and at the end one statement writes them and the changed
  columns, on condition that the conversation row is still as it was read
  (``guarded_statement``: a compare-and-set on the sequence number, the audit chain head and
  ``updated_at``). One statement is atomic on its own, so no transaction is opened.

Anything else a stage may need (raising an alert, rebuilding a legacy row's risk window,
resuming a half-finished Idempotency-Key), and a write that finds the row changed (another
writer came between the read and the write), goes to the ORM: the ``LeanSession`` answers
every other session call with ``NeedsOrm``, and the caller runs the stage again in an ORM
transaction, which locks the row. Nothing was written by then. Both paths write the same
rows; the tests compare them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import JSON, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.base import instance_state

from mediator.jsoncodec import json_dumps
from mediator.store import fold
from mediator.store.models import Conversation, new_row

_DIALECT = PGDialect_asyncpg(json_serializer=json_dumps)


class NeedsOrm(Exception):
    """The stage needs a session call the lean path does not make; nothing was written."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    """Bound parameter names in ``$1, $2 …`` order."""
    json: tuple[bool, ...]
    """Which of them are JSON (sent as text: the connection's codec takes JSON text)."""

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [json_dumps(params[n]) if j else params[n] for n, j in zip(self.names, self.json, strict=True)]


@lru_cache(maxsize=512)
def compiled(stmt: Any) -> _Compiled:
    """``stmt`` as PostgreSQL text with numbered parameters. Cached per statement object: the
    callers build each statement shape once (``lru_cache``), so this compiles once too."""
    configure_mappers()  # before ``_instance`` makes instances without a constructor
    c = stmt.compile(dialect=_DIALECT)
    names = tuple(c.positiontup or ())
    return _Compiled(str(c), names, tuple(isinstance(c.binds[n].type, JSON) for n in names))


@lru_cache(maxsize=16)
def _layout(model: type) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A model's column keys in its table's order, and where its primary key columns are."""
    columns = list(cast(Table, model.__table__).columns)
    return tuple(c.key for c in columns), tuple(i for i, c in enumerate(columns) if c.primary_key)


def _instance(model: type, keys: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """A model instance holding a row's values, which no session tracks: changes to it are
    recorded as for any instance (``committed_state`` keeps each changed column's value as
    read) and written by ``LeanSession.write``. Filled in as the ORM's loader does
    (``new_row``), not through the constructor's attribute events."""
    obj = new_row(model)
    instance_state(obj).dict.update(zip(keys, values, strict=True))
    return obj


class LeanSession:
    """Stands in for the ORM session inside a lean turn stage (see the module doc)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._new: list[Any] = []
        self._loaded: list[Any] = []

    def add(self, obj: Any) -> None:
        self._new.append(obj)

    def adopt(self, *objs: Any) -> None:
        """Take instances an earlier lean stage of the same request read or wrote as the rows
        now stored, instead of reading them again: the write's compare-and-set still finds out
        if the conversation changed since (and the stage then runs again under the lock)."""
        self._loaded.extend(o for o in objs if o is not None)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise NeedsOrm(f"session.{name}")

    async def first(self, stmt: Any, params: dict[str, Any], models: tuple[type, ...]) -> tuple[Any, ...] | None:
        """The first row of ``stmt`` (a select of the ``models``' tables, then any other
        columns), shaped as the ORM's row: an instance per model (None for an outer join that
        found nothing), then the other columns' values."""
        c = compiled(stmt)
        row = await self._conn.fetchrow(c.sql, *c.args(params))
        if row is None:
            return None
        out: list[Any] = []
        at = 0
        for model in models:
            keys, primary = _layout(model)
            values = tuple(row[at:at + len(keys)])
            at += len(keys)
            if all(values[i] is None for i in primary):  # an outer join that found nothing
                out.append(None)
                continue
            obj = _instance(model, keys, values)
            self._loaded.append(obj)
            out.append(obj)
        out.extend(row[at:])
        return tuple(out)

    def _parts(self) -> list[fold.Part]:
        kinds = [type(o) for o in self._new]
        if any(k not in fold.INSERTED for k in kinds) or len(set(kinds)) != len(kinds):
            raise NeedsOrm("rows the folded statement does not write")  # e.g. two audit events
        parts = []
        for model in fold.INSERTED:  # in fold's order: messages, audit events, key records
            for obj in (o for o in self._new if type(o) is model):
                values = fold.insertable(obj)
                if values is None:
                    raise NeedsOrm("a row with a default to apply")
                parts.append(fold.Part("insert", model, obj, values))
        for obj in self._loaded:
            values = fold.changed_values(obj)
            if not values:
                continue
            if type(obj) not in fold.UPDATED:
                raise NeedsOrm(f"a change to {type(obj).__name__}")
            parts.append(fold.Part("update", type(obj), obj, values))
        return parts

    async def write(self) -> None:
        """Send every new row and changed column in one statement, written only if the
        conversation row is still as it was read (else ``NeedsOrm``, nothing written); then the
        instances hold what is stored, as after an ORM commit, and a later lean stage may
        ``adopt`` them."""
        parts = self._parts()
        if not parts:
            return
        anchor = [p for p in parts if p.op == "update" and p.model is Conversation]
        if len(anchor) != 1:
            raise NeedsOrm("a write that does not change the conversation row")
        others = [p for p in parts if p is not anchor[0]]
        ordered = [anchor[0], *others]
        params = fold.parameters(ordered)
        state = instance_state(anchor[0].obj)
        for key in GUARD_COLUMNS:  # the row as read: what changed since holds its old value
            params[f"g_{key}"] = state.committed_state.get(key, state.dict.get(key))
        c = compiled(guarded_statement(tuple(p.shape for p in ordered)))
        if await self._conn.fetchval(c.sql, *c.args(params)) != 1:
            raise NeedsOrm("the conversation changed since it was read")
        for part in parts:  # every instance now holds its stored row, its changes since none
            part_state = instance_state(part.obj)
            if part.op == "update":
                part_state.dict.update(part.values)
            part_state.committed_state.clear()


GUARD_COLUMNS = ("next_seq", "audit_head", "updated_at")
"""What a lean write checks is unchanged on the conversation row. Every write to a conversation
moves at least one: a message takes the next sequence number, an audit event moves the chain
head, and every update sets ``updated_at``."""


@lru_cache(maxsize=256)
def guarded_statement(shape: fold.Shape) -> Any:
    """``fold.statement`` made conditional: the first part (the conversation's update) is
    guarded by the values read (``:g_<column>``) and the other parts write only if it did::

        WITH c AS (UPDATE conversations SET … WHERE id = … AND next_seq = :g_next_seq AND …
                   RETURNING id),
             p1 AS (INSERT INTO messages (…) SELECT :p1_id, … FROM c), …
        SELECT count(*) FROM c

    One statement, so it is atomic on its own: no BEGIN, no COMMIT, no lock held between the
    read and the write (two round trips a stage instead of four)."""
    conv = cast(Table, Conversation.__table__)
    (_, first_table, first_cols), *rest = shape
    assert first_table == conv.name
    guard = [*fold.bound_keys(conv, 0)]
    for key in GUARD_COLUMNS:
        guard.append(conv.c[key].is_not_distinct_from(bindparam(f"g_{key}", type_=conv.c[key].type)))
    anchor = (update(conv).where(and_(*guard)).values(fold.bound_values(conv, 0, first_cols))
              .returning(conv.c.id).cte("c"))
    main = select(func.count()).select_from(anchor)
    for i, (op, name, cols) in enumerate(rest, start=1):
        table = fold.table_named(name)
        values = fold.bound_values(table, i, cols)
        if op == "insert":
            row = select(*(value.label(c) for c, value in values.items())).select_from(anchor)
            stmt: Any = insert(table).from_select(list(cols), row, include_defaults=False)
        else:
            stmt = (update(table).where(*fold.bound_keys(table, i), table.c.conversation_id == anchor.c.id)
                    .values(values))
        main = main.add_cte(stmt.cte(f"p{i}"))
    return main


_CONNECTION_LOST = (OSError, ConnectionError, TimeoutError)


class ConnectionCache:
    """The few pooled connections a worker's lean stages are using now, kept checked out
    between stages. Checking a connection out of SQLAlchemy's pool and back in costs about
    150 µs of CPU (measured: greenlet hops, the pool's events and bookkeeping), twice a turn;
    taking one from here costs a list pop. One idle here longer than ``idle_s`` goes back to
    the pool instead, which pings it on its next checkout (``db._ping_when_idle``): what a
    restart or failover may have cut is found there, as before. At most ``keep`` wait here;
    they count against the pool's size like any checked-out connection."""

    def __init__(self, engine: AsyncEngine, keep: int = 4, idle_s: float = 2.0) -> None:
        self._engine, self._keep, self._idle_s = engine, keep, idle_s
        self._idle: list[tuple[AsyncConnection, Any, float]] = []
        self._closed = False

    async def take(self) -> tuple[AsyncConnection, Any]:
        """A checked-out connection and its asyncpg connection."""
        while self._idle:
            sa_conn, raw, since = self._idle.pop()
            if time.monotonic() - since <= self._idle_s and not raw.is_closed():
                return sa_conn, raw
            await sa_conn.close()
        sa_conn = await self._engine.connect()
        try:
            return sa_conn, (await sa_conn.get_raw_connection()).driver_connection
        except BaseException:
            await sa_conn.close()
            raise

    async def give_back(self, sa_conn: AsyncConnection, raw: Any, sound: bool) -> None:
        """Keep a connection whose last stage left it idle (``sound``); any other goes back to
        the pool, which resets or discards it as usual."""
        if sound and not self._closed and not sa_conn.invalidated and not raw.is_closed() \
                and len(self._idle) < self._keep:
            self._idle.append((sa_conn, raw, time.monotonic()))
        else:
            await sa_conn.close()

    async def close(self) -> None:
        """Hand every kept connection back to the pool (before the engine is disposed)."""
        self._closed = True
        idle, self._idle = self._idle, []
        for sa_conn, _raw, _since in idle:
            await sa_conn.close()


@asynccontextmanager
async def transaction(connections: ConnectionCache) -> AsyncIterator[LeanSession]:
    """A lean unit of work on a pooled connection: reads as the block goes, one guarded write
    when it ends (see ``LeanSession.write``); on any error nothing is written. Driver errors
    come out as SQLAlchemy's ``OperationalError``, as from the ORM path, so the API answers 503
    either way; a lost connection is dropped from the pool."""
    import asyncpg

    sa_conn, conn = await connections.take()
    sound = False
    try:
        session = LeanSession(conn)
        yield session
        await session.write()
        sound = True
    except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError,
            *_CONNECTION_LOST) as exc:
        # a server-side error leaves a sound connection; anything else (a cut connection, a
        # protocol out of step after one) drops it from the pool
        if not isinstance(exc, asyncpg.PostgresError) or conn.is_closed():
            await sa_conn.invalidate()
        raise OperationalError("lean turn write", None, exc) from exc
    except Exception:
        # the stage's own refusal (NeedsOrm, a conflict, not found) between statements: the
        # connection is as sound as after a clean stage
        sound = not conn.is_in_transaction()
        raise
    finally:
        # a cancellation (a statement may be in flight) and a driver error hand it back
        await connections.give_back(sa_conn, conn, sound)


__all__ = ["ConnectionCache", "LeanSession", "NeedsOrm", "compiled", "transaction"]
