"""Several worker processes on one port, each with its own listening socket.

uvicorn's ``--workers`` hands every worker the same listening socket, and whichever worker
is awake when connections arrive accepts them all (its event loop accepts until none is
left): measured here, 60 keep-alive connections opened at once all went to one of two
workers, which then did 93% of the work while the other idled. Chat clients keep their
connection open, so that imbalance lasts. With ``SO_REUSEPORT`` each worker binds its own
socket to the port and the kernel spreads new connections across them evenly (by their
address hash), whoever is busy. This module is that supervisor: it starts the workers,
restarts one that dies, and stops them all on SIGINT/SIGTERM (each finishes its requests,
as uvicorn's own shutdown does). Where the platform has no ``SO_REUSEPORT`` it falls back
to uvicorn's supervisor.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import time
from typing import Any

log = logging.getLogger("mediator.workers")

STARTUP_FAILURE = 3
"""uvicorn's exit status for a worker that could not start (the same app fails every time)."""


def reuseport_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening socket that shares ``port`` with the other workers' sockets."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _worker(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    try:
        sock = reuseport_socket(host, port)
    except OSError as exc:
        log.error("worker could not listen on %s:%s: %s", host, port, exc)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(uvicorn.Config(app, factory=True, **options)).run(sockets=[sock])


START_GRACE_S = 5.0
"""A worker that exits with an error this soon after starting failed to start (a broken
install or configuration): it would fail the same way again, so the supervisor stops."""


def serve(app: str, host: str, port: int, workers: int, **options: Any) -> int:
    """Serve the app factory ``app`` (``module:function``) with ``workers`` processes; return
    the exit status when they have stopped."""
    import uvicorn

    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return 0
    reuseport_socket(host, port).close()  # fail here, once, if the port is taken
    ctx = multiprocessing.get_context("spawn")
    stopping = False
    started: dict[int | None, float] = {}

    def start() -> Any:
        proc = ctx.Process(target=_worker, args=(app, host, port, options), daemon=False)
        proc.start()
        started[proc.pid] = time.monotonic()
        return proc

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    procs = [start() for _ in range(workers)]
    status = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for i, proc in enumerate(procs):
                if proc.is_alive():
                    continue
                early = time.monotonic() - started.pop(proc.pid, 0.0) < START_GRACE_S
                if proc.exitcode == STARTUP_FAILURE or (early and (proc.exitcode or 0) > 0):
                    log.error("a worker could not start (exit status %s); stopping", proc.exitcode)
                    status, stopping = STARTUP_FAILURE, True
                    break
                log.warning("worker %s exited (%s); starting another", proc.pid, proc.exitcode)
                procs[i] = start()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn's graceful shutdown
        deadline = time.monotonic() + float(options.get("timeout_graceful_shutdown") or 15) + 5
        for proc in procs:
            proc.join(max(deadline - time.monotonic(), 0.1))
            if proc.is_alive():
                proc.kill()
                proc.join()
    return status

