"""Staff paths: roles, take-over, a human's own text through the guard, alerts, live events."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from tests.conftest import ServerThread, open_conversation


def _seed_staff(srv: ServerThread) -> None:
    import asyncio

    from mediator.security import hash_password
    from mediator.store import repo

    async def run() -> None:
        from mediator.store.db import Database

        db = Database(srv.settings.database_url)
        async with db.transaction() as s:
            for user, role in (("mia", "mediator"), ("sam", "supervisor"), ("ada", "admin")):
                await repo.put_staff(s, user, hash_password(f"{user}-password"), role)
        await db.dispose()

    asyncio.run(run())


def _login(srv: ServerThread, user: str) -> httpx.Client:
    with srv.client() as c:
        r = c.post("/v1/staff/login", json={"username": user, "password": f"{user}-password"})
        assert r.status_code == 200, r.text
        return srv.client(Authorization=f"Bearer {r.json()['token']}")


@pytest.fixture
def staffed(server: ServerThread) -> ServerThread:
    _seed_staff(server)
    return server


def test_login_and_roles(staffed: ServerThread) -> None:
    with staffed.client() as c:
        assert c.post("/v1/staff/login", json={"username": "mia", "password": "nope"}).status_code == 401
        assert c.get("/v1/staff/conversations").status_code == 401
    with _login(staffed, "mia") as mia, _login(staffed, "sam") as sam:
        assert mia.get("/v1/staff/me").json() == {"username": "mia", "role": "mediator"}
        assert mia.get("/v1/staff/conversations").status_code == 200
        assert mia.get("/v1/alerts").status_code == 403
        assert mia.get("/v1/stats").status_code == 403
        assert sam.get("/v1/alerts").status_code == 200
        assert sam.get("/v1/staff/conversations").status_code == 200
    conv_id, borrower = open_conversation(staffed)
    with borrower:
        # a borrower token is not a staff token
        assert borrower.get("/v1/staff/conversations").status_code == 401
        assert borrower.get(f"/v1/staff/conversations/{conv_id}").status_code == 401


def test_takeover_mutes_the_model_and_handback_unmutes(staffed: ServerThread) -> None:
    conv_id, borrower = open_conversation(staffed)
    url = f"/v1/conversations/{conv_id}/messages"
    with borrower, _login(staffed, "mia") as mia:
        assert borrower.post(url, json={"text": "hello"}).json()["reply"] is not None
        assert mia.post(f"/v1/staff/conversations/{conv_id}/takeover").json()["status"] == "human"
        muted = borrower.post(url, json={"text": "are you there?"})
        assert muted.status_code == 201 and muted.json()["reply"] is None
        assert mia.post(f"/v1/staff/conversations/{conv_id}/handback").json()["status"] == "active"
        assert borrower.post(url, json={"text": "hello again"}).json()["reply"] is not None


def test_human_mediators_violating_message_is_blocked_and_never_shown(staffed: ServerThread) -> None:
    conv_id, borrower = open_conversation(staffed)
    with borrower, _login(staffed, "mia") as mia:
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "I can't pay this month"})
        bad = "Pay today or we will have you arrested, you deadbeat."
        check = mia.post(f"/v1/staff/conversations/{conv_id}/check", json={"text": bad}).json()
        assert check["action"] == "block" and not check["allowed"]
        refused = mia.post(f"/v1/staff/conversations/{conv_id}/messages", json={"text": bad})
        assert refused.status_code == 422
        body = refused.json()
        assert body["detail"]
        assert {v["code"] for v in body["verdict"]["violations"]} & {"THREAT", "ABUSIVE_LANGUAGE"}
        shown = [m["text"] for m in borrower.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]]
        assert bad not in shown
        good = "I understand money is tight. Would a smaller monthly plan help? There's no pressure today."
        sent = mia.post(f"/v1/staff/conversations/{conv_id}/messages", json={"text": good})
        assert sent.status_code == 201, sent.text
        msgs = borrower.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]
        assert msgs[-1]["role"] == "agent" and msgs[-1]["text"] == sent.json()["message"]["text"]
        detail = mia.get(f"/v1/staff/conversations/{conv_id}").json()
        assert detail["conversation"]["status"] == "human"
        assert detail["messages"][-1]["verdict"]["action"] in ("pass", "repair")


def test_suggestions_are_guard_checked(staffed: ServerThread) -> None:
    conv_id, borrower = open_conversation(staffed)
    with borrower, _login(staffed, "mia") as mia:
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "I lost my job and can't pay"})
        sugg = mia.get(f"/v1/staff/conversations/{conv_id}/suggestions").json()["suggestions"]
        assert sugg, "the offline backend should suggest something"
        assert all(s["action"] in ("pass", "repair") for s in sugg)


def test_complaint_threat_raises_one_alert_that_a_supervisor_acknowledges(staffed: ServerThread) -> None:
    conv_id, borrower = open_conversation(staffed)
    with borrower, _login(staffed, "sam") as sam:
        for _ in range(2):
            borrower.post(f"/v1/conversations/{conv_id}/messages",
                          json={"text": "This is harassment. I'm reporting you to the CFPB."})
        alerts = sam.get("/v1/alerts", params={"conversation_id": conv_id}).json()["alerts"]
        kinds = [a["kind"] for a in alerts]
        assert kinds.count("complaint_threat") == 1, kinds  # de-duplicated per conversation and trigger
        alert = next(a for a in alerts if a["kind"] == "complaint_threat")
        acked = sam.post(f"/v1/alerts/{alert['id']}/ack").json()
        assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "sam"
        assigned = sam.post(f"/v1/alerts/{alert['id']}/assign", json={"assignee": "mia"}).json()
        assert assigned["assigned_to"] == "mia"
        assert sam.post("/v1/alerts/nope/ack").status_code == 404


class SSEReader:
    """Reads a server-sent-event stream in a thread and collects (id, event, data)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url, self.headers = url, headers or {}
        self.events: list[tuple[str | None, str, Any]] = []
        self._stop = threading.Event()
        self.connected = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        try:
            self._read()
        except httpx.HTTPError:
            pass  # the server went away at the end of the test
        finally:
            self.connected.set()

    def _read(self) -> None:
        with httpx.Client(timeout=None) as c, c.stream("GET", self.url, headers=self.headers) as r:
            self.status = r.status_code
            self.connected.set()
            ev_id, ev_name, data = None, "message", []
            for line in r.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("id:"):
                    ev_id = line[3:].strip()
                elif line.startswith("event:"):
                    ev_name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    self.events.append((ev_id, ev_name, json.loads("\n".join(data))))
                    ev_id, ev_name, data = None, "message", []

    def wait_for(self, pred, timeout: float = 10.0) -> list:
        deadline = time.time() + timeout
        while time.time() < deadline:
            hits = [e for e in self.events if pred(e)]
            if hits:
                return hits
            time.sleep(0.02)
        raise AssertionError(f"no matching event in {self.events}")

    def close(self) -> None:
        self._stop.set()


