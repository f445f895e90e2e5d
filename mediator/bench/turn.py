"""``mediator bench turn``: the service's own overhead per borrower turn.

Serves the real app as ``mediator serve`` does (uvicorn, 1 or N workers; routing, auth,
validation, storage, analysis, guard, bus) with a mediator backend that answers instantly,
and drives it over HTTP from this process, so what is measured is the service's own time
and the load generator's work is not on the server's event loop. Each response carries
the server-side time (``x-bench-server-ms``), printed beside what the client saw.
``--in-process`` calls the ASGI app directly instead (no HTTP, one event loop for both).
With ``--model-latency-ms`` it also runs the OpenAI backend against the stub model
answering after that fixed delay, and reports the agent's own overhead (turn time minus the
stub's latency).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from mediator.agent.base import AgentReply, TurnInput
from mediator.bench import percentiles
from mediator.gcsettle import settled_gc

BORROWER_LINES = (
    "Hi, I'd like to sort out a payment plan.",
    "I lost my job last month and money is tight.",
    "Can I pay in instalments?",
    "What options do I have?",
)


class InstantBackend:
    """Answers at once with a compliant, fixed text: isolates the service's own cost."""

    name = "instant"

    async def reply(self, turn: TurnInput) -> AgentReply:
        return AgentReply(text="Thanks for your message. I'm here to help you find an option that works for you.",
                          backend=self.name)

    async def suggest(self, turn: TurnInput, n: int = 3) -> list[str]:
        return []

    async def summarize(self, turn: TurnInput) -> str:
        return ""


SERVER_MS_HEADER = "x-bench-server-ms"


def timed_app(app: Any) -> Any:
    """Wrap the app so each borrower turn's response carries its server-side time, from the
    request reaching the app to its response being ready: the driver's own work and the
    network are not in it."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/messages") or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        t0 = time.perf_counter()

        async def stamped(msg: Any) -> None:
            if msg["type"] == "http.response.start":
                ms = f"{(time.perf_counter() - t0) * 1000:.3f}".encode()
                msg = {**msg, "headers": [*msg.get("headers", []), (SERVER_MS_HEADER.encode(), ms)]}
            await send(msg)

        await app(scope, receive, stamped)

    return asgi


def instant_app_factory() -> Any:
    """For ``uvicorn --factory --workers N``: the served app (settings from the environment,
    warmed up as ``mediator serve`` does) with the instant mediator, timed."""
    from mediator.api.app import create_app
    from mediator.service import Service
    from mediator.settings import get_settings

    settings = get_settings()
    return timed_app(create_app(settings, service=Service(settings, backend=InstantBackend()), warm_up=True))


async def _post_turn(c: httpx.AsyncClient, conversation_id: str, text: str,
                     auth: dict[str, str]) -> httpx.Response | None:
    """One borrower message, as a widget sends it: with an Idempotency-Key, retried (twice at
    most) when the connection fails, so a dropped keep-alive connection is not a lost turn.
    None when every attempt failed; the time of the retries is part of the turn's."""
    headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
    for attempt in range(3):
        try:
            return await c.post(f"/v1/conversations/{conversation_id}/messages", json={"text": text},
                                headers=headers)
        except httpx.TransportError:
            if attempt == 2:
                return None
    return None


