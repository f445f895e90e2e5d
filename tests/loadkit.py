"""Shared helpers for the scale-out and fault tests: real ``mediator serve`` processes on free
ports, a fresh PostgreSQL database, a private Redis and the timed stub model, all from
``mediator.bench.load`` (the bench and the tests use the same harness and the same
reconciliation), plus small readers for metrics, alerts and webhook deliveries."""

from __future__ import annotations

import asyncio
import http.server
import json
import re
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from mediator.bench.load import (
    LoadDriver,
    LoadResult,
    LocalStack,
    Reconciliation,
    RedisServer,
    local_stack,
    reconcile_from_db,
)
from tests.conftest import IN_CI, _need_services

STAFF = (("mia", "mediator"), ("sam", "supervisor"))


def need_real_services() -> None:
    """PostgreSQL and Redis reachable, and redis-server installed (a private one is started)."""
    _need_services()
    if not RedisServer.available():
        if IN_CI:
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")


@contextmanager
def stack(workers: int = 1, instances: int = 1, model_latency_ms: float = 50.0,
          extra_env: dict[str, str] | None = None) -> Iterator[LocalStack]:
    need_real_services()
    with local_stack(workers=workers, model_latency_ms=model_latency_ms, instances=instances,
                     extra_env=extra_env, private_redis=True) as st:
        yield st


def seed_staff(database_url: str) -> None:
    from mediator.security import hash_password
    from mediator.store import repo
    from mediator.store.db import Database

    async def run() -> None:
        db = Database(database_url)
        try:
            async with db.transaction() as s:
                for user, role in STAFF:
                    await repo.put_staff(s, user, hash_password(f"{user}-password"), role)
        finally:
            await db.dispose()

    asyncio.run(run())


def staff_token(base_url: str, user: str) -> str:
    r = httpx.post(f"{base_url}/v1/staff/login", json={"username": user, "password": f"{user}-password"}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def metric_sum(base_url: str, name: str) -> float:
    """The value of an unlabelled sample (e.g. a histogram's ``_count``) on one instance."""
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    m = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else 0.0


def run_load(st: LocalStack, borrowers: int, seconds: float,
             during: Callable[[LoadDriver], Awaitable[None]] | None = None, urls: list[str] | None = None,
             think_s: tuple[float, float] = (0.2, 0.6), retry_for_s: float = 45.0) -> tuple[LoadResult, Reconciliation]:
    """Drive the stack, then reconcile exactly against its database."""
    driver = LoadDriver(urls or [s.url for s in st.servers], st.integration_key, borrowers, seconds,
                        think_s=think_s, retry_for_s=retry_for_s, warm=False)

    async def go() -> tuple[LoadResult, Reconciliation]:
        result = await driver.run(during)
        return result, await reconcile_from_db(st.database.url, result, drain_s=30.0)

    return asyncio.run(go())


def assert_exact(result: LoadResult, rec: Reconciliation) -> None:
    assert rec.sent > 0 and rec.sent == len(result.turns)
    assert rec.problems == [], rec.problems[:10]
    assert rec.exact, rec.line()
    assert rec.stored == rec.sent and rec.answered + rec.muted_handovers == rec.sent, rec.line()


class WebhookReceiver:
    """A local HTTP endpoint that counts alert deliveries by alert id."""

    def __init__(self) -> None:
        received: Counter[str] = Counter()
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                received[str(json.loads(body).get("id"))] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
