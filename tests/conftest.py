"""Shared fixtures: the two storage paths and a real server on loopback.

Every service test runs twice: on the embedded defaults (SQLite file + in-process bus) and on
real PostgreSQL + Redis. The real services come from MEDIATOR_TEST_DATABASE_URL /
MEDIATOR_TEST_REDIS_URL (default 127.0.0.1:5432 / :6379). Locally, a missing service skips
those tests; in CI (CI=true) it fails them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("GUARDRAILS_RUN_SYNC", "true")

PG_ADMIN_URL = os.environ.get("MEDIATOR_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("MEDIATOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
INTEGRATION_KEY = "test-integration-key"
SECRET = "test-secret-key-that-is-long-enough-for-hs256-signing"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _need_services() -> None:
    from sqlalchemy.engine import make_url

    pg = make_url(PG_ADMIN_URL)
    missing = [name for name, host, port in (("PostgreSQL", pg.host or "127.0.0.1", pg.port or 5432),
                                               ("Redis", "127.0.0.1", 6379)) if not _reachable(host, port)]
    if missing:
        msg = f"{' and '.join(missing)} not reachable"
        if IN_CI:
            pytest.fail(f"{msg}: CI must run the real-service tests (.ci/run starts them)")
        pytest.skip(msg)


async def _pg_admin(sql: str) -> None:
    from mediator.store.db import pg_admin_execute

    await pg_admin_execute(PG_ADMIN_URL, sql)


@dataclass
class Stack:
    name: str
    database_url: str
    redis_url: str | None


@pytest.fixture(params=["embedded", "services"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """A fresh, empty store: a SQLite file, or a new PostgreSQL database plus a flushed Redis db."""
    if request.param == "embedded":
        yield Stack("embedded", f"sqlite+aiosqlite:///{tmp_path}/mediator.db", None)
        return
    _need_services()
    from sqlalchemy.engine import make_url

    name = f"mediator_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    r.flushdb()
    r.close()
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield Stack("services", url, REDIS_URL)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def make_settings(stack: Stack, tmp_path: Path, **overrides: Any) -> Any:
    from mediator.settings import Settings

    values = dict(
        DATABASE_URL=stack.database_url, REDIS_URL=stack.redis_url, MEDIATOR_INTEGRATION_KEY=INTEGRATION_KEY,
        MEDIATOR_SECRET_KEY=SECRET, MEDIATOR_STATE_DIR=str(tmp_path / "state"), OPENAI_BASE_URL=None,
        OPENAI_API_KEY=None, MEDIATOR_RATE_LIMIT=0, MEDIATOR_RATE_LIMIT_IP=0,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


class ServerThread:
    """The real app under uvicorn on an ephemeral loopback port, in a background thread."""

    def __init__(self, settings: Any, backend: Any = None) -> None:
        self.settings = settings
        self.backend = backend
        self.svc: Any = None
        self.url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ServerThread:
        import uvicorn

        from mediator.api.app import create_app
        from mediator.service import Service

        self.svc = Service(self.settings, backend=self.backend)
        app = create_app(self.settings, service=self.svc)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=3)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.time() + 30
        while not self._server.started:
            if time.time() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=20)

    def client(self, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def integration(self) -> httpx.Client:
        return self.client(**{"X-API-Key": INTEGRATION_KEY})


@pytest.fixture
def server(stack: Stack, tmp_path: Path) -> Iterator[ServerThread]:
    with ServerThread(make_settings(stack, tmp_path)) as srv:
        yield srv


ACCOUNTS = {
    "US": {"borrower_name": "Dana Smith", "creditor": "Acme Bank", "balance": "1240.50", "currency": "USD",
           "days_past_due": 45, "jurisdiction": "US", "language": "en", "timezone": "America/New_York",
           "verification": {"date_of_birth": "1985-04-12", "postcode": "10001"}},
    "UK": {"borrower_name": "Sophie Clarke", "creditor": "Brightwater Bank", "balance": "2150.00", "currency": "GBP",
           "days_past_due": 60, "jurisdiction": "UK", "language": "en",
           "verification": {"date_of_birth": "1990-09-03", "postcode": "LS1 4AP"}},
    "CN": {"borrower_name": "李娜", "creditor": "星河银行", "balance": "18600.00", "currency": "CNY",
           "days_past_due": 65, "jurisdiction": "CN", "language": "zh", "timezone": "Asia/Shanghai",
           "verification": {"date_of_birth": "1988-06-12", "postcode": "100020"}},
}


def open_conversation(srv: ServerThread, jurisdiction: str = "US", verified: bool = True,
                      account_id: str | None = None) -> tuple[str, httpx.Client]:
    """Push an account, start a conversation; return its id and a client holding the borrower token."""
    account_id = account_id or f"acct-{jurisdiction.lower()}-{uuid.uuid4().hex[:6]}"
    with srv.integration() as c:
        r = c.put(f"/v1/accounts/{account_id}", json=ACCOUNTS[jurisdiction])
        assert r.status_code in (200, 201), r.text
        r = c.post("/v1/conversations", json={"account_id": account_id, "identity_verified": verified})
        assert r.status_code == 201, r.text
        body = r.json()
    return body["conversation_id"], srv.client(Authorization=f"Bearer {body['borrower_token']}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main
    thread until the session ends, and tests after it that call ``asyncio.run`` would fail."""
    items.sort(key=lambda item: "browser" in item.keywords)  # stable: the rest keep their order
