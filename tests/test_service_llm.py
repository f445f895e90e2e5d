"""The service with the real openai client against the stub model over loopback HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediator.devtools.stub_openai import run_stub
from tests.conftest import ServerThread, Stack, make_settings, open_conversation


@pytest.mark.parametrize("jurisdiction", ["US", "CN"])
def test_llm_mediator_answers_through_the_guard(stack: Stack, tmp_path: Path, jurisdiction: str) -> None:
    with run_stub(mode="helpful") as stub:
        settings = make_settings(stack, tmp_path, OPENAI_BASE_URL=stub.url, OPENAI_API_KEY="stub-key",
                                 MEDIATOR_MODEL="stub-model")
        with ServerThread(settings) as srv:
            conv_id, borrower = open_conversation(srv, jurisdiction)
            ask = "我想分期还款，有什么方案？" if jurisdiction == "CN" else "Can I pay this in instalments?"
            with borrower:
                info = borrower.get(f"/v1/conversations/{conv_id}").json()
                assert info["mediator"] == "openai:stub-model" and info["automated"] is True
                r = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": ask})
                assert r.status_code == 201, r.text
                reply = r.json()["reply"]
                assert reply["action"] in ("pass", "repair"), reply
                shown = borrower.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]
                assert shown[-1]["text"] == reply["text"]
        assert stub.state.requests_seen, "the real openai client must have called the stub over HTTP"
        first = stub.state.requests_seen[0]
        assert first["model"] == "stub-model" and first.get("tools"), "the model is offered the tools"


def test_the_model_sees_the_borrowers_message_once(stack: Stack, tmp_path: Path) -> None:
    with run_stub(mode="helpful") as stub:
        settings = make_settings(stack, tmp_path, OPENAI_BASE_URL=stub.url, OPENAI_API_KEY="stub-key",
                                 MEDIATOR_MODEL="stub-model")
        with ServerThread(settings) as srv:
            conv_id, borrower = open_conversation(srv, "UK")
            with borrower:
                borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "hello there"})
                borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "what are my options?"})
        last = stub.state.requests_seen[-1]["messages"]
        user_turns = [m["content"] for m in last if m["role"] == "user"]
        assert user_turns.count("what are my options?") == 1
        assert user_turns.count("hello there") == 1
