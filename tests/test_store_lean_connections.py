"""The lean stages' connection cache (``store.lean.ConnectionCache``) on real PostgreSQL: a
connection is kept between stages, handed back to the pool when it has idled, when its stage
was cancelled or lost the connection, and on shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import Stack

pytestmark = pytest.mark.services


def _pool_checkouts(engine: Any) -> list[int]:
    """A list that grows by one on every checkout from the engine's pool."""
    from sqlalchemy import event

    seen: list[int] = []

    @event.listens_for(engine.sync_engine, "checkout")
    def _out(_dbapi: Any, _record: Any, _proxy: Any) -> None:
        seen.append(1)

    return seen


async def _with_database(stack: Stack, check: Any) -> None:
    from mediator.store.db import Database

    db = Database(stack.database_url)
    await db.migrate()
    try:
        await check(db)
    finally:
        await db.dispose()


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_stages_share_a_kept_connection_instead_of_checking_one_out_each(stack: Stack) -> None:
    async def check(db: Any) -> None:
        checkouts = _pool_checkouts(db.engine)
        backends = set()
        for _ in range(5):
            async with db.lean_transaction() as s:
                backends.add(s._conn.get_server_pid())
        assert len(checkouts) == 1 and len(backends) == 1
        assert db.engine.pool.checkedout() == 1  # kept: still out of the pool
        await db._lean_connections.close()
        assert db.engine.pool.checkedout() == 0

    asyncio.run(_with_database(stack, check))


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_a_connection_idle_too_long_goes_back_to_the_pool(stack: Stack) -> None:
    from mediator.store.lean import ConnectionCache, transaction

    async def check(db: Any) -> None:
        cache = ConnectionCache(db.engine, idle_s=0.05)
        checkouts = _pool_checkouts(db.engine)
        async with transaction(cache):
            pass
        await asyncio.sleep(0.1)
        async with transaction(cache):
            pass
        assert len(checkouts) == 2, "the idle one went back, a fresh checkout (pinged by the pool) replaced it"
        assert db.engine.pool.checkedout() == 1
        await cache.close()

    asyncio.run(_with_database(stack, check))


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_a_cancelled_or_failed_stage_hands_its_connection_back(stack: Stack) -> None:
    from sqlalchemy.exc import OperationalError

    from mediator.errors import NotFound
    from mediator.store.lean import ConnectionCache, transaction

    async def check(db: Any) -> None:
        cache = ConnectionCache(db.engine)
        started = asyncio.Event()

        async def slow_stage() -> None:
            async with transaction(cache) as s:
                started.set()
                await s._conn.fetchval("SELECT pg_sleep(5)")

        task = asyncio.create_task(slow_stage())
        await started.wait()
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert cache._idle == [] and db.engine.pool.checkedout() == 0  # mid-statement: not kept

        with pytest.raises(OperationalError):
            async with transaction(cache) as s:
                await s._conn.fetchval("SELECT 1/0")  # any driver error: back to the pool, which resets it
        assert cache._idle == [] and db.engine.pool.checkedout() == 0

        with pytest.raises(NotFound):  # the stage's own refusal between statements: kept
            async with transaction(cache):
                raise NotFound("conversation not found")
        assert len(cache._idle) == 1

        kept = cache._idle[0][1]
        with pytest.raises(OperationalError):
            async with transaction(cache) as s:
                assert s._conn is kept
                await s._conn.close()  # the connection is lost under the stage
                await s._conn.fetchval("SELECT 1")
        assert cache._idle == [] and db.engine.pool.checkedout() == 0
        async with transaction(cache) as s:  # and the next stage gets a working one
            assert await s._conn.fetchval("SELECT 41 + 1") == 42
        await cache.close()
        assert db.engine.pool.checkedout() == 0

    asyncio.run(_with_database(stack, check))
