"""``mediator bench turn``: the service's own overhead per borrower turn.

Drives the real ASGI app in process (routing, auth, validation, storage, analysis, guard,
bus) with a mediator backend that answers instantly, so what is measured is the service's
own time. With ``--model-latency-ms`` it also runs the OpenAI backend against the stub model
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
from typing import Any

import httpx

from mediator.agent.base import AgentReply, TurnInput
from mediator.bench import percentiles

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


async def _run(settings: Any, backend: Any, turns: int, concurrency: int, think_ms: float = 0.0) -> dict[str, Any]:
    from mediator.api.app import create_app
    from mediator.service import Service

    svc = Service(settings, backend=backend)
    app = create_app(settings, service=svc, warm_up=True)  # as a served process does
    server_side: list[float] = []

    async def timed(scope: Any, receive: Any, send: Any) -> None:
        """Server-side time of a borrower turn: from the app receiving the request to the last
        byte of its response (the client's own work excluded)."""
        if scope["type"] != "http" or not scope["path"].endswith("/messages") or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        t0 = time.perf_counter()
        await app(scope, receive, send)
        server_side.append(time.perf_counter() - t0)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=timed)
        key = {"X-API-Key": settings.integration_key or ""}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as c:
            account = {"borrower_name": "Bench Borrower", "creditor": "Acme Bank", "balance": "1240.50",
                       "currency": "USD", "days_past_due": 45, "jurisdiction": "US", "language": "en",
                       "verification": {"date_of_birth": "1985-04-12", "postcode": "10001"}}
            convs = []
            for i in range(concurrency):
                acct = f"bench-{uuid.uuid4().hex[:8]}-{i}"
                (await c.put(f"/v1/accounts/{acct}", json=account, headers=key)).raise_for_status()
                r = await c.post("/v1/conversations", json={"account_id": acct, "identity_verified": True}, headers=key)
                r.raise_for_status()
                convs.append(r.json())
            latencies: list[float] = []
            errors = 0
            per_conv = max(1, turns // concurrency)

            async def borrower(conv: dict[str, str], seed: int) -> None:
                nonlocal errors
                rng = random.Random(seed)
                auth = {"Authorization": f"Bearer {conv['borrower_token']}"}
                for n in range(per_conv):
                    if think_ms:  # a person reads the reply and types the next message
                        await asyncio.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)
                    t0 = time.perf_counter()
                    r = await c.post(f"/v1/conversations/{conv['conversation_id']}/messages",
                                     json={"text": BORROWER_LINES[n % len(BORROWER_LINES)]}, headers=auth)
                    latencies.append(time.perf_counter() - t0)
                    if r.status_code != 201:
                        errors += 1

            # warm-up: one turn per conversation, not measured
            await asyncio.gather(*(c.post(f"/v1/conversations/{cv['conversation_id']}/messages",
                                          json={"text": "hello"},
                                          headers={"Authorization": f"Bearer {cv['borrower_token']}"})
                                   for cv in convs))
            server_side.clear()  # the warm-up turns are not measured
            started = time.perf_counter()
            await asyncio.gather(*(borrower(cv, i) for i, cv in enumerate(convs)))
            wall = time.perf_counter() - started
    return {"latencies": latencies, "wall": wall, "errors": errors, "server_side": list(server_side)}


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
    print(f"{label:44} turns={len(lat_ms):4d} client p50={p['p50']:6.2f} p99={p['p99']:6.2f} | "
          f"server p50={srv['p50']:6.2f} p99={srv['p99']:6.2f} max={srv['max']:6.2f} ms | "
          f"turns/s={rate:6.1f} errors={result['errors']}")


def cmd_bench_turn(args: argparse.Namespace) -> int:
    from mediator.settings import Settings

    tmp = tempfile.mkdtemp(prefix="mediator-bench-")
    stores = []
    if args.database_url:
        stores.append(("given", args.database_url, args.redis_url))
    else:
        stores.append(("sqlite+memory", f"sqlite+aiosqlite:///{tmp}/bench.db", None))
        pg = os.environ.get("MEDIATOR_BENCH_DATABASE_URL")
        if pg:
            stores.append(("postgres+redis", pg, args.redis_url or os.environ.get("MEDIATOR_BENCH_REDIS_URL")))
    print("mediator bench turn: service overhead per borrower turn (mediator answers instantly).\n"
          "back-to-back: every borrower sends again the moment a reply arrives (saturation);\n"
          f"think: each borrower pauses 0.5-1.5 x {args.think_ms / 1000:.1f}s between messages, like a person")
    for label, db_url, redis_url in stores:
        for conc in args.concurrency:
            settings = Settings(_env_file=None, DATABASE_URL=db_url, REDIS_URL=redis_url,
                                MEDIATOR_INTEGRATION_KEY="bench", MEDIATOR_SECRET_KEY="bench-secret-" + "x" * 32,
                                MEDIATOR_STATE_DIR=tmp, OPENAI_BASE_URL=None, OPENAI_API_KEY=None,
                                MEDIATOR_RATE_LIMIT=0, MEDIATOR_RATE_LIMIT_IP=0)
            turns = max(args.turns, conc * 2)
            for think in sorted({0.0, args.think_ms}) if conc > 1 else [0.0]:
                result = _run_as_served(_run(settings, InstantBackend(), turns, conc, think))
                pace = f"think={think / 1000:.1f}s" if think else "back-to-back"
                _report(f"{label} c={conc} {pace}", result)
    if args.model_latency_ms:
        from mediator.agent import get_backend
        from mediator.bench.load import StubProcess

        with StubProcess(args.model_latency_ms) as stub:
            stub_url = stub.url
            for conc in args.concurrency:
                settings = Settings(_env_file=None, DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/bench-llm-{conc}.db",
                                    MEDIATOR_INTEGRATION_KEY="bench", MEDIATOR_SECRET_KEY="bench-secret-" + "x" * 32,
                                    MEDIATOR_STATE_DIR=tmp, OPENAI_BASE_URL=stub_url, OPENAI_API_KEY="stub",
                                    MEDIATOR_MODEL="stub-model", MEDIATOR_RATE_LIMIT=0, MEDIATOR_RATE_LIMIT_IP=0)
                before = _stub_requests(stub_url)
                result = _run_as_served(_run(settings, get_backend(settings), max(args.turns // 4, conc * 2), conc,
                                          args.think_ms if conc > 1 else 0.0))
                turns_done = len(result["latencies"]) + conc  # measured turns plus one warm-up turn each
                calls_per_turn = (_stub_requests(stub_url) - before) / max(turns_done, 1)
                _report(f"openai->stub({args.model_latency_ms:.0f}ms) c={conc} minus {calls_per_turn:.1f} calls",
                        result, subtract_ms=args.model_latency_ms * calls_per_turn)
    return 0
