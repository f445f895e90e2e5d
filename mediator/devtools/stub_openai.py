"""An OpenAI-compatible stub model server for tests, benches and load tests.

The real ``openai`` client talks to it over real HTTP on loopback. It speaks
``POST /v1/chat/completions`` (plain JSON and server-sent-event streaming, including
``tool_calls`` deltas and ``[DONE]``) and ``GET /v1/models``. Modes:

* ``script``      answers from a queue: text, tool calls, HTTP errors (500, 429 with
                  Retry-After), stalls longer than the client timeout, malformed tool
                  arguments, unknown tool names, empty content;
* ``echo``        repeats the last user message;
* ``adversarial`` answers with the violating lines of a JSON Lines file (e.g. the dev
                  set's ``replies.dev.jsonl``), round-robin;
* ``helpful``     behaves like a compliant mediator model: calls ``repayment_options``
                  and answers with the figures the tool returned.

``run_stub(...)`` starts it in a background thread on an ephemeral port; for benches,
``python -m mediator.devtools.stub_openai --port 8011 --latency-ms 200``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

Mode = Literal["echo", "script", "adversarial", "helpful"]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ids = itertools.count(1)


# -- scripted answers ------------------------------------------------------------
def say(text: str, delay_s: float = 0.0) -> dict[str, Any]:
    """A plain text answer (``""`` is an empty answer)."""
    return {"text": text, "delay_s": delay_s}


def call_tool(name: str, arguments: dict[str, Any] | str | None = None, *more: tuple[str, Any],
              delay_s: float = 0.0) -> dict[str, Any]:
    """One or more tool calls; ``arguments`` may be a raw (even malformed) JSON string."""
    calls = [(name, arguments), *more]
    return {
        "tool_calls": [
            {"name": n, "arguments": a if isinstance(a, str) else json.dumps(a or {})} for n, a in calls
        ],
        "delay_s": delay_s,
    }


def fail(status: int, retry_after: float | None = None, message: str = "stub error") -> dict[str, Any]:
    return {"status": status, "retry_after": retry_after, "message": message}


def stall(seconds: float, text: str = "too late") -> dict[str, Any]:
    """An answer that arrives after ``seconds`` (longer than the client timeout)."""
    return {"text": text, "delay_s": seconds}


@dataclass
class StubState:
    mode: Mode = "echo"
    latency_ms: float = 0.0
    model: str = "stub-model"
    queue: deque[dict[str, Any]] = field(default_factory=deque)
    requests_seen: list[dict[str, Any]] = field(default_factory=list)
    clients_seen: set[tuple[str, int]] = field(default_factory=set)
    """The (address, port) of every TCP connection a completion arrived on: a client that
    reuses its connections shows one per concurrent caller, not one per call."""
    timings: list[tuple[str, float]] = field(default_factory=list)
    """(the borrower text answered, seconds from request to last byte) of every completion:
    what a load bench subtracts from a turn as the model's own time."""
    adversarial: list[str] = field(default_factory=list)
    _adv_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_item(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.mode == "script":
                return self.queue.popleft() if self.queue else fail(500, message="script exhausted")
            if self.mode == "adversarial":
                if not self.adversarial:
                    return fail(500, message="no adversarial lines loaded")
                line = self.adversarial[self._adv_next % len(self.adversarial)]
                self._adv_next += 1
                return say(line)
        if self.mode == "helpful":
            return helpful_answer(body)
        return say("You said: " + _last_user_text(body))


def load_violating(path: Path | str, text_field: str = "reply") -> list[str]:
    """The texts of a labelled JSON Lines file whose gold says they are not allowed
    (every line's text when the file carries no gold)."""
    lines: list[str] = []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        obj = json.loads(raw)
        gold = obj.get("gold")
        if gold is None or gold.get("allowed") is False:
            lines.append(str(obj[text_field]))
    return lines


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def _last_user_text(body: dict[str, Any]) -> str:
    for m in reversed(body.get("messages", [])):
        if m.get("role") == "user":
            return _content(m)
    return ""


def helpful_answer(body: dict[str, Any]) -> dict[str, Any]:
    """A plausible compliant mediator turn: fetch the options, then quote them exactly."""
    messages = body.get("messages", [])
    zh = any(_CJK.search(_content(m)) for m in messages if m.get("role") == "system")
    tools = {t.get("function", {}).get("name") for t in body.get("tools") or []}
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        try:
            result = json.loads(_content(last))
        except json.JSONDecodeError:
            result = {}
        if result.get("options"):
            opts = ("；" if zh else "; ").join(result["options"])
            return say(f"我理解您的情况。目前可选的方案有：{opts}。您看哪种更合适？" if zh else
                       f"I understand, and thank you for working this through with me. The approved options "
                       f"are: {opts}. Which would suit you best?")
        if "paused" in str(result.get("error", "")):
            return say("明白了。处理期间不会要求您还款，有进展我们会第一时间告知您。" if zh else
                       "Understood. Nothing needs to be paid while this is looked into, "
                       "and we'll keep you updated.")
        return say("为保护您的隐私，请先提供您的出生日期和邮政编码以核实身份。" if zh else
                   "To protect your privacy, please first confirm your date of birth and postcode.")
    if "repayment_options" in tools and not any(m.get("role") == "tool" for m in messages):
        return call_tool("repayment_options", {})
    return say("感谢您的留言，我可以为您介绍方案或安排人工客服。" if zh else
               "Thanks for your message. I can go through your options or arrange a call with a colleague.")


# -- wire format -----------------------------------------------------------------
def _completion(state: StubState, item: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None}
    finish = "stop"
    if item.get("tool_calls"):
        message["tool_calls"] = [
            {"id": f"call_{next(_ids)}", "type": "function",
             "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in item["tool_calls"]
        ]
        finish = "tool_calls"
    else:
        message["content"] = item.get("text", "")
    return {
        "id": f"chatcmpl-{next(_ids)}", "object": "chat.completion", "created": int(time.time()),
        "model": state.model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _chunks(state: StubState, item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    cid, created = f"chatcmpl-{next(_ids)}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": state.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}

    yield chunk({"role": "assistant", "content": ""})
    if item.get("tool_calls"):
        for i, c in enumerate(item["tool_calls"]):
            yield chunk({"tool_calls": [{"index": i, "id": f"call_{next(_ids)}", "type": "function",
                                         "function": {"name": c["name"], "arguments": ""}}]})
            for piece in _pieces(c["arguments"], 8):
                yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
        yield chunk({}, "tool_calls")
    else:
        for piece in _pieces(item.get("text", "")):
            if piece:
                yield chunk({"content": piece})
        yield chunk({}, "stop")


def build_app(state: StubState) -> FastAPI:
    app = FastAPI(title="stub-openai")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": state.model, "object": "model", "created": 0,
                                            "owned_by": "stub"}]}

    @app.get("/stats")
    async def stats() -> dict[str, Any]:
        """How many completions were requested: benches subtract that many latencies."""
        return {"requests": len(state.requests_seen), "connections": len(state.clients_seen),
                "latency_ms": state.latency_ms}

    @app.get("/timings")
    async def timings() -> dict[str, Any]:
        """Every completion's borrower text and time (see ``StubState.timings``)."""
        return {"completions": [list(t) for t in state.timings]}

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Response:
        body = await request.json()
        state.requests_seen.append(body)
        if request.client is not None:
            state.clients_seen.add((request.client.host, request.client.port))
        item = state.next_item(body)
        await asyncio.sleep(state.latency_ms / 1000 + float(item.get("delay_s") or 0))
        if item.get("status"):
            headers = {}
            if item.get("retry_after") is not None:
                headers["retry-after"] = str(item["retry_after"])
            return JSONResponse({"error": {"message": item["message"], "type": "stub_error",
                                           "code": item["status"]}},
                                status_code=int(item["status"]), headers=headers)
        if body.get("stream"):
            async def events() -> AsyncIterator[bytes]:
                for c in _chunks(state, item):
                    yield f"data: {json.dumps(c)}\n\n".encode()
                yield b"data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        return JSONResponse(_completion(state, item))

    return app


