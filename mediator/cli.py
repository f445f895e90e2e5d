"""The ``mediator`` command. Subcommands import what they drive lazily, so that
``guard check`` and ``analyze`` start fast and never import the web stack."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# subcommand path -> "module:function"; each function takes the parsed args and returns an exit code
_COMMANDS: dict[tuple[str, ...], str] = {
    ("guard", "check"): "mediator.guard.cli:cmd_check",
    ("analyze",): "mediator.analysis.cli:cmd_analyze",
    ("eval", "guard"): "mediator.guard.cli:cmd_eval",
    ("eval", "analyze"): "mediator.analysis.cli:cmd_eval",
    ("bench", "guard"): "mediator.guard.cli:cmd_bench",
    ("bench", "analyze"): "mediator.analysis.cli:cmd_bench",
    ("bench", "turn"): "mediator.bench.turn:cmd_bench_turn",
    ("bench", "load"): "mediator.bench.load:cmd_bench_load",
    ("serve",): "mediator.service_cli:cmd_serve",
    ("seed",): "mediator.service_cli:cmd_seed",
    ("migrate",): "mediator.service_cli:cmd_migrate",
    ("staff", "add"): "mediator.service_cli:cmd_staff_add",
}


def _resolve(target: str) -> Callable[[argparse.Namespace], int]:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mediator", description="Guardrailed AI dispute mediation.")
    sub = p.add_subparsers(dest="command", required=True)

    guard = sub.add_parser("guard", help="the policy guardrail").add_subparsers(dest="sub", required=True)
    gc = guard.add_parser("check", help="check candidate replies (JSON Lines) against the policy")
    gc.add_argument("file", help="JSON Lines file, or - for standard input")

    an = sub.add_parser("analyze", help="intents and complaint risk of borrower messages (JSON Lines)")
    an.add_argument("file", help="JSON Lines file, or - for standard input")

    ev = sub.add_parser("eval", help="score against a labelled development set").add_subparsers(
        dest="sub", required=True
    )
    for name in ("guard", "analyze"):
        e = ev.add_parser(name)
        e.add_argument("file", nargs="?", default=None, help="labelled JSON Lines (default: tests/data)")

    be = sub.add_parser("bench", help="print speed figures").add_subparsers(dest="sub", required=True)
    for name in ("guard", "analyze"):
        b = be.add_parser(name)
        b.add_argument("file", nargs="?", default=None)
        b.add_argument("--rounds", type=int, default=20)
    bt = be.add_parser("turn", help="the service's own overhead per turn")
    bt.add_argument("--turns", type=int, default=1000, help="measured turns per run")
    bt.add_argument("--concurrency", type=int, nargs="*", default=[1, 50])
    bt.add_argument("--think-ms", type=float, default=2000.0,
                    help="mean pause between one borrower's messages in the paced runs")
    bt.add_argument("--pace", choices=("both", "think", "back-to-back"), default="both",
                    help="which runs at more than one conversation: paced (think), saturating, or both")
    bt.add_argument("--database-url", default=None)
    bt.add_argument("--redis-url", default=None)
    bt.add_argument("--model-latency-ms", type=float, default=None,
                    help="also measure the agent path against a stub model answering after this delay")
    bt.add_argument("--workers", type=int, nargs="*", default=[1, 2],
                    help="uvicorn workers of the served runs (PostgreSQL; SQLite runs one process)")
    bt.add_argument("--in-process", action="store_true",
                    help="call the ASGI app directly instead of serving it over HTTP")
    bl = be.add_parser("load", help="drive a running server with concurrent simulated borrowers")
    bl.add_argument("--url", default=None, help="a running server (default: start one)")
    bl.add_argument("--borrowers", type=int, default=200)
    bl.add_argument("--seconds", type=float, default=30.0)
    bl.add_argument("--workers", type=int, default=2)
    bl.add_argument("--model-latency-ms", type=float, default=200.0)
    bl.add_argument("--think-ms", default=None,
                    help="pause between one borrower's messages, 'lo,hi' in ms (default 10000,30000)")

    sv = sub.add_parser("serve", help="run the HTTP service")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--workers", type=int, default=1)
    sv.add_argument("--demo", action="store_true", help="load demo accounts and staff on start")
    sv.add_argument("--app", default="mediator.api.app:app_factory", help=argparse.SUPPRESS)  # the benches' app

    sd = sub.add_parser("seed", help="load demo accounts and staff users")
    sd.add_argument("--print-tokens", action="store_true")

    sub.add_parser("migrate", help="apply database migrations")

    st = sub.add_parser("staff", help="staff users").add_subparsers(dest="sub", required=True)
    sa = st.add_parser("add")
    sa.add_argument("username")
    sa.add_argument("--role", choices=["mediator", "supervisor", "admin"], required=True)
    sa.add_argument("--password", default=None, help="read from MEDIATOR_STAFF_PASSWORD when omitted")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    key = (args.command, args.sub) if getattr(args, "sub", None) else (args.command,)
    return int(_resolve(_COMMANDS[key])(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
