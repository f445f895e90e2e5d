"""The bus: live events fan out, alerts are consumed once per group and retried on failure."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from mediator.bus.memory import InProcessBus
from tests.conftest import REDIS_URL, _need_services


async def test_in_process_bus_delivers_to_every_subscriber() -> None:
    bus = InProcessBus()
    async with bus.subscribe("c") as a, bus.subscribe("c") as b, bus.subscribe("other") as _o:
        await bus.publish("c", {"n": 1})
        assert await asyncio.wait_for(a.__anext__(), 1) == {"n": 1}
        assert await asyncio.wait_for(b.__anext__(), 1) == {"n": 1}
    assert bus.fanout.channels() == []


async def test_in_process_alerts_retry_after_handler_failure() -> None:
    bus = InProcessBus()
    seen: list[str] = []
    fail_once = {"x": True}

    async def handler(payload: dict) -> None:
        if fail_once["x"]:
            fail_once["x"] = False
            raise RuntimeError("transient")
        seen.append(payload["id"])

    stop = asyncio.Event()
    task = asyncio.create_task(bus.consume_alerts("me", handler, stop))
    await bus.append_alert({"id": "a1"})
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    assert seen == ["a1"]


@pytest.fixture
def redis_url() -> str:
    _need_services()
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    r.flushdb()
    r.close()
    return REDIS_URL


@contextlib.asynccontextmanager
async def two_instances(redis_url: str) -> AsyncIterator[tuple[Any, Any]]:
    """Two Redis buses, as two service instances have."""
    from mediator.bus.redis_bus import RedisBus

    a, b = RedisBus(redis_url), RedisBus(redis_url)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_redis_live_events_cross_instances(redis_url: str) -> None:
    async with (two_instances(redis_url) as (a, b), b.subscribe("conv:x") as events_b,
                a.subscribe("conv:x") as events_a):
        await asyncio.sleep(0.2)
        await a.publish("conv:x", {"hello": 1})
        assert await asyncio.wait_for(events_b.__anext__(), 3) == {"hello": 1}
        # the publishing instance's own subscribers get it once (directly, not echoed back)
        assert await asyncio.wait_for(events_a.__anext__(), 3) == {"hello": 1}
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(events_a.__anext__(), 0.5)


async def test_redis_publish_many_arrives_in_order_on_each_channel(redis_url: str) -> None:
    """Several events to a channel travel as one message; the other instance gets each event,
    in the order published, and each channel only its own."""
    async with (two_instances(redis_url) as (a, b), b.subscribe("conv:y") as borrower,
                b.subscribe("staff:conv:y") as staff):
        await asyncio.sleep(0.2)
        await a.publish_many([("conv:y", {"n": 1}), ("staff:conv:y", {"n": "s1"}), ("conv:y", {"n": 2}),
                              ("staff:conv:y", {"n": "s2"}), ("conv:y", {"n": 3})])
        got = [await asyncio.wait_for(borrower.__anext__(), 3) for _ in range(3)]
        assert got == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert [await asyncio.wait_for(staff.__anext__(), 3) for _ in range(2)] == [{"n": "s1"}, {"n": "s2"}]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(borrower.__anext__(), 0.3)


async def test_redis_alerts_consumed_once_across_consumers_and_retried(redis_url: str) -> None:
    from mediator.bus.redis_bus import RedisBus

    a, b = RedisBus(redis_url, claim_idle_ms=300), RedisBus(redis_url, claim_idle_ms=300)
    seen: list[tuple[str, str]] = []
    failed_once: set[str] = set()

    def handler_for(name: str):
        async def handler(payload: dict) -> None:
            if payload["id"] == "flaky" and "flaky" not in failed_once:
                failed_once.add("flaky")
                raise RuntimeError("transient")
            seen.append((name, payload["id"]))
        return handler

    stop = asyncio.Event()
    tasks = [asyncio.create_task(a.consume_alerts("a", handler_for("a"), stop)),
             asyncio.create_task(b.consume_alerts("b", handler_for("b"), stop))]
    ids = [uuid.uuid4().hex for _ in range(20)] + ["flaky"]
    for i in ids:
        await a.append_alert({"id": i})
    for _ in range(150):
        if len(seen) >= len(ids):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks)
    await a.close()
    await b.close()
    assert sorted(i for _, i in seen) == sorted(ids)  # each exactly once, the flaky one after a retry


async def test_redis_publishes_queued_faster_than_redis_answers_keep_their_order(redis_url: str) -> None:
    """A publish does not wait for Redis: what queues meanwhile goes in the next pipeline, and
    the other instance still gets every event once, in the order published."""
    async with two_instances(redis_url) as (a, b), b.subscribe("conv:z") as remote:
        await asyncio.sleep(0.2)
        for n in range(60):
            if n % 3:
                await a.publish("conv:z", {"n": n})
            else:
                await a.publish_many([("conv:z", {"n": n}), ("staff:conv:z", {"n": n})])
        got = [await asyncio.wait_for(remote.__anext__(), 3) for _ in range(60)]
        assert got == [{"n": n} for n in range(60)]


async def test_a_publish_does_not_wait_on_a_redis_that_never_answers() -> None:
    """A Redis that accepts connections and then says nothing (a hung server) held every turn
    for the client's socket timeout (5 s) when publishing waited for its reply; now the turn goes
    on at once and this instance's own subscribers have the event."""
    from mediator.bus.redis_bus import RedisBus

    silent = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    bus = RedisBus(f"redis://127.0.0.1:{port}/0")
    try:
        async with bus.subscribe("conv:q") as local:
            await asyncio.wait_for(bus.publish_many([("conv:q", {"n": 1})]), 1.0)
            await asyncio.wait_for(bus.publish("conv:q", {"n": 2}), 1.0)
            assert [await asyncio.wait_for(local.__anext__(), 1) for _ in range(2)] == [{"n": 1}, {"n": 2}]
    finally:
        await bus.close()
        silent.close()


