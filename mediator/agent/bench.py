"""The agent's own overhead per turn, measured against the stub model at a fixed latency.

``measure(...)`` drives the OpenAI backend (helpful stub: one tool round, so two model
calls per turn) and the offline backend, and reports per-turn wall time and the part
that is the agent's own work: wall time minus the stub's fixed latency times the
number of model calls. ``mediator bench turn`` can call it; standalone:
``python -m mediator.agent.bench --latency-ms 200 --turns 50 --concurrency 1 10``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from decimal import Decimal
from typing import Any

from mediator.agent.base import TurnInput
from mediator.agent.llm import OpenAIBackend
from mediator.agent.offline import OfflineBackend
from mediator.agent.tools import Toolbox
from mediator.devtools.stub_openai import run_stub
from mediator.domain import AccountFacts, ConversationState, MessageAnalysis
from mediator.plans import approved_offers
from mediator.settings import Settings


def _turn(i: int) -> TurnInput:
    state = ConversationState(jurisdiction="US", language="en", identity_verified=True, replies_sent=1)
    account = AccountFacts(creditor="Bench Bank", balance=Decimal("1500.00") + i, currency="USD",
                           days_past_due=90)
    offers = approved_offers(account, "US")
    toolbox = Toolbox(state, account, offers, "US", "en", lambda _f: False)
    return TurnInput(f"bench-{i}", state, account, "Bench Borrower", "Bench Collections", offers, (),
                     "Can I pay this in instalments?", MessageAnalysis(("PAYMENT_INTENT",), 0.1, "en"), toolbox)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _run(backend: Any, turns: int, concurrency: int, latency_s: float) -> dict[str, float]:
    sem = asyncio.Semaphore(concurrency)
    walls: list[float] = []
    overheads: list[float] = []

    async def one(i: int) -> None:
        async with sem:
            turn = _turn(i)
            t0 = time.perf_counter()
            reply = await backend.reply(turn)
            wall = time.perf_counter() - t0
            calls = len(reply.tool_calls) + 1 if isinstance(backend, OpenAIBackend) else 0
            walls.append(wall)
            overheads.append(max(wall - calls * latency_s, 0.0))

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(turns)))
    elapsed = time.perf_counter() - t0
    if isinstance(backend, OpenAIBackend):
        await backend.aclose()
    return {
        "turns": turns, "concurrency": concurrency, "turns_per_s": turns / elapsed,
        "wall_p50_ms": statistics.median(walls) * 1000, "wall_p95_ms": _pct(walls, 0.95) * 1000,
        "overhead_p50_ms": statistics.median(overheads) * 1000, "overhead_p95_ms": _pct(overheads, 0.95) * 1000,
    }


def measure(latency_ms: float = 200.0, turns: int = 50, concurrency: tuple[int, ...] = (1, 10)) -> list[dict]:
    """Figures for the offline backend and for the OpenAI backend against the stub."""
    rows: list[dict] = []
    offline = OfflineBackend()
    for c in concurrency:
        rows.append({"backend": "offline", **asyncio.run(_run(offline, turns, c, 0.0))})
    with run_stub(latency_ms=latency_ms, mode="helpful") as stub:
        settings = Settings(OPENAI_BASE_URL=stub.url, MEDIATOR_MODEL="stub-model",
                            MEDIATOR_LLM_TIMEOUT=max(5.0, latency_ms / 1000 * 5))
        for c in concurrency:
            backend = OpenAIBackend(settings)  # a client per event loop
            rows.append({"backend": f"openai(stub {latency_ms:g} ms)", **asyncio.run(
                _run(backend, turns, c, latency_ms / 1000))})
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mediator.agent.bench")
    p.add_argument("--latency-ms", type=float, default=200.0)
    p.add_argument("--turns", type=int, default=50)
    p.add_argument("--concurrency", type=int, nargs="*", default=[1, 10])
    args = p.parse_args(argv)
    for row in measure(args.latency_ms, args.turns, tuple(args.concurrency)):
        print(f"{row['backend']:<24} conc={row['concurrency']:<3} turns={row['turns']:<4} "
              f"{row['turns_per_s']:8.1f} turns/s  wall p50 {row['wall_p50_ms']:7.1f} ms "
              f"p95 {row['wall_p95_ms']:7.1f} ms  agent overhead p50 {row['overhead_p50_ms']:6.2f} ms "
              f"p95 {row['overhead_p95_ms']:6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
