"""``mediator bench load``: many simulated borrowers against real server processes, then an
exact reconciliation read from the database.

Without ``--url`` it brings up the whole stack itself (a fresh PostgreSQL database, a private
redis-server, the stub model at a fixed latency, ``mediator serve --workers N`` as a child
process), drives it for a bounded time and tears everything down. The same building blocks
(``local_stack``, ``LoadDriver``, ``reconcile``) serve the scale-out and fault tests, so the
bench and the tests check one definition of "nothing lost, nothing duplicated".

Overhead is measured per turn: the stub model is wrapped so that every completion it serves is
timed and attributed to the turn whose borrower text it answered (each simulated message
carries a unique reference), and that model time is subtracted from the turn's latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mediator.bench import percentiles

PG_ADMIN_URL = os.environ.get(
    "MEDIATOR_BENCH_PG_ADMIN_URL",
    os.environ.get("MEDIATOR_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
SHARED_REDIS_URL = os.environ.get("MEDIATOR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
INTEGRATION_KEY = "load-integration-key"
SECRET_KEY = "load-secret-key-" + "x" * 40
THINK_S = (10.0, 30.0)
"""Pause between a borrower's messages (uniform, seconds): a person reads the reply and types the
next message. Override with ``MEDIATOR_BENCH_THINK_MS=lo,hi`` (or ``--think-ms`` if the CLI has it)
for a stress run."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout_s:g}s")


# --- the stack ----------------------------------------------------------------------------------


class PgDatabase:
    """A fresh PostgreSQL database, created on enter and dropped (forcibly) on exit."""

    def __init__(self, admin_url: str = PG_ADMIN_URL, prefix: str = "mediator_load_") -> None:
        from sqlalchemy.engine import make_url

        self.admin = make_url(admin_url)
        self.name = f"{prefix}{uuid.uuid4().hex[:10]}"
        self.url = self.admin.set(database=self.name).render_as_string(hide_password=False)

    async def _admin(self, sql: str) -> None:
        from mediator.store.db import pg_admin_execute

        await pg_admin_execute(self.admin.render_as_string(hide_password=False), sql)

    def create(self) -> None:
        from mediator.store.db import upgrade

        asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))
        upgrade(self.url)  # once, before several servers start against it

    def drop(self) -> None:
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


class RedisServer:
    """A private redis-server on a free port, so a fault test can stop and restart it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, 10)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


@dataclass
class Completion:
    """One completion the stub served: which borrower text it answered, and how long it took."""

    borrower_text: str
    seconds: float


class _Timed:
    """What a bench reads of a stub model: its completions, and model time by borrower text."""

    completions: list[Completion]

    def model_seconds_by_text(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for c in self.completions:
            out[c.borrower_text] += c.seconds
        return out


class TimedStub(_Timed):
    """The project's stub model (``mediator.devtools.stub_openai``) in a background thread of
    this process, which the tests steer (``control``: scripted errors, stalls, latency). Every
    completion is timed and keyed by the borrower text it answers."""

    def __init__(self, latency_ms: float, mode: str = "helpful") -> None:
        from mediator.devtools.stub_openai import Stub, StubState

        self.state = StubState(mode=mode, latency_ms=latency_ms)  # type: ignore[arg-type]
        self.control = Stub(url="", state=self.state)
        self.url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def completions(self) -> list[Completion]:
        return [Completion(text, seconds) for text, seconds in list(self.state.timings)]

    def __enter__(self) -> TimedStub:
        import uvicorn

        from mediator.devtools.stub_openai import serve_app

        port = free_port()
        config = uvicorn.Config(serve_app(self.state), host="127.0.0.1", port=port, log_level="warning",
                                lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="timed-stub", daemon=True)
        self._thread.start()
        _wait_port(port, 10)
        self.url = self.control.url = f"http://127.0.0.1:{port}/v1"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)


class StubProcess(_Timed):
    """The same timed stub in a process of its own, for the bench: in a thread it would share
    the load driver's interpreter lock, and its work would delay the driver's clock readings
    and count as the service's overhead. Its timings are read over HTTP at the end."""

    def __init__(self, latency_ms: float, mode: str = "helpful") -> None:
        self.latency_ms, self.mode = latency_ms, mode
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._completions: list[Completion] | None = None

    def __enter__(self) -> StubProcess:
        port = free_port()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "mediator.devtools.stub_openai", "--port", str(port),
             "--latency-ms", str(self.latency_ms), "--mode", self.mode],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_port(port, 30)
        except RuntimeError:
            self.__exit__()
            raise RuntimeError("the stub model did not start") from None
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(10)

    @property
    def completions(self) -> list[Completion]:
        if self._completions is None:
            body = httpx.get(self.url.removesuffix("/v1") + "/timings", timeout=30).json()
            self._completions = [Completion(str(t), float(sec)) for t, sec in body["completions"]]
        return self._completions


