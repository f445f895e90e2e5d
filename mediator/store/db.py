"""Engine, sessions and migrations: SQLite file by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from mediator.jsoncodec import json_dumps
from mediator.store import fold

if TYPE_CHECKING:
    from mediator.store.lean import ConnectionCache

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Accept the URLs people actually write and pick the async driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    u = make_url(url)
    if u.drivername in ("postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    elif u.drivername in ("sqlite", "sqlite+pysqlite"):
        u = u.set(drivername="sqlite+aiosqlite")
    return u.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas_and_begin(engine: AsyncEngine, begin: str) -> None:
    """SQLite upgrades a read lock to a write lock lazily and fails under concurrency, so the
    writer engine takes the write lock at BEGIN (IMMEDIATE; SQLAlchemy's documented recipe for
    pysqlite/aiosqlite); the reader engine begins DEFERRED and, with WAL, never blocks a writer."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


def make_engine(url: str, readonly: bool = False) -> AsyncEngine:
    url = normalise_url(url)
    if is_sqlite(url):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, json_serializer=json_dumps,
                                     json_deserializer=orjson.loads)
        _sqlite_pragmas_and_begin(engine, "BEGIN" if readonly else "BEGIN IMMEDIATE")
        return engine
    # LIFO: the same few warm connections serve a steady load and the rest go idle, instead of
    # every connection (and its PostgreSQL backend) taking turns
    engine = create_async_engine(url, pool_size=20, max_overflow=20, pool_timeout=10, pool_use_lifo=True,
                                 json_serializer=json_dumps, json_deserializer=orjson.loads)
    _ping_when_idle(engine)
    return engine


IDLE_PING_S = 2.0
"""A pooled connection idle longer than this is pinged before use (see ``_ping_when_idle``)."""


def _ping_when_idle(engine: AsyncEngine, idle_s: float = IDLE_PING_S) -> None:
    """Pessimistic disconnect handling, paid only where it helps. SQLAlchemy's ``pool_pre_ping``
    pings on every checkout: a round trip per transaction, about 7% of a borrower turn. A
    connection that went back to the pool moments ago is as alive as a ping would show, so only
    one idle for longer than ``idle_s`` (where a restart or failover may have cut it) is pinged;
    a failed ping discards it and the pool connects afresh (SQLAlchemy's documented recipe of
    raising DisconnectionError on checkout). A connection cut while in busy use fails its
    statement instead, which SQLAlchemy recognises as a disconnect and answers by discarding
    every connection in the pool."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError("pooled connection failed its ping") from exc


class FoldingSession(Session):
    """A session whose flushes are folded into one statement where they can be (``fold``)."""


fold.install(FoldingSession)


class Database:
    """One engine and session factory per process."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        # PostgreSQL: a turn's message, audit event and conversation update go in one statement
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False,
                                           sync_session_class=Session if is_sqlite(self.url) else FoldingSession)
        # SQLite: a separate engine for reads, so a read never takes the write lock
        self.read_engine = make_engine(self.url, readonly=True) if is_sqlite(self.url) else self.engine
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite has one writer at a time; queueing writers here is fair and quick, where SQLite's
        # own busy handler sleeps in growing steps and makes long tails
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if is_sqlite(self.url) else None
        self.lean = not is_sqlite(self.url)
        """Borrower turns run their transactions without the ORM session (``lean``): PostgreSQL."""
        self._lean_connections: ConnectionCache | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back wholly on any error, so a
        failure never leaves anything half-written."""
        if self._write_lock is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._write_lock, self.sessions() as session, session.begin():
            yield session

    def lean_transaction(self) -> Any:
        """``lean.transaction`` on this database's pool (PostgreSQL)."""
        from mediator.store import lean

        if self._lean_connections is None:
            self._lean_connections = lean.ConnectionCache(self.engine, idle_s=IDLE_PING_S)
        return lean.transaction(self._lean_connections)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        async with self.read_sessions() as session:
            yield session

    async def migrate(self) -> None:
        await asyncio.to_thread(upgrade, self.url)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        if self._lean_connections is not None:
            await self._lean_connections.close()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


async def pg_admin_execute(admin_url: str, sql: str) -> None:
    """Run one administrative statement (CREATE/DROP DATABASE…) outside a transaction, as the
    benches and tests that make and drop their own PostgreSQL databases need."""
    import asyncpg

    u = make_url(admin_url)
    conn = await asyncpg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                                 password=u.password, database=u.database or "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations (blocking; run it in a thread from async code)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
