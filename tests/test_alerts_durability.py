"""No alert is lost when Redis is down or restarts mid-stream (real Redis, stopped and started).

Uses a private redis-server on its own port so stopping it disturbs nothing else, and the
real PostgreSQL for storage.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI, ServerThread, Stack, make_settings, open_conversation
from tests.test_service_staff import SSEReader, _login, _seed_staff


class PrivateRedis:
    def __init__(self, tmp: Path) -> None:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        if IN_CI:
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    r = PrivateRedis(tmp_path)
    r.start()
    yield r
    r.stop()


@pytest.mark.parametrize("stack", ["services"], indirect=True)
def test_alerts_survive_redis_outage_and_arrive_once(stack: Stack, tmp_path: Path,
                                                    private_redis: PrivateRedis) -> None:
    settings = make_settings(stack, tmp_path, REDIS_URL=private_redis.url)
    with ServerThread(settings) as srv:
        _seed_staff(srv)
        with _login(srv, "sam") as sam:
            token = sam.headers["Authorization"].split()[1]
        reader = SSEReader(f"{srv.url}/v1/alerts/events?token={token}")
        reader.connected.wait(5)
        time.sleep(0.3)

        private_redis.stop()
        convs = []
        for _ in range(3):
            conv_id, borrower = open_conversation(srv)
            with borrower:
                r = borrower.post(f"/v1/conversations/{conv_id}/messages",
                                  json={"text": "I'm filing a complaint with the CFPB about this harassment."})
                assert r.status_code == 201  # the chat keeps working while Redis is down
                assert r.json()["reply"] is not None
            convs.append(conv_id)
        time.sleep(1.0)
        assert not [e for e in reader.events if e[1] == "alert"], "nothing can be delivered while Redis is down"

        private_redis.start()  # restarted empty: the outbox still holds every alert
        reader.wait_for(lambda e: e[1] == "alert" and e[2]["conversation_id"] == convs[-1], timeout=30)
        time.sleep(1.5)
        reader.close()
        delivered = [e[2]["conversation_id"] for e in reader.events
                     if e[1] == "alert" and e[2]["kind"] == "complaint_threat"]
        assert sorted(delivered) == sorted(convs), delivered  # all of them, once each
