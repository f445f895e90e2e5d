"""A turn's writes: one statement per transaction on PostgreSQL, the same rows on both stores.

``mediator.store.fold`` replaces the ORM's three write statements (message, audit event,
conversation row) with one. These tests hold it to what the ORM would have written: complete
rows, contiguous sequence numbers, an intact hash chain in id order, including a transaction
that also raises an alert (a second audit event, written after the folded one).
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from mediator.agent.base import AgentReply, TurnInput
from tests.conftest import ACCOUNTS, INTEGRATION_KEY, Stack, make_settings


class Polite:
    name = "polite"

    async def reply(self, turn: TurnInput) -> AgentReply:
        return AgentReply(text="Thank you for telling me. Let's look at the options together.", backend=self.name)

    async def suggest(self, turn: TurnInput, n: int = 3) -> list[str]:
        return []

    async def summarize(self, turn: TurnInput) -> str:
        return ""


LINES = (
    "Hi, can I pay this in instalments?",
    "If this isn't sorted I will file a complaint with the CFPB.",  # raises an alert in the same transaction
    "OK, what would the monthly amount be?",
)


async def _chat(stack: Stack, tmp_path: Path, statements: list[str]) -> dict[str, Any]:
    from mediator.api.app import create_app
    from mediator.service import Service
    from mediator.store import repo
    from mediator.store.models import Conversation, Message

    settings = make_settings(stack, tmp_path)
    svc = Service(settings, backend=Polite())
    app = create_app(settings, service=svc)
    capturing = {"on": False}

    @event.listens_for(svc.db.engine.sync_engine, "before_cursor_execute")
    def _capture(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if capturing["on"]:
            statements.append(" ".join(statement.split()))

    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            key = {"X-API-Key": INTEGRATION_KEY}
            acct = f"fold-{uuid.uuid4().hex[:8]}"
            (await c.put(f"/v1/accounts/{acct}", json=ACCOUNTS["US"], headers=key)).raise_for_status()
            opened = (await c.post("/v1/conversations", json={"account_id": acct, "identity_verified": True},
                                   headers=key)).json()
            auth = {"Authorization": f"Bearer {opened['borrower_token']}"}
            for line in LINES:
                capturing["on"] = True
                r = await c.post(f"/v1/conversations/{opened['conversation_id']}/messages", json={"text": line},
                                 headers={**auth, "Idempotency-Key": f"key-{uuid.uuid4().hex}"})
                capturing["on"] = False
                assert r.status_code == 201, r.text
        conv_id = opened["conversation_id"]
        async with svc.db.reader() as s:
            conv = await s.get(Conversation, conv_id)
            messages = list((await s.execute(select(Message).where(Message.conversation_id == conv_id)
                                             .order_by(Message.seq))).scalars())
            events = await repo.audit_events(s, stream=f"conv:{conv_id}")
            assert conv is not None
            return {"conv": conv, "messages": messages, "events": events, "broken": repo.verify_chain(events)}


@pytest.mark.parametrize("stack", ["embedded", "services"], indirect=True)
def test_a_turn_stores_complete_rows_and_an_intact_chain(stack: Stack, tmp_path: Path) -> None:
    from mediator.store import repo

    got = asyncio.run(_chat(stack, tmp_path, []))
    conv, messages, events = got["conv"], got["messages"], got["events"]
    assert [m.seq for m in messages] == list(range(1, 2 * len(LINES) + 1))
    assert [m.role for m in messages] == ["borrower", "mediator"] * len(LINES)
    assert [m.text for m in messages if m.role == "borrower"] == list(LINES)
    for m in messages:
        assert m.id and m.created_at is not None
        if m.role == "borrower":
            assert m.analysis and "intents" in m.analysis and m.verdict is None
        else:
            assert m.verdict and m.verdict["action"] in ("pass", "repair", "block") and m.policy_version
            assert m.backend == "polite"
    assert conv.next_seq == len(messages) + 1 and conv.replies_sent == len(LINES)
    assert conv.last_message_at is not None and conv.updated_at >= conv.created_at
    assert len(conv.risk_window) == len(LINES) and conv.risk > 0
    # the chain: intact, in id order, and the row's head is its last link
    assert got["broken"] == [] and events
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert conv.audit_head == events[-1].hash
    kinds = [e.kind for e in events if e.kind != "conversation_created"]
    assert kinds[:3] == ["borrower_message", "reply_sent", "borrower_message"]
    assert "alert_raised" in kinds and kinds.index("alert_raised") < kinds.index("reply_sent", 3)
    assert repo.sha256_text(LINES[1]) in [e.data.get("text_sha256") for e in events]


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_postgresql_writes_a_turn_in_one_statement_per_transaction(stack: Stack, tmp_path: Path) -> None:
    statements: list[str] = []
    asyncio.run(_chat(stack, tmp_path, statements))
    writes = [s for s in statements if not s.startswith("SELECT")]
    standalone = [s for s in writes if s.startswith(("INSERT INTO messages", "INSERT INTO audit_events",
                                                     "UPDATE conversations", "INSERT INTO idempotency_keys",
                                                     "UPDATE idempotency_keys"))]
    assert standalone == []
    # two transactions a turn, each one statement that writes the message, its audit event,
    # the conversation row and the Idempotency-Key record; the alert turn adds its own rows
    folded = [s for s in writes if s.startswith("WITH p0 AS") and "INSERT INTO messages" in s]
    assert len(folded) == 2 * len(LINES)
    assert all("INSERT INTO audit_events" in s and "UPDATE conversations" in s for s in folded)
    assert sum("INSERT INTO idempotency_keys" in s for s in writes) == len(LINES)
    assert sum("UPDATE idempotency_keys" in s for s in folded) == len(LINES)
    # reads: one query opens each transaction (conversation, account and key record together)
    assert sum(s.startswith("SELECT") and "idempotency_keys" in s for s in statements) == 2 * len(LINES)
    alert_rows = [s for s in writes if s.startswith(("INSERT INTO alerts", "INSERT INTO outbox"))]
    assert alert_rows, "the complaint line should raise an alert in its own transaction"


@pytest.mark.parametrize("stack", ["embedded", "services"], indirect=True)
def test_history_read_with_the_conversation_is_the_history_query(stack: Stack, tmp_path: Path) -> None:
    """On PostgreSQL the turn's first query also carries the last 40 messages (one round trip);
    they must be exactly what the separate history query returns, in order, texts intact."""
    from decimal import Decimal

    from mediator.service import Service
    from mediator.store import repo
    from mediator.store.models import Account

    async def go() -> tuple[Any, list[tuple[str, str]]]:
        svc = Service(make_settings(stack, tmp_path), backend=Polite())
        await svc.db.migrate()
        try:
            async with svc.db.transaction() as s:
                account = Account(id=f"hist-{uuid.uuid4().hex[:6]}", creditor="Acme Bank", balance=Decimal("10.00"),
                                  currency="USD", days_past_due=3, jurisdiction="US", language="en", verification={})
                s.add(account)
                await s.flush()
                conv = await repo.create_conversation(s, account, True)
                for i in range(45):
                    await repo.append_message(s, conv, "borrower" if i % 2 == 0 else "mediator",
                                              f"line {i}: it's \"quoted\", 还款 {{braces}} \\ back")
            async with svc.db.transaction() as s:
                rows = await repo.conversation_for_turn(s, conv.id, None, history=40)
                expected = await repo.message_history(s, conv.id, rows.conversation.next_seq, 40)
            return rows.history, expected
        finally:
            await svc.db.dispose()

    history, expected = asyncio.run(go())
    assert len(expected) == 40 and expected[0][1].startswith("line 5:") and expected[-1][1].startswith("line 44:")
    if stack.name == "services":
        assert history == expected
    else:
        assert history is None  # SQLite reads it with its own (in-process) query