async def _drive(client: Callable[[], httpx.AsyncClient], integration_key: str, turns: int, concurrency: int,
                 think_ms: float = 0.0, borrower_client: Callable[[], Any] | None = None,
                 server_cpu: Callable[[], float] | None = None) -> dict[str, Any]:
    """Open ``concurrency`` conversations, warm each up with one turn, then let every borrower
    send ``turns / concurrency`` messages (pausing ``think_ms`` on average when paced). Each
    borrower has a client (a connection) of its own, as each person's browser does: borrowers
    sharing one pool would ride on the few connections it keeps busy, all in one worker.
    ``borrower_client``: the borrowers' (default ``client``); ``server_cpu``: the server's CPU
    seconds so far, read when the measured turns start and end."""
    borrower_client = borrower_client or client
    key = {"X-API-Key": integration_key}
    account = {"borrower_name": "Bench Borrower", "creditor": "Acme Bank", "balance": "1240.50",
               "currency": "USD", "days_past_due": 45, "jurisdiction": "US", "language": "en",
               "verification": {"date_of_birth": "1985-04-12", "postcode": "10001"}}
    convs = []
    async with client() as c:
        for i in range(concurrency):
            acct = f"bench-{uuid.uuid4().hex[:8]}-{i}"
            (await c.put(f"/v1/accounts/{acct}", json=account, headers=key)).raise_for_status()
            r = await c.post("/v1/conversations", json={"account_id": acct, "identity_verified": True}, headers=key)
            r.raise_for_status()
            convs.append(r.json())
    latencies: list[float] = []
    server_side: list[float] = []
    errors = 0
    per_conv = max(1, turns // concurrency)

    async def borrower(conv: dict[str, str], seed: int, warmed: asyncio.Barrier) -> None:
        nonlocal errors
        rng = random.Random(seed)
        auth = {"Authorization": f"Bearer {conv['borrower_token']}"}
        async with borrower_client() as bc:
            try:  # warm-up: one turn per conversation (its connection opened), not measured
                await bc.post(f"/v1/conversations/{conv['conversation_id']}/messages", json={"text": "hello"},
                              headers=auth)
            except httpx.TransportError:
                errors += 1
            await warmed.wait()
            for n in range(per_conv):
                if think_ms:  # a person reads the reply and types the next message
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)
                t0 = time.perf_counter()
                r = await _post_turn(bc, conv["conversation_id"], BORROWER_LINES[n % len(BORROWER_LINES)], auth)
                latencies.append(time.perf_counter() - t0)
                if r is not None and SERVER_MS_HEADER in r.headers:
                    server_side.append(float(r.headers[SERVER_MS_HEADER]) / 1000)
                if r is None or r.status_code != 201:
                    errors += 1

    warmed = asyncio.Barrier(len(convs) + 1)
    runs = [asyncio.create_task(borrower(cv, i, warmed)) for i, cv in enumerate(convs)]
    await warmed.wait()
    with settled_gc():  # the driver's own collections (4 ms pauses seen) are not the service's latency
        started = time.perf_counter()
        cpu0 = server_cpu() if server_cpu else None
        await asyncio.gather(*runs)
        wall = time.perf_counter() - started
        cpu_s = server_cpu() - cpu0 if server_cpu is not None and cpu0 is not None else None
    return {"latencies": latencies, "wall": wall, "errors": errors, "server_side": server_side, "server_cpu_s": cpu_s}


async def _run(settings: Any, backend: Any, turns: int, concurrency: int, think_ms: float = 0.0) -> dict[str, Any]:
    """In process: the ASGI app driven through httpx's ASGI transport, no network."""
    from mediator.api.app import create_app
    from mediator.service import Service

    svc = Service(settings, backend=backend)
    app = create_app(settings, service=svc, warm_up=True)  # as a served process does
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=timed_app(app))
        return await _drive(lambda: httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60),
                            settings.integration_key or "", turns, concurrency, think_ms)


async def _run_served(url: str, turns: int, concurrency: int, think_ms: float,
                      server_cpu: Callable[[], float] | None = None) -> dict[str, Any]:
    """Over HTTP against server processes, from this (separate) process."""
    from mediator.bench.rawhttp import RawClient

    return await _drive(lambda: httpx.AsyncClient(base_url=url, timeout=60), BENCH_KEY, turns, concurrency, think_ms,
                        borrower_client=lambda: RawClient(url, timeout=60), server_cpu=server_cpu)


