"""Fixtures of the browser tests: the real service in a subprocess (temp SQLite, demo seed,
offline mediator or the stub model), the system Chromium driven by Playwright, and helpers to
sign staff in and to save screenshots.

Nothing here downloads a browser: Playwright is pointed at Debian's /usr/bin/chromium."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

CHROMIUM = Path(os.environ.get("MEDIATOR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
STARTUP_S = 60.0
# drafts the stub model sends in adversarial mode: threats and abuse no repair can save
ADVERSARIAL_REPLIES = Path(__file__).resolve().parent / "data" / "adversarial_replies.jsonl"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip only when the browser is missing on a developer machine; in CI it must run."""
    if CHROMIUM.exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI runs these")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}:\n{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {STARTUP_S}s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@dataclass
class Server:
    """A running service: its base URL and the integration key it was started with."""

    base: str
    integration_key: str
    log: Path

    def staff_token(self, username: str, password: str) -> str:
        body = {"username": username, "password": password}
        r = httpx.post(f"{self.base}/v1/staff/login", json=body, timeout=10)
        r.raise_for_status()
        return r.json()["token"]

    def get(self, path: str, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {"X-API-Key": self.integration_key}
        r = httpx.get(f"{self.base}{path}", headers=headers, timeout=30)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: dict[str, Any], token: str | None = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        h = {"Authorization": f"Bearer {token}"} if token else {"X-API-Key": self.integration_key}
        h.update(headers or {})
        return httpx.post(f"{self.base}{path}", json=body, headers=h, timeout=60)


@contextlib.contextmanager
def run_service(tmp: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    key = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/t.db",
        "MEDIATOR_STATE_DIR": str(tmp),
        "MEDIATOR_INTEGRATION_KEY": key,
        "MEDIATOR_SECRET_KEY": secrets.token_urlsafe(32),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "MEDIATOR_MODEL", "REDIS_URL"):
        env.pop(name, None)  # offline mediator and in-process bus unless the test says otherwise
    env.update(extra_env or {})
    log = tmp / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mediator", "serve", "--demo", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/healthz", proc, log)
        yield Server(base, key, log)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service with the offline mediator."""
    with run_service(tmp_path_factory.mktemp("svc")) as s:
        yield s


@pytest.fixture(scope="session")
def adversarial_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service whose model is the stub in adversarial mode: it drafts replies that break
    the policy, so the guard has something to block."""
    tmp = tmp_path_factory.mktemp("adv")
    port = free_port()
    log = tmp / "stub.log"
    with log.open("wb") as out:
        stub = subprocess.Popen(
            [sys.executable, "-m", "mediator.devtools.stub_openai", "--port", str(port), "--mode", "adversarial",
             "--adversarial-file", str(ADVERSARIAL_REPLIES), "--latency-ms", "50"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_http(f"http://127.0.0.1:{port}/v1/models", stub, log)
        env = {"OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1", "OPENAI_API_KEY": "stub-key",
               "MEDIATOR_MODEL": "stub-adversarial"}
        with run_service(tmp, env) as s:
            yield s
    finally:
        _stop(stub)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Factory of pages, each in its own browser context (own sessionStorage), all closed after
    the test. Console errors are collected on page.errors so tests can assert there were none."""
    contexts: list[Any] = []

    def make(**context_args: Any) -> Any:
        ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_args})
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def _screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Any:
    """screenshot(page, name): save tests/artifacts/screenshots/<name>.png."""
    return _screenshot


def _sign_in(page: Any, server: Server, username: str, password: str, path: str) -> None:
    page.goto(f"{server.base}/login?next={path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    want = urlsplit(path).path
    page.wait_for_url(lambda url: urlsplit(url).path == want)


@pytest.fixture
def sign_in() -> Any:
    """sign_in(page, server, username, password, path): sign in through the real form."""
    return _sign_in
