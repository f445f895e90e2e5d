"""Server-sent events: subscribe first, then replay from the database, then go live, so a
reconnecting client (Last-Event-ID) misses nothing and sees nothing twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from mediator.service import Service

KEEPALIVE_S = 15.0


def frame(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


def stream_response(gen: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(gen, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def message_stream(
    request: Request,
    svc: Service,
    channel: str,
    after: int,
    replay: Callable[[int], Awaitable[list[dict[str, Any]]]],
    initial: list[tuple[str, Any]] | None = None,
) -> AsyncIterator[str]:
    async with svc.bus.subscribe(channel) as live:
        yield "retry: 2000\n\n"
        for name, data in initial or []:
            yield frame(name, data)
        last = after
        for msg in await replay(after):
            last = max(last, msg["seq"])
            yield frame("message", msg, msg["seq"])
        it = live.__aiter__()
        while True:
            if await request.is_disconnected():
                return
            try:
                ev = await asyncio.wait_for(it.__anext__(), timeout=KEEPALIVE_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            name, data = ev.get("event", "message"), ev.get("data", {})
            if name == "message" and isinstance(data, dict) and "seq" in data:
                if data["seq"] <= last:
                    continue  # already replayed
                last = data["seq"]
                yield frame(name, data, data["seq"])
                continue
            yield frame(name, data)


async def plain_stream(request: Request, svc: Service, channel: str) -> AsyncIterator[str]:
    async with svc.bus.subscribe(channel) as live:
        yield "retry: 2000\n\n"
        it = live.__aiter__()
        while True:
            if await request.is_disconnected():
                return
            try:
                ev = await asyncio.wait_for(it.__anext__(), timeout=KEEPALIVE_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            yield frame(ev.get("event", "message"), ev.get("data", {}))