async def test_redis_publishing_survives_its_connection_being_dropped(redis_url: str) -> None:
    """Publishes share one kept connection. When Redis drops it (a restart, an idle timeout,
    ``CLIENT KILL``), the next batch goes out on a fresh connection: nothing after the drop is
    lost and the order holds."""
    import redis.asyncio as aioredis

    async with two_instances(redis_url) as (a, b), b.subscribe("conv:k") as remote:
        await asyncio.sleep(0.2)
        await a.publish("conv:k", {"n": 0})
        assert await asyncio.wait_for(remote.__anext__(), 3) == {"n": 0}
        admin = aioredis.from_url(redis_url)
        try:
            killed = await admin.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        finally:
            await admin.aclose()
        assert killed >= 1  # the publishing connection among them (subscribers are not "normal")
        for n in range(1, 6):
            await a.publish("conv:k", {"n": n})
        got = [await asyncio.wait_for(remote.__anext__(), 3) for _ in range(5)]
        assert got == [{"n": n} for n in range(1, 6)]


async def test_a_redis_that_does_not_answer_a_publish_batch_times_out_once_per_batch(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The replies of a batch of PUBLISHes share one deadline (``SOCKET_TIMEOUT_S``), not one
    each: a paused Redis fails the batch (tried twice) within two deadlines, the connection is
    dropped, and publishing works again once Redis answers."""
    import time

    import redis.asyncio as aioredis

    from mediator.bus import redis_bus

    monkeypatch.setattr(redis_bus, "SOCKET_TIMEOUT_S", 0.3)
    bus = redis_bus.RedisBus(redis_url)
    await bus.start()
    admin = aioredis.from_url(redis_url)
    batch = [(f"mediator:ev:conv:t{i}", '{"e": 1}') for i in range(3)]
    try:
        await bus._publish_batch(batch)
        await admin.execute_command("CLIENT", "PAUSE", "1500", "WRITE")  # PUBLISH waits, unanswered
        t0 = time.perf_counter()
        with pytest.raises(TimeoutError):
            await bus._publish_batch(batch)
        assert time.perf_counter() - t0 < 1.2  # two deadlines of 0.3 s, not the pause's 1.5 s
        assert bus._publisher is None
        await admin.execute_command("CLIENT", "UNPAUSE")
        await bus._publish_batch(batch)
        assert bus._publisher is not None
    finally:
        with contextlib.suppress(Exception):
            await admin.execute_command("CLIENT", "UNPAUSE")
        await admin.aclose()
        await bus.close()
