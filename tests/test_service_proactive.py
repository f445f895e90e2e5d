"""Proactive reminders: scheduled by the service, inside the contact window, capped, never
after a cease request, and guard-checked like every other outgoing text."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mediator.proactive_runner import run_due
from mediator.service import Service
from tests.conftest import ACCOUNTS, ServerThread, open_conversation


def _run_due_at(srv: ServerThread, local: datetime) -> int:
    async def go() -> int:
        svc = Service(srv.settings)
        try:
            return await run_due(svc, now=local.astimezone(UTC))
        finally:
            await svc.bus.close()
            await svc.db.dispose()

    return asyncio.run(go())


def _transcript(borrower, conv_id: str) -> list[dict]:
    return borrower.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]


def test_reminder_sent_inside_window_once_and_never_after_cease(server: ServerThread) -> None:
    ny = ZoneInfo("America/New_York")
    conv_id, borrower = open_conversation(server, "US")
    quiet_id, quiet = open_conversation(server, "US")
    with borrower, quiet:
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "hi"})
        quiet.post(f"/v1/conversations/{quiet_id}/messages", json={"text": "please stop contacting me"})
        later = datetime.now(ny) + timedelta(days=4)
        night = later.replace(hour=23, minute=30)
        assert _run_due_at(server, night) == 0  # outside 08:00-21:00 borrower-local
        morning = later.replace(hour=10, minute=0)
        assert _run_due_at(server, morning) == 1  # only the conversation without a cease request
        assert _run_due_at(server, morning + timedelta(minutes=5)) == 0  # the daily cap holds
        msgs = _transcript(borrower, conv_id)
        assert msgs[-1]["role"] == "mediator" and len(msgs) == 3
        assert len(_transcript(quiet, quiet_id)) == 2  # nothing proactive after the cease request


def test_accounts_without_timezone_get_no_proactive_messages(server: ServerThread) -> None:
    with server.integration() as integ:
        integ.put("/v1/accounts/no-tz", json=ACCOUNTS["UK"])  # no timezone: local time unknown
        r = integ.post("/v1/conversations", json={"account_id": "no-tz", "identity_verified": True})
        conv_id = r.json()["conversation_id"]
    later = datetime.now(UTC) + timedelta(days=5)
    assert _run_due_at(server, later.replace(hour=12)) == 0
    with server.integration() as integ:
        assert len(integ.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]) == 0
