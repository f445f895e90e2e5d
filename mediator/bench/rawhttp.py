"""A minimal HTTP/1.1 keep-alive client for a bench's measured requests.

The driver shares this machine's two cores with the server it measures. httpx costs it about
3-5 ms of CPU a request (its pool, its request and response models), which both competes with
the server and lands in every client-side latency figure. This client writes the request
bytes and reads a ``Content-Length`` response off one connection: a tenth of the cost, like
the load generators (wrk, h2load) that benches use for the same reason. It answers to the
slice of httpx's interface the benches use, and raises httpx's transport errors, so their
retry logic is the same for both.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx


@dataclass
class RawResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class RawClient:
    """One keep-alive connection to ``base_url``, reopened when the server closes it."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"RawClient speaks plain http to a host: {base_url}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None

    async def post(self, path: str, json: Any, headers: dict[str, str] | None = None) -> RawResponse:
        body = jsonlib.dumps(json).encode()
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Content-Type: application/json",
                 f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        try:
            return await asyncio.wait_for(self._exchange(request), self.timeout)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            await self.aclose()
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, request: bytes) -> RawResponse:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(request)
        status_line = await self._reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise OSError("response without Content-Length (chunked bodies are not read here)")
        content = await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.aclose()
        return RawResponse(status, headers, content)