class ServeProcess:
    """``mediator serve --workers N`` as a child process in its own session (so it and its
    workers are stopped together), with its output in a log file."""

    def __init__(self, env: dict[str, str], workers: int, workdir: Path, name: str = "serve",
                 app_factory: str | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env, self.workers, self.workdir, self.name = env, workers, workdir, name
        self.app_factory = app_factory
        """Serve this ``module:factory`` instead of the service's own app (the benches' app)."""
        self.log_path = workdir / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        env = {**os.environ, **self.env}
        env.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        argv = [sys.executable, "-m", "mediator", "serve", *where,
                *(["--app", self.app_factory] if self.app_factory else [])]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, env=env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.wait_healthy(timeout_s)

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not healthy after {timeout_s:g}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (children of the supervisor that run the app)."""
        if self.proc is None:
            return []
        if self.workers <= 1:
            return [self.proc.pid]
        pids = []
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []
        for pid in map(int, children):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                pids.append(pid)
        return pids

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server: its supervisor and live workers (user + system)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        pids = {self.proc.pid, *self.worker_pids()} if self.proc is not None else set()
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def busiest_worker(self) -> int:
        """The worker holding the most sockets (client connections and its database pool): the
        kernel does not spread connections evenly, so this is the one with turns in flight."""

        def sockets(pid: int) -> int:
            try:
                return sum(os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
                           for fd in os.listdir(f"/proc/{pid}/fd"))
            except OSError:
                return -1

        return max(self.worker_pids(), key=sockets)

    def stop(self, grace_s: float = 20.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


@dataclass
class LocalStack:
    database: PgDatabase
    redis_url: str
    redis: RedisServer | None
    stub: Any  # TimedStub (steerable by tests) or StubProcess (the bench); both _Timed
    servers: list[ServeProcess]
    workdir: Path
    integration_key: str = INTEGRATION_KEY

    @property
    def url(self) -> str:
        return self.servers[0].url


def server_env(database_url: str, redis_url: str, model_url: str, workdir: Path,
               extra: dict[str, str] | None = None) -> dict[str, str]:
    """Everything a ``mediator serve`` child needs; nothing inherited from a .env file."""
    env = {
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "OPENAI_BASE_URL": model_url,
        "OPENAI_API_KEY": "stub", "MEDIATOR_MODEL": "stub-model", "MEDIATOR_INTEGRATION_KEY": INTEGRATION_KEY,
        "MEDIATOR_SECRET_KEY": SECRET_KEY, "MEDIATOR_STATE_DIR": str(workdir / "state"),
        "MEDIATOR_RATE_LIMIT": "0", "MEDIATOR_RATE_LIMIT_IP": "0", "MEDIATOR_SEED_DEMO": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True", "GUARDRAILS_RUN_SYNC": "true",
    }
    env.update(extra or {})
    return env


@contextlib.contextmanager
def local_stack(workers: int = 2, model_latency_ms: float = 200.0, instances: int = 1,
                extra_env: dict[str, str] | None = None, private_redis: bool | None = None,
                stub_process: bool = False) -> Iterator[LocalStack]:
    """Bring up database, Redis, stub model and ``instances`` server processes; tear all down.
    ``stub_process``: the stub model in its own process (timings only, no steering)."""
    workdir = Path(tempfile.mkdtemp(prefix="mediator-load-"))
    use_private = RedisServer.available() if private_redis is None else private_redis
    redis = RedisServer(workdir) if use_private else None
    database = PgDatabase()
    servers: list[ServeProcess] = []
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, True)
        database.create()
        stack.callback(database.drop)
        if redis is not None:
            redis.start()
            stack.callback(redis.stop)
            redis_url = redis.url
        else:
            redis_url = SHARED_REDIS_URL
            _flush_redis(redis_url)
        stub = stack.enter_context(StubProcess(model_latency_ms) if stub_process else TimedStub(model_latency_ms))
        env = server_env(database.url, redis_url, stub.url, workdir, extra_env)
        for i in range(instances):
            srv = ServeProcess(env, workers, workdir, name=f"serve{i}")
            stack.callback(srv.stop)
            srv.start()
            servers.append(srv)
        yield LocalStack(database, redis_url, redis, stub, servers, workdir)


def _flush_redis(url: str) -> None:
    import redis

    r = redis.Redis.from_url(url)
    try:
        r.flushdb()
    finally:
        r.close()


# --- simulated borrowers ------------------------------------------------------------------------

LINES = {
    "en": (
        "Hi, I got a letter about this account and want to sort it out.",
        "I lost my job a few weeks ago so money is really tight right now.",
        "could i pay in smaller monthly amounts instead?",
        "What options do I actually have here?",
        "Can you tell me how much I owe in total?",
        "I can probably manage something from the end of next month.",
        "ok that sounds fair, what happens next",
        "I'm not happy with how I've been treated, I may complain about this.",
        "Can I talk to a real person please?",
        "Thanks, that helps. I'll think about it.",
    ),
    "zh": (
        "你好，我收到了关于这笔欠款的通知，想处理一下。",
        "我最近失业了，手头很紧。",
        "可以分期还款吗？每个月少还一点。",
        "我现在有哪些方案可以选？",
        "我一共还欠多少钱？",
        "下个月底应该可以先还一部分。",
        "好的，那接下来怎么办？",
        "你们的催收方式让我很不满意，我可能会投诉。",
        "我想转人工，可以吗？",
        "谢谢，我考虑一下。",
    ),
}

ACCOUNTS = (
    {"creditor": "Acme Bank", "balance": "1240.50", "currency": "USD", "days_past_due": 45, "jurisdiction": "US",
     "language": "en", "verification": {"date_of_birth": "1985-04-12", "postcode": "10001"}},
    {"creditor": "Brightwater Bank", "balance": "2150.00", "currency": "GBP", "days_past_due": 60,
     "jurisdiction": "UK", "language": "en", "verification": {"date_of_birth": "1990-09-03", "postcode": "LS1 4AP"}},
    {"creditor": "星河银行", "balance": "18600.00", "currency": "CNY", "days_past_due": 65, "jurisdiction": "CN",
     "language": "zh", "verification": {"date_of_birth": "1988-06-12", "postcode": "100020"}},
)
NAMES = ("Jordan Lee", "Priya Raman", "Tomás Ortega", "Grace Whitfield", "王芳", "Ade Okafor", "Mia Novak")


def reference(n: int) -> str:
    """A short letters-only tag (no digits, so no analyser reads it as an amount)."""
    letters = "bcdfghjkmnpqrstvwxz"
    out = ""
    n += len(letters) ** 3
    while n:
        n, r = divmod(n, len(letters))
        out += letters[r]
    return out


def tagged(text: str, language: str, n: int) -> str:
    return f"{text}（编号 {reference(n)}）" if language == "zh" else f"{text} (ref {reference(n)})"


@dataclass
class Borrower:
    conversation_id: str
    token: str
    language: str


@dataclass
class TurnRecord:
    """One message as the client experienced it, across all its retries."""

    conversation_id: str
    text: str
    key: str
    started: float
    ended: float = 0.0
    attempts: int = 0
    outcome: str = "pending"  # ok | gave_up | refused:<status>
    reply_action: str | None = None  # pass | repair | block; None with ok = muted (a human has it)
    warmup: bool = False  # sent before the clock started: reconciled, not timed


@dataclass
class LoadResult:
    borrowers: list[Borrower]
    turns: list[TurnRecord]
    errors: Counter[str]
    wall_s: float


class LoadDriver:
    """N concurrent borrowers, each with its own conversation, for a bounded time.

    A message is sent with an Idempotency-Key and retried with the same key on transport errors,
    5xx and 429 (for at most ``retry_for_s``); a turn started before the deadline is finished."""

    def __init__(self, base_urls: list[str], integration_key: str, borrowers: int, seconds: float,
                 think_s: tuple[float, float] = THINK_S, retry_for_s: float = 60.0, timeout_s: float = 30.0,
                 seed: int = 7, warm: bool = True) -> None:
        self.base_urls = base_urls
        self.warm = warm
        self.integration_key = integration_key
        self.n_borrowers = borrowers
        self.seconds = seconds
        self.think_s = think_s
        self.retry_for_s = retry_for_s
        self.timeout_s = timeout_s
        self.rng = random.Random(seed)
        self.errors: Counter[str] = Counter()
        self.turns: list[TurnRecord] = []
        self.in_flight = 0
        self._counter = 0

    def _client(self, base_url: str, connections: int = 20) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        return httpx.AsyncClient(base_url=base_url, timeout=self.timeout_s, limits=limits)

    async def open_conversations(self, client: httpx.AsyncClient) -> list[Borrower]:
        key = {"X-API-Key": self.integration_key}
        sem = asyncio.Semaphore(16)
        run_id = uuid.uuid4().hex[:6]

        async def one(i: int) -> Borrower:
            account = {**ACCOUNTS[i % len(ACCOUNTS)], "borrower_name": NAMES[i % len(NAMES)]}
            acct = f"load-{run_id}-{i}"
            async with sem:
                r = await self._retrying(lambda: client.put(f"/v1/accounts/{acct}", json=account, headers=key))
                r = await self._retrying(lambda: client.post(
                    "/v1/conversations", json={"account_id": acct, "identity_verified": i % 4 != 0}, headers=key))
            body = r.json()
            return Borrower(body["conversation_id"], body["borrower_token"], str(account["language"]))

        return list(await asyncio.gather(*(one(i) for i in range(self.n_borrowers))))

    async def _retrying(self, call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        """Set-up calls (idempotent PUT, conversation creation) retried until they succeed."""
        deadline = time.monotonic() + self.retry_for_s
        while True:
            try:
                r = await call()
                if r.status_code < 300:
                    return r
                if r.status_code < 500 and r.status_code != 429:
                    r.raise_for_status()
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("set-up call kept failing")
            await asyncio.sleep(0.2)

    async def send(self, client: httpx.AsyncClient, b: Borrower, text: str, key: str | None = None) -> TurnRecord:
        """One borrower turn: post, retrying with the same Idempotency-Key until it is answered."""
        rec = TurnRecord(b.conversation_id, text, key or uuid.uuid4().hex, time.perf_counter())
        self.turns.append(rec)
        headers = {"Authorization": f"Bearer {b.token}", "Idempotency-Key": rec.key}
        deadline = time.monotonic() + self.retry_for_s
        backoff = 0.1
        self.in_flight += 1
        try:
            while True:
                rec.attempts += 1
                wait = backoff
                try:
                    r = await client.post(f"/v1/conversations/{b.conversation_id}/messages", json={"text": text},
                                          headers=headers)
                except httpx.TransportError as exc:
                    self.errors[f"transport:{type(exc).__name__}"] += 1
                else:
                    if r.status_code == 201:
                        reply = r.json().get("reply")
                        rec.reply_action = reply["action"] if reply else None
                        rec.outcome = "ok"
                        return rec
                    self.errors[f"http:{r.status_code}"] += 1
                    if r.status_code == 429:
                        wait = float(r.headers.get("retry-after", "1"))
                    elif r.status_code < 500:
                        rec.outcome = f"refused:{r.status_code}"
                        return rec
                if time.monotonic() + wait > deadline:
                    rec.outcome = "gave_up"
                    return rec
                await asyncio.sleep(wait)
                backoff = min(backoff * 2, 2.0)
        finally:
            rec.ended = time.perf_counter()
            self.in_flight -= 1

    def _next_text(self, b: Borrower, n: int) -> str:
        lines = LINES[b.language]
        self._counter += 1
        return tagged(lines[n % len(lines)], b.language, self._counter)

    async def warm_up(self, clients: list[httpx.AsyncClient], borrowers: list[Borrower], rounds: int = 3) -> None:
        """A few untimed turns first, so every worker has loaded what it loads lazily (as a
        server that has been up for a while has); they are still reconciled."""
        few = min(len(borrowers), 32)
        for r in range(rounds):
            recs = await asyncio.gather(*(self.send(clients[i], borrowers[i], self._next_text(borrowers[i], r))
                                          for i in range(few)))
            for rec in recs:
                rec.warmup = True

    async def _borrower(self, client: httpx.AsyncClient, b: Borrower, stop_at: float) -> None:
        await asyncio.sleep(self.rng.uniform(0, self.think_s[1]))
        n = self.rng.randrange(len(LINES[b.language]))
        while time.monotonic() < stop_at:
            rec = await self.send(client, b, self._next_text(b, n))
            if rec.outcome.startswith("refused"):
                return
            n += 1
            pause = min(self.rng.uniform(*self.think_s), stop_at - time.monotonic())
            if pause <= 0:
                return
            await asyncio.sleep(pause)

    async def run(self, during: Callable[[LoadDriver], Awaitable[None]] | None = None) -> LoadResult:
        """Open the conversations, run the borrowers until ``seconds`` pass (spread over the base
        URLs), let every started turn finish. ``during`` runs alongside (fault injection)."""
        # each borrower is a separate browser: its own connection, so the kernel spreads them
        # over the server's workers as it would real users'
        clients = [self._client(self.base_urls[i % len(self.base_urls)], connections=2)
                   for i in range(self.n_borrowers)]
        try:
            async with self._client(self.base_urls[0]) as integration:
                borrowers = await self.open_conversations(integration)
            if self.warm:
                await self.warm_up(clients, borrowers)
            started = time.monotonic()
            stop_at = started + self.seconds
            tasks = [asyncio.create_task(self._borrower(clients[i], b, stop_at)) for i, b in enumerate(borrowers)]
            side = asyncio.create_task(during(self)) if during else None
            await asyncio.gather(*tasks)
            if side is not None:
                await side
            wall = time.monotonic() - started
        finally:
            for c in clients:
                await c.aclose()
        return LoadResult(borrowers, list(self.turns), Counter(self.errors), wall)


# --- reconciliation -----------------------------------------------------------------------------


@dataclass
class Transcript:
    status: str
    messages: list[tuple[int, str, str]]  # (seq, role, text), by seq
    incomplete_keys: int = 0  # idempotency records without a final response (database source only)
    handovers: int = 0  # replies that handed the conversation to a person (database source only)


@dataclass
class Reconciliation:
    sent: int = 0
    acknowledged: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    answered: int = 0
    guard_blocks: int = 0
    handovers: int = 0
    muted_handovers: int = 0
    unanswered: int = 0
    extra_replies: int = 0
    seq_gaps: int = 0
    incomplete_turns: int = 0
    outbox_pending: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected or self.unanswered or self.extra_replies
                    or self.seq_gaps or self.incomplete_turns or self.outbox_pending
                    or self.acknowledged != self.sent)

    def line(self) -> str:
        return (f"sent={self.sent} acknowledged={self.acknowledged} stored={self.stored} lost={self.lost} "
                f"duplicated={self.duplicated} unexpected={self.unexpected} answered={self.answered} "
                f"(handed over to a person={self.handovers}, guard blocks={self.guard_blocks}, "
                f"muted for a human={self.muted_handovers}) "
                f"unanswered={self.unanswered} extra_replies={self.extra_replies} seq_gaps={self.seq_gaps} "
                f"incomplete_turns={self.incomplete_turns} outbox_pending={self.outbox_pending}")


def reconcile(turns: list[TurnRecord], transcripts: dict[str, Transcript], outbox_pending: int = 0) -> Reconciliation:
    """Every message the client sent is stored exactly once and got exactly one reply (or, when
    a human had the conversation, none: a hand-over); nothing else is stored."""
    rec = Reconciliation(sent=len(turns), acknowledged=sum(t.outcome == "ok" for t in turns),
                         outbox_pending=outbox_pending)
    by_conv: dict[str, dict[str, TurnRecord]] = defaultdict(dict)
    for t in turns:
        by_conv[t.conversation_id][t.text] = t
    for conv_id, sent in by_conv.items():
        tr = transcripts.get(conv_id, Transcript("missing", []))
        rec.incomplete_turns += tr.incomplete_keys
        rec.handovers += tr.handovers
        seqs = [m[0] for m in tr.messages]
        if seqs != list(range(1, len(seqs) + 1)):
            rec.seq_gaps += 1
            rec.problems.append(f"{conv_id}: sequence numbers {seqs[:10]}...")
        seen: Counter[str] = Counter()
        msgs = tr.messages
        for i, (_seq, role, text) in enumerate(msgs):
            if role != "borrower":
                continue
            seen[text] += 1
            turn = sent.get(text)
            if turn is None:
                rec.unexpected += 1
                rec.problems.append(f"{conv_id}: stored a message nobody sent: {text[:60]!r}")
                continue
            if seen[text] > 1:
                rec.duplicated += 1
                rec.problems.append(f"{conv_id}: stored twice: {text[:60]!r}")
                continue
            rec.stored += 1
            replies = 0
            for _s, r, _t in msgs[i + 1:]:
                if r == "borrower":
                    break
                if r in ("mediator", "agent"):
                    replies += 1
            if replies == 1:
                rec.answered += 1
                rec.guard_blocks += turn.reply_action == "block"
            elif replies == 0 and turn.outcome == "ok" and turn.reply_action is None:
                rec.muted_handovers += 1
            elif replies == 0:
                rec.unanswered += 1
                rec.problems.append(f"{conv_id}: no reply to {text[:60]!r} (client: {turn.outcome})")
            else:
                rec.extra_replies += replies - 1
                rec.problems.append(f"{conv_id}: {replies} replies to {text[:60]!r}")
        for text, turn in sent.items():
            if not seen[text]:
                rec.lost += 1
                rec.problems.append(f"{conv_id}: never stored ({turn.outcome}): {text[:60]!r}")
    return rec


async def read_transcripts(database_url: str, conversation_ids: list[str]) -> tuple[dict[str, Transcript], int]:
    """The stored truth: messages, statuses and unfinished idempotency records per conversation,
    and the number of outbox entries not yet relayed."""
    from sqlalchemy import func, select

    from mediator.store import repo
    from mediator.store.db import Database
    from mediator.store.models import AuditEvent, Conversation, IdempotencyRecord, Message

    db = Database(database_url)
    out: dict[str, Transcript] = {}
    try:
        async with db.reader() as s:
            for chunk_start in range(0, len(conversation_ids), 500):
                ids = conversation_ids[chunk_start:chunk_start + 500]
                for cid, status in (await s.execute(
                        select(Conversation.id, Conversation.status).where(Conversation.id.in_(ids)))).all():
                    out[cid] = Transcript(status, [])
                rows = await s.execute(select(Message.conversation_id, Message.seq, Message.role, Message.text)
                                       .where(Message.conversation_id.in_(ids))
                                       .order_by(Message.conversation_id, Message.seq))
                for cid, seq, role, text in rows.all():
                    out[cid].messages.append((seq, role, text))
                pending = await s.execute(
                    select(IdempotencyRecord.conversation_id, func.count())
                    .where(IdempotencyRecord.conversation_id.in_(ids), IdempotencyRecord.response.is_(None))
                    .group_by(IdempotencyRecord.conversation_id))
                for cid, n in pending.all():
                    out[cid].incomplete_keys = int(n)
                replies = await s.execute(select(AuditEvent.conversation_id, AuditEvent.data)
                                          .where(AuditEvent.conversation_id.in_(ids), AuditEvent.kind == "reply_sent"))
                for cid, data in replies.all():
                    out[cid].handovers += bool((data or {}).get("handover"))
            outbox = await repo.pending_outbox_count(s)
    finally:
        await db.dispose()
    return out, outbox


async def read_transcripts_api(base_url: str, borrowers: list[Borrower]) -> dict[str, Transcript]:
    """The same, through the borrower API (for ``--url`` without a database URL)."""
    out: dict[str, Transcript] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as c:
        for b in borrowers:
            auth = {"Authorization": f"Bearer {b.token}"}
            status = (await c.get(f"/v1/conversations/{b.conversation_id}", headers=auth)).json()["status"]
            msgs: list[tuple[int, str, str]] = []
            after: int | None = 0
            while after is not None:
                page = (await c.get(f"/v1/conversations/{b.conversation_id}/messages",
                                    params={"after": after, "limit": 500}, headers=auth)).json()
                msgs += [(m["seq"], m["role"], m["text"]) for m in page["messages"]]
                after = page["next_after"]
            out[b.conversation_id] = Transcript(status, msgs)
    return out


async def reconcile_from_db(database_url: str, result: LoadResult, drain_s: float = 20.0) -> Reconciliation:
    """Reconcile against the database, first giving the outbox up to ``drain_s`` to empty."""
    ids = [b.conversation_id for b in result.borrowers]
    deadline = time.monotonic() + drain_s
    while True:
        transcripts, outbox = await read_transcripts(database_url, ids)
        if outbox == 0 or time.monotonic() > deadline:
            return reconcile(result.turns, transcripts, outbox)
        await asyncio.sleep(0.5)


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Figures:
    turns: int
    throughput: float
    latency_ms: dict[str, float]
    overhead_ms: dict[str, float] | None
    model_ms_mean: float | None
    completions: int | None
    server_cpu_ms: float | None = None  # server CPU per timed turn (workers + supervisor)


def figures(result: LoadResult, stub: _Timed | None) -> Figures:
    done = [t for t in result.turns if t.outcome == "ok" and not t.warmup]
    lat = [(t.ended - t.started) * 1000 for t in done]
    overhead = model_mean = completions = None
    if stub is not None:
        model = stub.model_seconds_by_text()
        model_ms = [model.get(t.text, 0.0) * 1000 for t in done]
        overhead = percentiles([max(x - m, 0.0) for x, m in zip(lat, model_ms, strict=True)])
        model_mean = sum(model_ms) / len(model_ms) if model_ms else 0.0
        completions = len(stub.completions)
    return Figures(len(done), len(done) / result.wall_s if result.wall_s else 0.0, percentiles(lat), overhead,
                   model_mean, completions)


def print_report(fig: Figures, result: LoadResult, rec: Reconciliation, out: Any = None) -> None:
    out = out or sys.stdout
    p = fig.latency_ms
    print(f"turns completed     {fig.turns} in {result.wall_s:.1f}s -> {fig.throughput:.1f} turns/s", file=out)
    print(f"turn latency        p50={p['p50']:.1f}ms p95={p['p95']:.1f}ms p99={p['p99']:.1f}ms "
          f"max={p['max']:.1f}ms", file=out)
    if fig.overhead_ms is not None:
        o = fig.overhead_ms
        print(f"model time / turn   mean={fig.model_ms_mean:.1f}ms over {fig.completions} completions served",
              file=out)
        print(f"overhead (- model)  p50={o['p50']:.1f}ms p95={o['p95']:.1f}ms p99={o['p99']:.1f}ms "
              f"max={o['max']:.1f}ms", file=out)
    if fig.server_cpu_ms is not None:
        print(f"server CPU / turn   {fig.server_cpu_ms:.1f}ms (all workers; less sensitive than latency to other "
              f"load on the machine: load average {os.getloadavg()[0]:.2f})", file=out)
    else:
        print("overhead (- model)  n/a: the model is external (see mediator_turn_overhead_seconds on /metrics)",
              file=out)
    retries = sum(max(t.attempts - 1, 0) for t in result.turns)
    errs = ", ".join(f"{k}={v}" for k, v in sorted(result.errors.items())) or "none"
    outcomes = Counter(t.outcome for t in result.turns)
    print(f"errors              {errs}; retries={retries}; outcomes: "
          + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())), file=out)
    print(f"reconciliation      {rec.line()}", file=out)
    for problem in rec.problems[:20]:
        print(f"  ! {problem}", file=out)
    print(f"reconciliation is   {'EXACT' if rec.exact else 'NOT EXACT'}", file=out)


# --- the command --------------------------------------------------------------------------------


def _think(args: argparse.Namespace) -> tuple[float, float]:
    ms = getattr(args, "think_ms", None) or os.environ.get("MEDIATOR_BENCH_THINK_MS")
    if ms:
        lo, _, hi = str(ms).partition(",")
        return float(lo) / 1000, float(hi or lo) / 1000
    return THINK_S


def cmd_bench_load(args: argparse.Namespace) -> int:
    think = _think(args)
    model = "the server's own model" if args.url else f"the stub model at {args.model_latency_ms:g}ms"
    print(f"mediator bench load: {args.borrowers} borrowers for {args.seconds:g}s, think time "
          f"{think[0]:g}-{think[1]:g}s, {model}", flush=True)
    if args.url:
        return _run_against(args, think)
    with local_stack(workers=args.workers, model_latency_ms=args.model_latency_ms, stub_process=True) as st:
        print(f"stack: {args.workers} uvicorn workers at {st.url}, PostgreSQL database {st.database.name}, "
              f"Redis {st.redis_url}, stub model {st.stub.url}", flush=True)
        driver = LoadDriver([st.url], st.integration_key, args.borrowers, args.seconds, think_s=think)
        cpu: list[float] = []

        async def clock_start(_driver: LoadDriver) -> None:
            cpu.append(st.servers[0].cpu_seconds())

        result = asyncio.run(driver.run(during=clock_start))
        cpu.append(st.servers[0].cpu_seconds())
        rec = asyncio.run(reconcile_from_db(st.database.url, result))
        fig = figures(result, st.stub)
        fig.server_cpu_ms = (cpu[1] - cpu[0]) * 1000 / fig.turns if fig.turns else None
        print_report(fig, result, rec)
    return 0 if rec.exact else 1


def _run_against(args: argparse.Namespace, think: tuple[float, float]) -> int:
    key = os.environ.get("MEDIATOR_INTEGRATION_KEY")
    if not key:
        print("mediator bench load --url needs MEDIATOR_INTEGRATION_KEY in the environment", file=sys.stderr)
        return 2
    driver = LoadDriver([args.url.rstrip("/")], key, args.borrowers, args.seconds, think_s=think)
    result = asyncio.run(driver.run())
    db_url = os.environ.get("DATABASE_URL")
    if db_url:
        rec = asyncio.run(reconcile_from_db(db_url, result))
    else:
        print("(no DATABASE_URL: reconciling through the borrower API instead of the database)")
        rec = reconcile(result.turns, asyncio.run(read_transcripts_api(args.url.rstrip("/"), result.borrowers)))
    print_report(figures(result, None), result, rec)
    return 0 if rec.exact else 1


if __name__ == "__main__":  # pragma: no cover - manual use
    from mediator.cli import main

    raise SystemExit(main(["bench", "load", *sys.argv[1:]]))
