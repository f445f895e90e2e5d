"""The contract's HTTP calls, end to end over real HTTP, on both storage paths."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import ACCOUNTS, INTEGRATION_KEY, ServerThread, open_conversation


def test_healthz_and_readyz(server: ServerThread) -> None:
    with server.client() as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz").json()
        assert ready["database"] == "ok"
        assert ready["mediator"] == "offline"
        assert ready["bus"] == ("redis" if server.settings.redis_url else "memory")


def test_account_put_creates_then_replaces(server: ServerThread) -> None:
    with server.integration() as c:
        first = c.put("/v1/accounts/a-1", json=ACCOUNTS["US"])
        assert first.status_code == 201
        body = first.json()
        assert body["balance"] == "1240.50"
        assert body["verification_facts"] == ["date_of_birth", "postcode"]
        assert "1985-04-12" not in first.text  # verification facts are never echoed
        assert body["approved_offers"], "the plan engine must offer something for a US account"
        again = c.put("/v1/accounts/a-1", json={**ACCOUNTS["US"], "balance": "1000.00"})
        assert again.status_code == 200
        assert again.json()["balance"] == "1000.00"


@pytest.mark.parametrize("jurisdiction", ["US", "UK", "CN"])
def test_borrower_gets_a_reply_in_their_language(server: ServerThread, jurisdiction: str) -> None:
    conv_id, borrower = open_conversation(server, jurisdiction)
    text = "我想分期还款，可以吗？" if jurisdiction == "CN" else "Hi, I want to set up a payment plan."
    with borrower:
        r = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": text})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["message"]["role"] == "borrower" and body["message"]["text"] == text
        reply = body["reply"]
        assert reply["action"] in ("pass", "repair")
        has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in reply["text"])
        assert has_cjk == (jurisdiction == "CN")
        listing = borrower.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]
        assert [m["role"] for m in listing] == ["borrower", "mediator"]
        assert listing[1]["text"] == reply["text"]
        assert set(listing[0]) == {"id", "seq", "role", "text", "created_at"}


def test_transcript_readable_with_integration_key(server: ServerThread) -> None:
    conv_id, borrower = open_conversation(server, "UK")
    with borrower:
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "hello"})
    with server.integration() as c:
        msgs = c.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]
    assert [m["seq"] for m in msgs] == sorted(m["seq"] for m in msgs)
    assert msgs[0]["text"] == "hello"


def test_idempotency_key_returns_first_result_and_stores_once(server: ServerThread) -> None:
    conv_id, borrower = open_conversation(server)
    key = str(uuid.uuid4())
    with borrower:
        url = f"/v1/conversations/{conv_id}/messages"
        a = borrower.post(url, json={"text": "Can I pay in instalments?"}, headers={"Idempotency-Key": key})
        b = borrower.post(url, json={"text": "Can I pay in instalments?"}, headers={"Idempotency-Key": key})
        assert a.status_code == b.status_code == 201
        assert a.json() == b.json()
        clash = borrower.post(url, json={"text": "something else"}, headers={"Idempotency-Key": key})
        assert clash.status_code == 409
        msgs = borrower.get(url).json()["messages"]
    assert [m["role"] for m in msgs] == ["borrower", "mediator"]


def test_one_borrower_token_cannot_touch_another_conversation(server: ServerThread) -> None:
    conv_a, borrower_a = open_conversation(server)
    conv_b, borrower_b = open_conversation(server)
    with borrower_a, borrower_b:
        assert borrower_b.post(f"/v1/conversations/{conv_b}/messages", json={"text": "hi"}).status_code == 201
        assert borrower_a.get(f"/v1/conversations/{conv_b}/messages").status_code == 403
        assert borrower_a.post(f"/v1/conversations/{conv_b}/messages", json={"text": "x"}).status_code == 403
        assert borrower_a.get(f"/v1/conversations/{conv_b}/events").status_code == 403
    with server.client() as anon:
        assert anon.get(f"/v1/conversations/{conv_a}/messages").status_code == 401
        bad = anon.get(f"/v1/conversations/{conv_a}/messages", headers={"Authorization": "Bearer not-a-token"})
        assert bad.status_code == 401
        assert anon.get(f"/v1/conversations/{conv_a}/messages", headers={"X-API-Key": "wrong"}).status_code == 401
        assert anon.put("/v1/accounts/x", json=ACCOUNTS["US"]).status_code == 401
        assert anon.post("/v1/conversations", json={"account_id": "x"},
                         headers={"X-API-Key": INTEGRATION_KEY + "x"}).status_code == 401


def test_bad_input_gets_clear_4xx(server: ServerThread) -> None:
    conv_id, borrower = open_conversation(server)
    url = f"/v1/conversations/{conv_id}/messages"
    with borrower, server.integration() as integ:
        too_long = borrower.post(url, json={"text": "x" * (server.settings.max_message_chars + 1)})
        assert too_long.status_code == 422 and "longer than" in too_long.json()["detail"]
        assert borrower.post(url, json={"text": 42}).status_code == 422
        assert borrower.post(url, json={"text": ""}).status_code == 422
        assert borrower.post(url, json={"txt": "hi"}).status_code == 422
        assert borrower.post(url, content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 422
        huge = borrower.post(url, content=b'{"text": "' + b"a" * (server.settings.max_body_bytes + 10) + b'"}',
                             headers={"Content-Type": "application/json"})
        assert huge.status_code == 413
        assert integ.post("/v1/conversations", json={"account_id": "nope"}).status_code == 404
        assert integ.get(f"/v1/conversations/{uuid.uuid4()}/messages").status_code == 404
        bad_account = integ.put("/v1/accounts/a-2", json={**ACCOUNTS["US"], "balance": "lots"})
        assert bad_account.status_code == 422
        assert integ.put("/v1/accounts/a-2", json={**ACCOUNTS["US"], "jurisdiction": "FR"}).status_code == 422
        assert integ.put("/v1/accounts/a-2", json={**ACCOUNTS["US"], "timezone": "Mars/Base"}).status_code == 422
        # nothing was lost by the refusals
        assert borrower.get(url).json()["messages"] == []


def test_pagination(server: ServerThread) -> None:
    conv_id, borrower = open_conversation(server)
    url = f"/v1/conversations/{conv_id}/messages"
    with borrower:
        for i in range(3):
            borrower.post(url, json={"text": f"message {i}"})
        page1 = borrower.get(url, params={"limit": 4}).json()
        assert len(page1["messages"]) == 4 and page1["next_after"] == 4
        page2 = borrower.get(url, params={"after": page1["next_after"], "limit": 4}).json()
        assert [m["seq"] for m in page2["messages"]] == [5, 6] and page2["next_after"] is None


class ExplodingBackend:
    name = "exploding"

    async def reply(self, turn):
        raise RuntimeError("model crashed")

    async def suggest(self, turn, n=3):
        raise RuntimeError("model crashed")

    async def summarize(self, turn):
        raise RuntimeError("model crashed")


def test_backend_failure_stores_message_sends_fallback_and_escalates(stack, tmp_path) -> None:
    from tests.conftest import make_settings

    with ServerThread(make_settings(stack, tmp_path), backend=ExplodingBackend()) as srv:
        conv_id, borrower = open_conversation(srv)
        with borrower:
            r = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "I want to pay"})
            assert r.status_code == 201
            reply = r.json()["reply"]
            assert reply["action"] == "block"
            # the policy fallback (on a first reply, after the jurisdiction's disclosure)
            assert reply["text"].endswith(srv.svc.guard.fallback(_ctx("US")))
            msgs = borrower.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]
            assert next(m["text"] for m in msgs) == "I want to pay"
            assert borrower.get(f"/v1/conversations/{conv_id}").json()["status"] == "escalated"


def _ctx(jurisdiction: str):
    from mediator.domain import GuardContext

    return GuardContext(jurisdiction=jurisdiction, language="zh" if jurisdiction == "CN" else "en")


def test_guard_failure_fails_closed(server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> None:
    conv_id, borrower = open_conversation(server)

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("guard exploded")

    monkeypatch.setattr(server.svc.guard, "check", boom)
    with borrower:
        r = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "hello"})
        assert r.status_code == 201
        assert r.json()["reply"]["action"] == "block"
        assert r.json()["reply"]["text"].endswith(server.svc.guard.fallback(_ctx("US")))


def test_message_survives_a_storage_failure_and_retry_resumes(server: ServerThread,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    import mediator.turns as turns

    real_store = turns._store_reply
    calls = {"n": 0}

    async def failing_store(*a: object, **k: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("INSERT", {}, Exception("database went away"))
        return await real_store(*a, **k)

    monkeypatch.setattr(turns, "_store_reply", failing_store)
    conv_id, borrower = open_conversation(server)
    url = f"/v1/conversations/{conv_id}/messages"
    key = str(uuid.uuid4())
    with borrower:
        failed = borrower.post(url, json={"text": "please help me"}, headers={"Idempotency-Key": key})
        assert failed.status_code == 503 and "Retry-After" in failed.headers
        stored = borrower.get(url).json()["messages"]
        assert [m["text"] for m in stored] == ["please help me"]
        retried = borrower.post(url, json={"text": "please help me"}, headers={"Idempotency-Key": key})
        assert retried.status_code == 201
        assert retried.json()["message"]["id"] == stored[0]["id"]
        msgs = borrower.get(url).json()["messages"]
    assert [m["role"] for m in msgs] == ["borrower", "mediator"]


@pytest.mark.parametrize(("jurisdiction", "ask"), [("UK", "Can I speak to a real person please?"), ("CN", "转人工")])
def test_asking_for_a_person_hands_over_without_the_model(server: ServerThread, jurisdiction: str, ask: str) -> None:
    conv_id, borrower = open_conversation(server, jurisdiction)
    with borrower:
        r = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": ask})
        assert r.status_code == 201
        assert r.json()["reply"]["action"] in ("pass", "repair")
        info = borrower.get(f"/v1/conversations/{conv_id}").json()
        assert info["status"] == "escalated"
        assert info["human_help"]
