"""Faults against the real services while simulated borrowers keep talking: Redis stopped and
restarted, the model failing and timing out, a worker process SIGKILLed mid-turn, a client
retrying while its first attempt is still running. After each, the reconciliation read from
the database is exact: every message stored once and answered once (or handed over)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from mediator.bench.load import LoadDriver, LocalStack, ServeProcess, Transcript, read_transcripts, reconcile
from mediator.devtools.stub_openai import fail, stall
from tests.loadkit import assert_exact, run_load, stack

pytestmark = [pytest.mark.slow, pytest.mark.services]

MODEL_LATENCY_MS = 50.0


@pytest.fixture(scope="module")
def st() -> Iterator[LocalStack]:
    # a short model timeout so that stalls become timeouts quickly; two workers so one can die
    with stack(workers=2, model_latency_ms=MODEL_LATENCY_MS, extra_env={"MEDIATOR_LLM_TIMEOUT": "1.0"}) as s:
        yield s


@pytest.fixture(autouse=True)
def healthy_model(st: LocalStack) -> Iterator[None]:
    yield
    st.stub.control.set_mode("helpful", latency_ms=MODEL_LATENCY_MS)


def _window(result_turns: list, t0: float, t1: float) -> list:
    return [t for t in result_turns if t0 <= t.started <= t1]


def test_redis_stopped_and_restarted_mid_load(st: LocalStack) -> None:
    assert st.redis is not None
    marks: dict[str, float] = {}

    async def outage(driver: LoadDriver) -> None:
        await asyncio.sleep(1.5)
        await asyncio.to_thread(st.redis.stop)
        marks["down"] = time.perf_counter()
        await asyncio.sleep(3.0)
        marks["up"] = time.perf_counter()
        await asyncio.to_thread(st.redis.start)  # back empty, on the same port

    result, rec = run_load(st, borrowers=16, seconds=7.0, during=outage)
    assert_exact(result, rec)  # includes: the outbox drained to the restarted Redis
    during = _window(result.turns, marks["down"], marks["up"])
    assert during and all(t.outcome == "ok" and t.reply_action is not None for t in during)  # chat kept going


def test_model_errors_and_timeouts_mid_load(st: LocalStack) -> None:
    async def flaky(driver: LoadDriver) -> None:
        await asyncio.sleep(1.0)
        st.stub.control.script(*[fail(500) for _ in range(400)])  # server errors, then "exhausted": still 500
        await asyncio.sleep(2.0)
        st.stub.control.script(*[stall(2.5) for _ in range(400)])  # slower than the 1 s client timeout
        await asyncio.sleep(3.0)
        st.stub.control.set_mode("helpful")

    result, rec = run_load(st, borrowers=12, seconds=8.0, during=flaky)
    assert_exact(result, rec)
    assert rec.handovers > 0  # the failing turns got the fallback and a person, not silence
    reasons = asyncio.run(_handover_reasons(st, {t.conversation_id for t in result.turns}))
    assert any(r.startswith("model failure") for r in reasons), reasons
    assert any(t.reply_action in ("pass", "repair") for t in result.turns)


async def _handover_reasons(st: LocalStack, conversation_ids: set[str]) -> list[str]:
    from sqlalchemy import select

    from mediator.store.db import Database
    from mediator.store.models import Conversation

    db = Database(st.database.url)
    try:
        async with db.reader() as s:
            rows = await s.execute(select(Conversation.handover_reason).where(
                Conversation.id.in_(conversation_ids), Conversation.handover_reason.is_not(None)))
            return [str(r) for (r,) in rows.all()]
    finally:
        await db.dispose()


def test_worker_killed_mid_turn(st: LocalStack) -> None:
    srv = st.servers[0]
    st.stub.control.set_mode("helpful", latency_ms=400)  # turns spend long enough inside a worker
    killed: list[int] = []

    async def kill(driver: LoadDriver) -> None:
        await asyncio.sleep(1.5)
        for _ in range(3):  # until a kill has cut a turn in flight (a worker may happen to be idle)
            while driver.in_flight < 4:
                await asyncio.sleep(0.01)
            pid = srv.busiest_worker()
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            await asyncio.sleep(1.0)
            if any(k.startswith("transport:") for k in driver.errors):
                return
            await asyncio.to_thread(_wait_for_workers, srv, 2)

    result, rec = run_load(st, borrowers=16, seconds=6.0, during=kill)
    assert killed
    assert_exact(result, rec)
    assert any(k.startswith("transport:") for k in result.errors), result.errors  # a turn really was cut
    assert sum(t.attempts > 1 for t in result.turns) >= 1
    _wait_for_workers(srv, 2)  # the supervisor replaced the dead worker
    assert not set(killed) & set(srv.worker_pids()) and len(srv.worker_pids()) == 2


def _wait_for_workers(srv: ServeProcess, n: int, timeout_s: float = 20.0) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline and len(srv.worker_pids()) < n:
        time.sleep(0.2)


def test_retry_while_the_first_attempt_is_still_running(st: LocalStack) -> None:
    """A client that times out and retries with the same key while its first request is still
    being answered must not get a second reply stored."""
    st.stub.control.set_mode("helpful", latency_ms=600)
    driver = LoadDriver([st.url], st.integration_key, borrowers=1, seconds=0, warm=False)

    async def go() -> dict[str, Transcript]:
        async with httpx.AsyncClient(base_url=st.url, timeout=30) as c:
            (b,) = await driver.open_conversations(c)
            text = "Could we spread what's left over six months or so?"
            first = asyncio.create_task(driver.send(c, b, text, key="same-key"))
            await asyncio.sleep(0.3)  # the first attempt is now waiting on the model
            second = await driver.send(c, b, text, key="same-key")
            one = await first
        assert one.outcome == second.outcome == "ok"
        transcripts, _ = await read_transcripts(st.database.url, [b.conversation_id])
        return transcripts

    transcripts = asyncio.run(go())
    rec = reconcile(driver.turns[:1], transcripts)
    assert rec.problems == [] and rec.exact and rec.answered == 1, rec.problems
    (tr,) = transcripts.values()
    assert [role for _s, role, _t in tr.messages] == ["borrower", "mediator"]