def timed(app: Any, state: StubState) -> Any:
    """Wrap the stub so that each completion is timed from its request's arrival to its last
    byte and recorded with the borrower text it answered (``StubState.timings``)."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/chat/completions"):
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        body = bytearray()

        async def rx() -> dict[str, Any]:
            msg = await receive()
            if msg["type"] == "http.request":
                body.extend(msg.get("body", b""))
            return msg

        try:
            await app(scope, rx, send)
        finally:
            try:
                text = _last_user_text(json.loads(bytes(body)))
            except ValueError:
                text = ""
            state.timings.append((text, time.perf_counter() - started))

    return asgi


def serve_app(state: StubState) -> Any:
    """The stub as served: the API, timed."""
    return timed(build_app(state), state)


# -- running it ------------------------------------------------------------------
@dataclass
class Stub:
    """A running stub: its base URL (for ``OPENAI_BASE_URL``) and its controls."""

    url: str
    state: StubState

    @property
    def requests_seen(self) -> list[dict[str, Any]]:
        return self.state.requests_seen

    def script(self, *items: dict[str, Any]) -> Stub:
        """Replace the queue with ``items`` and switch to script mode."""
        with self.state.lock:
            self.state.mode = "script"
            self.state.queue = deque(items)
        return self

    def set_mode(self, mode: Mode, latency_ms: float | None = None) -> Stub:
        self.state.mode = mode
        if latency_ms is not None:
            self.state.latency_ms = latency_ms
        return self

    def reset(self) -> None:
        self.state.requests_seen.clear()
        self.state.clients_seen.clear()
        self.state.timings.clear()
        self.state.queue.clear()


@contextmanager
def run_stub(
    latency_ms: float = 0,
    mode: Mode = "echo",
    adversarial_file: Path | str | None = None,
    port: int = 0,
    model: str = "stub-model",
) -> Iterator[Stub]:
    """Start the stub in a background thread on 127.0.0.1 (ephemeral port) and stop it."""
    state = StubState(mode=mode, latency_ms=latency_ms, model=model)
    if adversarial_file is not None:
        state.adversarial = load_violating(adversarial_file)
    config = uvicorn.Config(serve_app(state), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="stub-openai", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("stub server did not start")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Stub(url=f"http://127.0.0.1:{bound}/v1", state=state)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mediator.devtools.stub_openai")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8011)
    p.add_argument("--latency-ms", type=float, default=200.0)
    p.add_argument("--mode", choices=["echo", "adversarial", "helpful"], default="helpful")
    p.add_argument("--adversarial-file", default=None)
    p.add_argument("--model", default="stub-model")
    args = p.parse_args(argv)
    state = StubState(mode=args.mode, latency_ms=args.latency_ms, model=args.model)
    if args.adversarial_file:
        state.adversarial = load_violating(args.adversarial_file)
    print(f"stub OpenAI server on http://{args.host}:{args.port}/v1 (mode {args.mode}, "
          f"latency {args.latency_ms:g} ms)", flush=True)
    uvicorn.run(serve_app(state), host=args.host, port=args.port, log_level="warning", access_log=False,
                lifespan="off")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
