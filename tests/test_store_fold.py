"""A turn's writes: one statement per transaction on PostgreSQL, the same rows on both stores.

``mediator.store.fold`` replaces the ORM's three write statements (message, audit event,
conversation row) with one. These tests hold it to what the ORM would have written: complete
rows, contiguous sequence numbers, an intact hash chain in id order, including a transaction
that also raises an alert (a second audit event, written after the folded one).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
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


async def _chat(stack: Stack, tmp_path: Path, statements: list[list[str]], lean: bool = True,
                lines: tuple[str, ...] = LINES, setup: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """Chat ``lines``, one turn each; ``statements`` gets the SQL each turn sent (one list a
    turn); ``setup`` is given the service before the chat starts."""
    from mediator.api.app import create_app
    from mediator.service import Service
    from mediator.store import repo
    from mediator.store.models import Conversation, Message

    settings = make_settings(stack, tmp_path)
    svc = Service(settings, backend=Polite())
    app = create_app(settings, service=svc)
    capturing = {"on": False}

    svc.db.lean = svc.db.lean and lean
    if setup is not None:
        setup(svc)

    def _capture(statement: str) -> None:
        if capturing["on"] and not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements[-1].append(" ".join(statement.split()))

    @event.listens_for(svc.db.engine.sync_engine, "before_cursor_execute")
    def _orm_statement(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        _capture(statement)

    if stack.name == "services":
        @event.listens_for(svc.db.engine.sync_engine, "connect")
        def _log_queries(dbapi_conn: Any, _record: Any) -> None:
            # the lean path's statements bypass SQLAlchemy: the driver logs them (SQLAlchemy's
            # own prepared statements it does not, so nothing is counted twice)
            dbapi_conn.driver_connection.add_query_logger(lambda query: _capture(query.query))

    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            key = {"X-API-Key": INTEGRATION_KEY}
            acct = f"fold-{uuid.uuid4().hex[:8]}"
            (await c.put(f"/v1/accounts/{acct}", json=ACCOUNTS["US"], headers=key)).raise_for_status()
            opened = (await c.post("/v1/conversations", json={"account_id": acct, "identity_verified": True},
                                   headers=key)).json()
            auth = {"Authorization": f"Bearer {opened['borrower_token']}"}
            replies = []
            for line in lines:
                statements.append([])
                capturing["on"] = True
                r = await c.post(f"/v1/conversations/{opened['conversation_id']}/messages", json={"text": line},
                                 headers={**auth, "Idempotency-Key": f"key-{uuid.uuid4().hex}"})
                for _ in range(3):  # asyncpg calls query loggers soon after the query, not during it
                    await asyncio.sleep(0)
                capturing["on"] = False
                assert r.status_code == 201, r.text
                replies.append(r.json()["reply"])
        conv_id = opened["conversation_id"]
        async with svc.db.reader() as s:
            conv = await s.get(Conversation, conv_id)
            messages = list((await s.execute(select(Message).where(Message.conversation_id == conv_id)
                                             .order_by(Message.seq))).scalars())
            events = await repo.audit_events(s, stream=f"conv:{conv_id}")
            assert conv is not None
            return {"conv": conv, "messages": messages, "events": events, "broken": repo.verify_chain(events),
                    "replies": replies}


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
    per_turn: list[list[str]] = []
    asyncio.run(_chat(stack, tmp_path, per_turn))
    statements = [s for turn in per_turn for s in turn]
    writes = [s for s in statements if not s.startswith("SELECT")]
    standalone = [s for s in writes if s.startswith(("INSERT INTO messages", "INSERT INTO audit_events",
                                                     "UPDATE conversations", "INSERT INTO idempotency_keys",
                                                     "UPDATE idempotency_keys"))]
    assert standalone == []
    # two transactions a turn, each one statement that writes the message, its audit event,
    # the conversation row and the Idempotency-Key record; the alert turn adds its own rows
    # (the ORM's flush folded: WITH p0 AS (INSERT …) … UPDATE conversations; the lean write:
    # WITH c AS (UPDATE conversations … guarded), p1 AS (INSERT … SELECT … FROM c) …)
    folded = [s for s in writes if s.startswith("WITH ") and "INSERT INTO messages" in s]
    assert len(folded) == 2 * len(LINES)
    assert all("INSERT INTO audit_events" in s and "UPDATE conversations" in s for s in folded)
    assert sum("INSERT INTO idempotency_keys" in s for s in writes) == len(LINES)
    assert sum("UPDATE idempotency_keys" in s for s in folded) == len(LINES)
    alert_rows = [s for s in writes if s.startswith(("INSERT INTO alerts", "INSERT INTO outbox"))]
    assert alert_rows, "the complaint line should raise an alert in its own transaction"

    def turn_rows(turn: list[str]) -> list[str]:  # the turn's own statements, not the outbox relay's
        return [s.split(" ")[0] for s in turn if s.startswith("SELECT conversations") or s.startswith("WITH ")]

    # a quiet turn (the first): the first stage reads and writes; the reply stage writes what
    # the first stage left, checked by its compare-and-set, without reading it again
    assert turn_rows(per_turn[0]) == ["SELECT", "WITH", "WITH"]
    # the complaint turn's first transaction raises an alert, which the lean path leaves to the
    # ORM: the lean attempt reads, gives up before writing, and the ORM transaction runs it again
    assert turn_rows(per_turn[1]) == ["SELECT", "SELECT", "WITH", "WITH", "SELECT", "WITH"]


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


def _rows(got: dict[str, Any]) -> dict[str, Any]:
    """What a conversation stored, without what differs between any two runs (ids, times, hashes)."""
    from mediator.store.models import Conversation

    skip = {"id", "account_id", "created_at", "updated_at", "last_message_at", "escalated_at", "audit_head"}
    conv = {c.key: getattr(got["conv"], c.key) for c in Conversation.__table__.columns if c.key not in skip}
    messages = [(m.seq, m.role, m.text, m.draft, m.backend, m.action, m.policy_version, m.analysis,
                 {k: v for k, v in (m.verdict or {}).items() if k != "timings_us"}) for m in got["messages"]]
    volatile = {"message_id", "alert_id", "account_id", "verdict"}
    events = [(e.kind, e.actor, {k: v for k, v in e.data.items() if k not in volatile}) for e in got["events"]]
    return {"conversation": conv, "messages": messages, "events": events}


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_lean_and_orm_transactions_store_the_same_rows(stack: Stack, tmp_path: Path) -> None:
    """The same conversation through the lean transactions and through the ORM session alone."""
    lean = asyncio.run(_chat(stack, tmp_path, []))
    orm = asyncio.run(_chat(stack, tmp_path, [], lean=False))
    assert lean["broken"] == [] and orm["broken"] == []
    assert _rows(lean) == _rows(orm)


@pytest.mark.parametrize("stack", ["services"], indirect=True)
@pytest.mark.parametrize("when", ["while the model drafts", "after the reply stage read"])
def test_a_lean_write_after_a_concurrent_change_is_redone_under_the_lock(stack: Stack, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          when: str) -> None:
    """A lean stage holds no lock between its read and its write, and the reply stage does not
    read again what the first stage stored. When something else changes the conversation in
    between (here an audited staff note, written while the model drafts, or after a reply
    stage that did read), the guarded write finds the row changed and writes nothing, and the
    stage runs again in an ORM transaction: one chain, no sequence number used twice, nothing
    lost."""
    from mediator.store import repo
    from mediator.store.lean import LeanSession

    interfered: list[str] = []

    async def staff_note(svc: Any, conversation_id: str) -> None:
        async with svc.db.transaction() as other:
            await repo.audit(other, f"conv:{conversation_id}", "staff_note", {"note": "called back"},
                             actor="ada", conversation_id=conversation_id)
        interfered.append(conversation_id)

    def interfere(svc: Any) -> None:
        if when == "while the model drafts":
            polite = svc.backend.reply

            async def reply_after_a_note(turn: TurnInput) -> AgentReply:
                await staff_note(svc, turn.conversation_id)
                return await polite(turn)

            monkeypatch.setattr(svc.backend, "reply", reply_after_a_note)
            return
        real = repo.conversation_with_key

        async def read_then_interfere(session: Any, conversation_id: str, key: str | None, stored: Any = None) -> Any:
            rows = await real(session, conversation_id, key)  # read, not the first stage's rows
            if isinstance(session, LeanSession) and not interfered:
                await staff_note(svc, conversation_id)
            return rows

        monkeypatch.setattr(repo, "conversation_with_key", read_then_interfere)

    per_turn: list[list[str]] = []
    got = asyncio.run(_chat(stack, tmp_path, per_turn, lines=LINES[:1], setup=interfere))
    assert interfered
    guarded_writes = [s for s in per_turn[0] if s.startswith("WITH c AS (UPDATE conversations")]
    assert len(guarded_writes) == 2, "the first stage's lean write and the reply stage's, which backed off"
    assert got["replies"][0]["text"]
    assert [m.seq for m in got["messages"]] == [1, 2] and [m.role for m in got["messages"]] == ["borrower", "mediator"]
    events = got["events"]
    assert [e.kind for e in events][-3:] == ["borrower_message", "staff_note", "reply_sent"]
    assert got["broken"] == [] and got["conv"].audit_head == events[-1].hash
    assert got["conv"].next_seq == 3 and got["conv"].replies_sent == 1
