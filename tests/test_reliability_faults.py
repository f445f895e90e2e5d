"""Faults, for real: the database refusing connections mid-turn (PostgreSQL), Redis killed
(a private redis-server), the model failing and stalling (the stub model server), and a server
stopped while a turn is in flight."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from mediator.agent.base import AgentReply
from mediator.devtools.stub_openai import fail, run_stub, stall
from tests.conftest import ServerThread, Stack, _pg_admin, make_settings, open_conversation
from tests.test_alerts_durability import PrivateRedis, private_redis  # noqa: F401 - fixture
from tests.test_privacy_data import run_db
from tests.test_service_staff import SSEReader


def test_health_and_readiness_answer(server: ServerThread) -> None:
    with server.client() as c:
        health, ready = c.get("/healthz"), c.get("/readyz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert ready.status_code == 200
    body = ready.json()
    assert body["database"] == "ok" and body["bus_status"] == "ok" and body["policy_version"]


# --- database down ---------------------------------------------------------------------------------


class DatabaseOutage:
    """Stop a PostgreSQL database accepting connections and cut the ones it has: what a
    failover or a crashed primary looks like from the service."""

    def __init__(self, database_url: str) -> None:
        self.name = make_url(database_url).database

    async def cut(self) -> None:
        await _pg_admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        await _pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")

    async def restore(self) -> None:
        await _pg_admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


class CutsTheDatabaseBackend:
    """Drafts a reply, but while it 'thinks' the database goes away."""

    name = "cutting"

    def __init__(self, outage: DatabaseOutage) -> None:
        self.outage = outage
        self.armed = True

    async def reply(self, turn: Any) -> AgentReply:
        if self.armed:
            self.armed = False
            await self.outage.cut()
        return AgentReply(text="Thanks, I can go through the repayment options with you.", backend=self.name)

    async def suggest(self, turn: Any, n: int = 3) -> list[str]:
        return []

    async def summarize(self, turn: Any) -> str:
        return ""


def _counts(srv: ServerThread, conv_id: str) -> dict[str, Any]:
    from mediator.store.models import AuditEvent, Conversation, Message

    async def fn(s: Any) -> dict[str, Any]:
        conv = await s.get(Conversation, conv_id)
        msgs = (await s.execute(select(Message.role).where(Message.conversation_id == conv_id)
                                .order_by(Message.seq))).scalars().all()
        kinds = (await s.execute(select(AuditEvent.kind).where(AuditEvent.conversation_id == conv_id)
                                 .order_by(AuditEvent.id))).scalars().all()
        return {"roles": list(msgs), "audit": list(kinds), "next_seq": conv.next_seq,
                "replies_sent": conv.replies_sent}

    return run_db(srv, fn)


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_database_down_mid_turn_is_503_and_nothing_half_written(stack: Stack, tmp_path: Path) -> None:
    outage = DatabaseOutage(stack.database_url)
    backend = CutsTheDatabaseBackend(outage)
    with ServerThread(make_settings(stack, tmp_path), backend=backend) as srv:
        conv_id, borrower = open_conversation(srv)
        url = f"/v1/conversations/{conv_id}/messages"
        key = str(uuid.uuid4())
        try:
            with borrower, srv.integration() as integ, srv.client() as anon:
                failed = borrower.post(url, json={"text": "can I pay in parts?"}, headers={"Idempotency-Key": key})
                assert failed.status_code == 503, failed.text
                assert failed.headers["Retry-After"] and failed.json()["detail"]
                # while it is down: health says so, and every other call is a clean 503
                assert anon.get("/healthz").status_code == 503
                assert anon.get("/readyz").status_code == 503
                down_put = integ.put("/v1/accounts/acct-during-outage", json={
                    "creditor": "Acme Bank", "balance": "10.00", "currency": "USD", "jurisdiction": "US",
                    "language": "en"})
                assert down_put.status_code == 503
                assert borrower.get(url).status_code == 503
                during = borrower.post(url, json={"text": "hello? is anyone there?"})
                assert during.status_code == 503 and during.headers["Retry-After"]
        finally:
            asyncio.run(outage.restore())

        state = _counts(srv, conv_id)
        # the borrower's message (stage one) committed; the reply's transaction left nothing behind
        assert state["roles"] == ["borrower"]
        assert state["next_seq"] == 2 and state["replies_sent"] == 0
        assert "reply_sent" not in state["audit"] and state["audit"].count("borrower_message") == 1
        with srv.integration() as integ:
            assert integ.get("/v1/accounts/acct-during-outage/export").status_code == 404
        # the service recovers by itself, and the retry finishes the same turn exactly once
        deadline = time.time() + 15
        with srv.client() as anon:
            while anon.get("/healthz").status_code != 200:
                assert time.time() < deadline, "did not recover after the database came back"
                time.sleep(0.2)
        with srv.client(Authorization=borrower.headers["Authorization"]) as again:
            retried = again.post(url, json={"text": "can I pay in parts?"}, headers={"Idempotency-Key": key})
            assert retried.status_code == 201, retried.text
            assert retried.json()["reply"]["text"]
        final = _counts(srv, conv_id)
        assert final["roles"] == ["borrower", "mediator"] and final["audit"].count("reply_sent") == 1


# --- Redis down ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_chat_keeps_working_while_redis_is_down(stack: Stack, tmp_path: Path,
                                                private_redis: PrivateRedis) -> None:  # noqa: F811
    settings = make_settings(stack, tmp_path, REDIS_URL=private_redis.url, MEDIATOR_RATE_LIMIT=50,
                             MEDIATOR_RATE_LIMIT_IP=500)
    with ServerThread(settings) as srv:
        conv_id, borrower = open_conversation(srv)
        token = borrower.headers["Authorization"].split()[1]
        url = f"/v1/conversations/{conv_id}/messages"
        with borrower:
            assert borrower.post(url, json={"text": "hello"}).status_code == 201
            reader = SSEReader(f"{srv.url}/v1/conversations/{conv_id}/events?token={token}&after=2")
            reader.connected.wait(5)
            time.sleep(0.2)
            private_redis.stop()
            for text in ("I lost my job", "can we pause payments?"):
                r = borrower.post(url, json={"text": text})
                assert r.status_code == 201, r.text  # rate limits fall back to counting in-process
                assert r.json()["reply"]["text"]
            # live events still reach a stream held on this instance
            reader.wait_for(lambda e: e[1] == "message" and e[2]["seq"] == 6)
            reader.close()
            ready = srv.client().get("/readyz").json()
            assert ready["database"] == "ok" and ready["bus_status"] == "degraded"
            private_redis.start()
            assert borrower.post(url, json={"text": "thanks"}).status_code == 201
            msgs = borrower.get(url).json()["messages"]
    assert [m["seq"] for m in msgs] == list(range(1, 9))


# --- model down ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
@pytest.mark.parametrize("script", ["errors", "timeout"])
def test_model_down_gives_the_fallback_and_a_human(stack: Stack, tmp_path: Path, script: str) -> None:
    from mediator import metrics

    items = [fail(500), fail(503), fail(500)] if script == "errors" else [stall(5.0), stall(5.0)]
    with run_stub() as stub:
        stub.script(*items)
        settings = make_settings(stack, tmp_path, OPENAI_BASE_URL=stub.url, OPENAI_API_KEY="sk-test",
                                 MEDIATOR_MODEL="stub-model", MEDIATOR_LLM_TIMEOUT=0.5, MEDIATOR_LLM_MAX_RETRIES=1)
        errors_before = _counter_total(metrics.MODEL_ERRORS)
        with ServerThread(settings) as srv:
            conv_id, borrower = open_conversation(srv)
            with borrower:
                r = borrower.post(f"/v1/conversations/{conv_id}/messages",
                                  json={"text": "Hi, I'd like to set up a payment plan for my balance."})
                assert r.status_code == 201, r.text
                reply = r.json()["reply"]
                conv = borrower.get(f"/v1/conversations/{conv_id}").json()
                msgs = borrower.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]
        assert stub.requests_seen, "the model was asked"
    assert reply["text"] and "stub" not in reply["text"].lower() and "error" not in reply["text"].lower()
    assert conv["status"] == "escalated"
    assert [m["role"] for m in msgs] == ["borrower", "mediator"] and msgs[1]["text"] == reply["text"]
    assert _counter_total(metrics.MODEL_ERRORS) > errors_before, "model failures must show in the metrics"


def _counter_total(counter: Any) -> float:
    return sum(s.value for m in counter.collect() for s in m.samples if s.name.endswith("_total"))


# --- graceful shutdown -----------------------------------------------------------------------------


class SlowBackend:
    name = "slow"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = threading.Event()

    async def reply(self, turn: Any) -> AgentReply:
        self.started.set()
        await asyncio.sleep(self.seconds)
        return AgentReply(text="Thank you for waiting. I can explain the options whenever you are ready.",
                          backend=self.name)

    async def suggest(self, turn: Any, n: int = 3) -> list[str]:
        return []

    async def summarize(self, turn: Any) -> str:
        return ""


def test_shutdown_finishes_the_turn_in_flight(stack: Stack, tmp_path: Path) -> None:
    from mediator.store.models import Message

    backend = SlowBackend(1.5)
    srv = ServerThread(make_settings(stack, tmp_path), backend=backend)
    srv.__enter__()
    try:
        conv_id, borrower = open_conversation(srv)
        result: dict[str, Any] = {}

        def post() -> None:
            try:
                result["r"] = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "hello there"})
            except httpx.HTTPError as exc:
                result["error"] = exc

        t = threading.Thread(target=post)
        t.start()
        assert backend.started.wait(10), "the turn never reached the model"
        srv._server.should_exit = True  # SIGTERM-equivalent while the model is drafting
        time.sleep(0.2)
        with pytest.raises(httpx.HTTPError):  # no new work is accepted once shutdown has begun
            httpx.get(f"{srv.url}/healthz", timeout=2)
        t.join(15)
    finally:
        srv.__exit__(None, None, None)
        borrower.close()
    assert "error" not in result, result.get("error")
    assert result["r"].status_code == 201
    assert result["r"].json()["reply"]["text"].endswith("whenever you are ready.")

    async def stored(s: Any) -> list[str]:
        return list((await s.execute(select(Message.role).where(Message.conversation_id == conv_id)
                                     .order_by(Message.seq))).scalars())

    assert run_db(srv, stored) == ["borrower", "mediator"]
    count = run_db(srv, lambda s: s.scalar(select(func.count()).select_from(Message)))
    assert count == 2
