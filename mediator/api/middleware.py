"""Request ids, body-size limits and rate limits (Redis when configured, in-process otherwise)."""

from __future__ import annotations

import contextvars
import logging
import math
import time
import uuid
from collections import defaultdict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("mediator.http")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


async def _send_json(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class RequestContext:
    """Give every request an id (echoed as X-Request-ID) and refuse oversized bodies with 413
    before reading them into memory."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        try:
            if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"").lower():
                # PostgreSQL text cannot hold NUL: refuse it here, not as a 503 from the database
                await _send_json(send, 400, b'{"detail":"NUL characters are not allowed in URLs"}')
                return
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body:
                await _send_json(send, 413, b'{"detail":"request body too large"}')
                return
            received = 0
            too_large = replaced = False

            async def limited_receive() -> Message:
                nonlocal received, too_large
                msg = await receive()
                if msg["type"] == "http.request":
                    received += len(msg.get("body", b""))
                    if received > self.max_body:
                        too_large = True
                        raise _TooLarge()
                return msg

            async def send_with_id(msg: Message) -> None:
                nonlocal replaced
                if too_large:  # the app turned the refused read into its own 400: answer 413 instead
                    if not replaced:
                        replaced = True
                        await _send_json(send, 413, b'{"detail":"request body too large"}',
                                         [(b"x-request-id", rid.encode("latin-1"))])
                    return
                if msg["type"] == "http.response.start":
                    msg.setdefault("headers", [])
                    msg["headers"] = [*msg["headers"], (b"x-request-id", rid.encode("latin-1"))]
                await send(msg)

            try:
                await self.app(scope, limited_receive, send_with_id)
            except _TooLarge:
                if not replaced:
                    await _send_json(send, 413, b'{"detail":"request body too large"}')
        finally:
            request_id_var.reset(token)


class _TooLarge(Exception):
    pass


class RateLimiter:
    """Fixed windows (a minute by default) per key. Redis keeps the count shared across instances; without
    Redis (or while it is down) each process counts for itself."""

    def __init__(self, per_minute: int, redis: Any = None, window_s: int = 60) -> None:
        self.per_minute = per_minute
        """Allowed hits per window (per minute with the default window)."""
        self.window_s = window_s
        self.redis = redis
        self._local: dict[str, int] = defaultdict(int)
        self._window = 0
        self._redis_down_until = 0.0

    async def peek(self, key: str) -> bool:
        """True when ``key`` has already used up this window (without counting a hit)."""
        window = int(time.time() // self.window_s)
        if self.redis is not None and time.time() >= self._redis_down_until:
            try:
                count = await self.redis.get(f"mediator:rl:{key}:{window}")
                return int(count or 0) >= self.per_minute
            except Exception:
                self._redis_down_until = time.time() + 5.0
        return window == self._window and self._local.get(key, 0) >= self.per_minute

    async def hit(self, key: str) -> float | None:
        """None when allowed; otherwise seconds until the window resets."""
        now = time.time()
        window = int(now // self.window_s)
        retry = self.window_s - (now % self.window_s)
        if self.redis is not None and now >= self._redis_down_until:
            try:
                rkey = f"mediator:rl:{key}:{window}"
                count = await self.redis.incr(rkey)
                if count == 1:
                    await self.redis.expire(rkey, self.window_s + 10)
                return None if count <= self.per_minute else retry
            except Exception:
                self._redis_down_until = now + 5.0  # count locally for a while; don't wait on a dead Redis
        if window != self._window:
            self._local.clear()
            self._window = window
        self._local[key] += 1
        return None if self._local[key] <= self.per_minute else retry


class RateLimit:
    """Limit POSTs per client IP and per bearer token; 429 with Retry-After."""

    def __init__(self, app: ASGIApp, per_token: RateLimiter, per_ip: RateLimiter) -> None:
        self.app, self.per_token, self.per_ip = app, per_token, per_ip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        client = (scope.get("client") or ("-", 0))[0]
        checks: list[tuple[RateLimiter, str]] = [(self.per_ip, f"ip:{client}")]
        auth = headers.get(b"authorization", b"")
        if auth and self.per_token.per_minute > 0:
            checks.append((self.per_token, "tok:" + uuid.uuid5(uuid.NAMESPACE_OID, auth.decode("latin-1")).hex))
        for limiter, key in checks:
            if limiter.per_minute <= 0:
                continue
            retry = await limiter.hit(key)
            if retry is not None:
                await _send_json(send, 429, b'{"detail":"too many requests; slow down"}',
                                 [(b"retry-after", str(math.ceil(retry)).encode())])
                return
        await self.app(scope, receive, send)
