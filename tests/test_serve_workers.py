"""``mediator serve --workers N``: every worker takes its share of the connections.

Chat clients keep their connection open, so a worker that accepts more than its share stays
busier for as long as they chat. uvicorn's own supervisor shares one listening socket, and
one worker took all 60 connections opened at once; ``mediator.api.workers`` gives each worker
its own ``SO_REUSEPORT`` socket, and the kernel spreads the connections.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import Stack


def _hold_connections(port: int, n: int) -> list[socket.socket]:
    """``n`` keep-alive connections, each having completed one request."""
    held = []
    for _ in range(n):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        held.append(sock)
    return held


def _connections_by_pid(port: int) -> collections.Counter[str]:
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True,
                         text=True, check=True).stdout
    return collections.Counter(line.split("pid=")[1].split(",")[0] for line in out.splitlines() if "pid=" in line)


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_two_workers_share_the_connections_and_a_dead_one_is_replaced(stack: Stack, tmp_path: Path) -> None:
    from mediator.bench.load import ServeProcess
    from mediator.bench.turn import _served_env

    assert shutil.which("ss"), "ss (iproute2) is needed to see which worker holds a connection"
    srv = ServeProcess(_served_env(stack.database_url, stack.redis_url, str(tmp_path)), 2, tmp_path, name="workers")
    srv.start()
    held: list[socket.socket] = []
    try:
        workers = srv.worker_pids()
        assert len(workers) == 2
        held = _hold_connections(srv.port, 40)
        by_pid = _connections_by_pid(srv.port)
        assert set(by_pid) == {str(p) for p in workers}, by_pid
        assert min(by_pid.values()) >= 8, by_pid  # an even split is 20/20; one worker took 40 before
        for sock in held:
            sock.close()
        held = []
        # a worker that dies is replaced, and the port keeps answering
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = srv.worker_pids()
            if len(now) == 2 and workers[0] not in now:
                break
            time.sleep(0.2)
        assert len(srv.worker_pids()) == 2 and workers[0] not in srv.worker_pids()
        srv.wait_healthy(30)
        assert len(_hold_connections(srv.port, 1)) == 1
    finally:
        for sock in held:
            sock.close()
        srv.stop()
    assert srv.proc is not None and srv.proc.poll() is not None  # the supervisor stopped with its workers


def test_workers_that_cannot_start_stop_the_server_instead_of_restarting_forever(tmp_path: Path) -> None:
    import sys

    from mediator.bench.load import free_port

    env = {**os.environ, "MEDIATOR_STATE_DIR": str(tmp_path), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    done = subprocess.run([sys.executable, "-m", "mediator", "serve", "--workers", "2", "--port", str(free_port()),
                           "--app", "mediator.no_such_module:app"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "could not start" in done.stderr