def test_event_stream_delivers_live_and_replays_after_reconnect(staffed: ServerThread) -> None:
    conv_id, borrower = open_conversation(staffed)
    token = borrower.headers["Authorization"].split()[1]
    url = f"{staffed.url}/v1/conversations/{conv_id}/events?token={token}"
    with borrower:
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "first"})
        reader = SSEReader(url)
        reader.connected.wait(5)
        seen = reader.wait_for(lambda e: e[1] == "message" and e[2]["seq"] == 2)
        assert seen
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "second"})
        reader.wait_for(lambda e: e[1] == "message" and e[2]["seq"] == 4)
        reader.close()
        seqs = [e[2]["seq"] for e in reader.events if e[1] == "message"]
        assert seqs == [1, 2, 3, 4]
        assert any(e[1] == "typing" for e in reader.events)
        # reconnect from seq 2: exactly 3 and 4 come back, once each
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "third"})
        again = SSEReader(url, headers={"Last-Event-ID": "2"})
        again.wait_for(lambda e: e[1] == "message" and e[2]["seq"] == 6)
        again.close()
        assert [e[2]["seq"] for e in again.events if e[1] == "message"] == [3, 4, 5, 6]
        assert all(e[0] == str(e[2]["seq"]) for e in again.events if e[1] == "message")


def test_staff_sees_borrower_message_and_verdict_live(staffed: ServerThread) -> None:
    conv_id, borrower = open_conversation(staffed)
    with _login(staffed, "mia") as mia:
        token = mia.headers["Authorization"].split()[1]
    reader = SSEReader(f"{staffed.url}/v1/staff/conversations/{conv_id}/events?token={token}")
    reader.connected.wait(5)
    time.sleep(0.2)
    with borrower:
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "I lost my job"})
    hits = reader.wait_for(lambda e: e[1] == "message" and e[2]["role"] == "mediator")
    reader.close()
    assert hits[0][2]["verdict"]["action"] in ("pass", "repair", "block")
    borrower_ev = next(e for e in reader.events if e[1] == "message" and e[2]["role"] == "borrower")
    assert "HARDSHIP" in borrower_ev[2]["analysis"]["intents"]


def test_closed_conversation_refuses_new_messages_but_keeps_the_transcript(staffed: ServerThread) -> None:
    conv_id, borrower = open_conversation(staffed)
    url = f"/v1/conversations/{conv_id}/messages"
    with borrower, _login(staffed, "mia") as mia:
        borrower.post(url, json={"text": "thanks, all sorted"})
        assert mia.post(f"/v1/staff/conversations/{conv_id}/close").json()["status"] == "closed"
        refused = borrower.post(url, json={"text": "one more thing"})
        assert refused.status_code == 409 and "closed" in refused.json()["detail"]
        assert next(m["text"] for m in borrower.get(url).json()["messages"]) == "thanks, all sorted"
        assert mia.post(f"/v1/staff/conversations/{conv_id}/messages", json={"text": "hello"}).status_code == 409


def test_repeated_failed_sign_ins_lock_the_user_out_for_a_while(staffed: ServerThread) -> None:
    with staffed.client() as c:
        codes = [c.post("/v1/staff/login", json={"username": "mia", "password": "guess"}).status_code
                 for _ in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429
        locked = c.post("/v1/staff/login", json={"username": "mia", "password": "mia-password"})
        assert locked.status_code == 429 and locked.headers["Retry-After"]
        # another user is not affected
        assert c.post("/v1/staff/login", json={"username": "sam", "password": "sam-password"}).status_code == 200
