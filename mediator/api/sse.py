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


async def _live(request: Request, live: AsyncIterator[dict[str, Any]]) -> AsyncIterator[tuple[str, Any] | None]:
    """Live bus events as (name, data); None every KEEPALIVE_S of silence; stops on disconnect."""
    it = live.__aiter__()
    while not await request.is_disconnected():
        try:
            ev = await asyncio.wait_for(it.__anext__(), timeout=KEEPALIVE_S)
        except TimeoutError:
            yield None
            continue
        yield ev.get("event", "message"), ev.get("data", {})


async def message_stream(
    request: Request,
    svc: Service,
    channel: str,
    after: int,
    replay: Callable[[int], Awaitable[list[dict[str, Any]]]],
) -> AsyncIterator[str]:
    async with svc.bus.subscribe(channel) as live:
        yield "retry: 2000\n\n"
        last = after
        for msg in await replay(after):
            last = max(last, msg["seq"])
            yield frame("message", msg, msg["seq"])
        async for item in _live(request, live):
            if item is None:
                yield ": keep-alive\n\n"
                continue
            name, data = item
            if name == "message" and isinstance(data, dict) and "seq" in data:
                if data["seq"] <= last:
                    continue  # already replayed
                last = data["seq"]
                yield frame(name, data, data["seq"])
            else:
                yield frame(name, data)


async def plain_stream(request: Request, svc: Service, channel: str) -> AsyncIterator[str]:
    async with svc.bus.subscribe(channel) as live:
        yield "retry: 2000\n\n"
        async for item in _live(request, live):
            yield ": keep-alive\n\n" if item is None else frame(*item)


def resume_point(request: Request, after: int) -> int:
    """Where a (re)connecting client resumes: the later of ``?after=`` and ``Last-Event-ID``."""
    last = request.headers.get("last-event-id", "")
    return max(after, int(last)) if last.isdigit() else after


async def conversation_stream(request: Request, svc: Service, conversation_id: str, after: int, staff: bool) -> Any:
    """A conversation's event stream for its borrower or for staff: replay from the database
    from the resume point, then live."""
    from mediator.errors import NotFound
    from mediator.store import repo
    from mediator.views import borrower_message, staff_message

    async with svc.db.reader() as s:
        if await repo.get_conversation(s, conversation_id) is None:
            raise NotFound("conversation not found")
    view = staff_message if staff else borrower_message

    async def replay(since: int) -> list[dict[str, Any]]:
        async with svc.db.reader() as s:
            return [view(m) for m in await repo.list_messages(s, conversation_id, after=since, limit=1000)]

    channel = f"staff:conv:{conversation_id}" if staff else f"conv:{conversation_id}"
    return stream_response(message_stream(request, svc, channel, resume_point(request, after), replay))