def _run_as_served(coro: Any) -> Any:
    """Run on the event loop ``mediator serve`` gets: uvicorn picks uvloop when it is installed
    (``uvicorn[standard]``), so the bench does too, or it would time a loop production never uses."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def _stub_requests(url: str) -> int:
    return int(httpx.get(url.removesuffix("/v1") + "/stats", timeout=5).json()["requests"])


def _report(label: str, result: dict[str, Any], subtract_ms: float = 0.0) -> None:
    lat_ms = [max(x * 1000 - subtract_ms, 0.0) for x in result["latencies"]]
    p = percentiles(lat_ms)
    srv = percentiles([max(x * 1000 - subtract_ms, 0.0) for x in result["server_side"]])
    rate = len(lat_ms) / result["wall"] if result["wall"] else 0.0
    cpu_s = result.get("server_cpu_s")
    cpu = f" cpu/turn={cpu_s * 1000 / len(lat_ms):5.2f}ms" if cpu_s is not None and lat_ms else ""
    print(f"{label:44} turns={len(lat_ms):4d} client p50={p['p50']:6.2f} p99={p['p99']:6.2f} | "
          f"server p50={srv['p50']:6.2f} p99={srv['p99']:6.2f} max={srv['max']:6.2f} ms | "
          f"turns/s={rate:6.1f}{cpu} errors={result['errors']}")


BENCH_KEY = "bench"
BENCH_SECRET = "bench-secret-" + "x" * 32


def _served_env(db_url: str, redis_url: str | None, state_dir: str) -> dict[str, str]:
    """The bench's configuration, as the environment of a served process."""
    env = {"DATABASE_URL": db_url, "MEDIATOR_INTEGRATION_KEY": BENCH_KEY, "MEDIATOR_SECRET_KEY": BENCH_SECRET,
           "MEDIATOR_STATE_DIR": state_dir, "MEDIATOR_RATE_LIMIT": "0", "MEDIATOR_RATE_LIMIT_IP": "0",
           "MEDIATOR_SEED_DEMO": "false", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "GUARDRAILS_RUN_SYNC": "true"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _settings(db_url: str, redis_url: str | None, state_dir: str, **extra: Any) -> Any:
    """The same configuration for an in-process run (no model unless ``extra`` names one)."""
    from mediator.settings import Settings

    values: dict[str, Any] = {**_served_env(db_url, redis_url, state_dir), "OPENAI_BASE_URL": None,
                              "OPENAI_API_KEY": None, **extra}
    return Settings(_env_file=None, **values)


def _pacings(conc: int, think_ms: float, pace: str = "both") -> list[float]:
    if conc <= 1:
        return [0.0]
    return {"both": sorted({0.0, think_ms}), "think": [think_ms], "back-to-back": [0.0]}[pace]


def _label(store: str, how: str, conc: int, think: float) -> str:
    return f"{store} {how} c={conc} " + (f"think={think / 1000:.1f}s" if think else "back-to-back")


def _bench_served(store: str, db_url: str, redis_url: str | None, workers: int, tmp: str,
                  args: argparse.Namespace) -> None:
    """The served app (uvicorn, as ``mediator serve`` runs it) with the instant mediator, driven
    over HTTP from this process."""
    from pathlib import Path

    from mediator.bench.load import ServeProcess
    from mediator.store.db import upgrade

    upgrade(db_url)  # before the workers start, as ``mediator serve`` does
    server = ServeProcess(_served_env(db_url, redis_url, tmp), workers, Path(tmp), name=f"bench-{workers}w",
                          app_factory="mediator.bench.turn:instant_app_factory")
    try:
        server.start()
        for conc in args.concurrency:
            for think in _pacings(conc, args.think_ms, args.pace):
                result = _run_as_served(_run_served(server.url, max(args.turns, conc * 2), conc, think,
                                                    server_cpu=server.cpu_seconds))
                _report(_label(store, f"served {workers}w", conc, think), result)
    finally:
        server.stop()


def cmd_bench_turn(args: argparse.Namespace) -> int:
    tmp = tempfile.mkdtemp(prefix="mediator-bench-")
    stores = []
    if args.database_url:
        stores.append(("given", args.database_url, args.redis_url))
    else:
        stores.append(("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", None))
        pg = os.environ.get("MEDIATOR_BENCH_DATABASE_URL")
        if pg:
            stores.append(("postgres+redis", pg, args.redis_url or os.environ.get("MEDIATOR_BENCH_REDIS_URL")))
    print("mediator bench turn: service overhead per borrower turn (mediator answers instantly).\n"
          "served Nw: uvicorn with N workers, driven over HTTP from another process; in-process: the ASGI\n"
          "app called directly (no HTTP), borrowers in the same event loop.\n"
          "back-to-back: every borrower sends again the moment a reply arrives (saturation);\n"
          f"think: each borrower pauses 0.5-1.5 x {args.think_ms / 1000:.1f}s between messages, like a person")
    for store, db_url, redis_url in stores:
        if args.in_process:
            for conc in args.concurrency:
                for think in _pacings(conc, args.think_ms, args.pace):
                    result = _run_as_served(_run(_settings(db_url, redis_url, tmp), InstantBackend(),
                                                 max(args.turns, conc * 2), conc, think))
                    _report(_label(store, "in-process", conc, think), result)
            continue
        sqlite = db_url.startswith("sqlite")
        for workers in ([1] if sqlite else args.workers):  # SQLite is the single-process default
            _bench_served(store, db_url, redis_url, workers, tmp, args)
    if args.model_latency_ms:
        from mediator.agent import get_backend
        from mediator.bench.load import StubProcess

        with StubProcess(args.model_latency_ms) as stub:
            for conc in args.concurrency:
                settings = _settings(f"sqlite+aiosqlite:///{tmp}/bench-llm-{conc}.db", None, tmp,
                                     OPENAI_BASE_URL=stub.url, OPENAI_API_KEY="stub", MEDIATOR_MODEL="stub-model")
                before = _stub_requests(stub.url)
                result = _run_as_served(_run(settings, get_backend(settings), max(args.turns // 4, conc * 2), conc,
                                             args.think_ms if conc > 1 else 0.0))
                turns_done = len(result["latencies"]) + conc  # measured turns plus one warm-up turn each
                calls_per_turn = (_stub_requests(stub.url) - before) / max(turns_done, 1)
                _report(f"openai->stub({args.model_latency_ms:.0f}ms) in-process c={conc} "
                        f"minus {calls_per_turn:.1f} calls", result, subtract_ms=args.model_latency_ms * calls_per_turn)
    return 0
