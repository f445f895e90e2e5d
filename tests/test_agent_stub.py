"""The stub OpenAI server's wire format, spoken to with plain HTTP and with the openai client."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openai import AsyncOpenAI

from mediator.devtools.stub_openai import call_tool, load_violating, run_stub, say

DEV_REPLIES = Path(__file__).parent / "data" / "replies.dev.jsonl"


@pytest.fixture(scope="module")
def server():
    with run_stub(mode="script") as s:
        yield s


def sse_events(body: str) -> list[str]:
    return [line[len("data: "):] for line in body.splitlines() if line.startswith("data: ")]


def test_models_endpoint(server) -> None:
    data = httpx.get(server.url + "/models").json()
    assert data["object"] == "list" and data["data"][0]["id"] == "stub-model"


def test_plain_completion_shape(server) -> None:
    server.script(say("hello"))
    body = httpx.post(server.url + "/chat/completions", json={"model": "m", "messages": []}).json()
    choice = body["choices"][0]
    assert body["object"] == "chat.completion" and choice["finish_reason"] == "stop"
    assert choice["message"] == {"role": "assistant", "content": "hello"}


def test_streaming_text_chunks_and_done(server) -> None:
    server.script(say("a fairly long answer to be split"))
    body = httpx.post(server.url + "/chat/completions",
                      json={"model": "m", "messages": [], "stream": True}).text
    events = sse_events(body)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "a fairly long answer to be split"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_streaming_tool_call_deltas(server) -> None:
    server.script(call_tool("verify_identity", {"date_of_birth": "1970-01-01", "postcode": "90210"}))
    body = httpx.post(server.url + "/chat/completions", json={"model": "m", "messages": [], "stream": True}).text
    chunks = [json.loads(e) for e in sse_events(body)[:-1]]
    deltas = [d for c in chunks for d in c["choices"][0]["delta"].get("tool_calls") or []]
    assert deltas[0]["function"]["name"] == "verify_identity" and deltas[0]["id"].startswith("call_")
    args = "".join(d["function"].get("arguments", "") for d in deltas)
    assert json.loads(args) == {"date_of_birth": "1970-01-01", "postcode": "90210"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


async def test_openai_client_reads_the_stream(server) -> None:
    server.script(call_tool("handover", {"reason": "asked"}, ("open_dispute", {"reason": "x"})))
    client = AsyncOpenAI(base_url=server.url, api_key="none", max_retries=0)
    stream = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}],
                                                  stream=True)
    names: dict[int, str] = {}
    async for chunk in stream:
        for tc in chunk.choices[0].delta.tool_calls or []:
            if tc.function and tc.function.name:
                names[tc.index] = tc.function.name
    assert names == {0: "handover", 1: "open_dispute"}


def test_errors_and_retry_after(server) -> None:
    from mediator.devtools.stub_openai import fail

    server.script(fail(429, retry_after=2), fail(503))
    r = httpx.post(server.url + "/chat/completions", json={"model": "m", "messages": []})
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    assert httpx.post(server.url + "/chat/completions", json={"model": "m", "messages": []}).status_code == 503
    exhausted = httpx.post(server.url + "/chat/completions", json={"model": "m", "messages": []})
    assert exhausted.status_code == 500 and "exhausted" in exhausted.json()["error"]["message"]


def test_adversarial_mode_serves_the_violating_dev_lines() -> None:
    violating = load_violating(DEV_REPLIES)
    gold = [json.loads(line) for line in DEV_REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(violating) == sum(1 for g in gold if not g["gold"]["allowed"])
    with run_stub(mode="adversarial", adversarial_file=DEV_REPLIES) as s:
        got = [httpx.post(s.url + "/chat/completions", json={"model": "m", "messages": []})
               .json()["choices"][0]["message"]["content"] for _ in range(3)]
    assert got == violating[:3]


def test_helpful_mode_uses_the_tool_then_quotes_it() -> None:
    with run_stub(mode="helpful") as s:
        tools = [{"type": "function", "function": {"name": "repayment_options", "parameters": {}}}]
        first = httpx.post(s.url + "/chat/completions", json={"model": "m", "tools": tools,
                                                              "messages": [{"role": "user", "content": "hi"}]}).json()
        call = first["choices"][0]["message"]["tool_calls"][0]
        assert call["function"]["name"] == "repayment_options"
        result = {"ok": True, "options": ["4 monthly payments of $50.00 (total $200.00)"]}
        second = httpx.post(s.url + "/chat/completions", json={"model": "m", "tools": tools, "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)}]}).json()
        assert "4 monthly payments of $50.00 (total $200.00)" in second["choices"][0]["message"]["content"]
        assert len(s.requests_seen) == 2


def test_stub_process_times_each_completion_by_borrower_text() -> None:
    """The bench's stub runs in its own process; its completions' times come back over HTTP,
    keyed by the borrower text answered, and are at least the configured latency."""
    from mediator.bench.load import StubProcess

    with StubProcess(latency_ms=50) as stub:
        for text in ("first borrower line", "second borrower line", "first borrower line"):
            r = httpx.post(stub.url + "/chat/completions", timeout=10, json={
                "model": "stub-model", "stream": True, "messages": [{"role": "user", "content": text}]})
            assert r.status_code == 200 and "[DONE]" in r.text
        by_text = stub.model_seconds_by_text()
        assert len(stub.completions) == 3
    assert set(by_text) == {"first borrower line", "second borrower line"}
    assert by_text["first borrower line"] >= 2 * 0.05 and 0.05 <= by_text["second borrower line"] < 5
