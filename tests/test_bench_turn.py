"""``mediator bench turn`` serves the app and drives it over HTTP: every measured turn answered.

The figures themselves belong to the bench's printout, not to a timed test; this holds the
bench to measuring what it says: served by ``mediator serve`` (one worker on SQLite, two on
PostgreSQL + Redis), one connection per borrower, every turn a 201 with its server-side time.
"""

from __future__ import annotations

import re

import pytest

from mediator.cli import main
from tests.conftest import Stack

ROW = re.compile(r"^(?P<label>.+?)\s+turns=\s*(?P<turns>\d+) client p50=\s*(?P<c50>[\d.]+) p99=\s*(?P<c99>[\d.]+) \| "
                 r"server p50=\s*(?P<s50>[\d.]+) p99=\s*(?P<s99>[\d.]+) max=\s*[\d.]+ ms \| "
                 r"turns/s=\s*[\d.]+(?: cpu/turn=\s*(?P<cpu>[\d.]+)ms)? errors=(?P<errors>\d+)$")


@pytest.mark.parametrize("stack", ["embedded", "services"], indirect=True)
def test_bench_turn_serves_and_answers_every_turn(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "turn", "--turns", "24", "--concurrency", "1", "4", "--think-ms", "20", "--workers", "2"]
    if stack.name == "services":
        argv += ["--database-url", stack.database_url, "--redis-url", stack.redis_url]
    else:
        argv += ["--database-url", stack.database_url]
    assert main(argv) == 0
    rows = [m.groupdict() for m in map(ROW.match, capsys.readouterr().out.splitlines()) if m]
    workers = "2w" if stack.name == "services" else "1w"
    assert [r["label"].split(" ", 1)[1] for r in rows] == [
        f"served {workers} c=1 back-to-back", f"served {workers} c=4 back-to-back", f"served {workers} c=4 think=0.0s"]
    for r in rows:
        assert int(r["turns"]) == 24 and int(r["errors"]) == 0
        # the server's own time is part of what the client saw
        assert 0 < float(r["s50"]) <= float(r["c50"]) and float(r["s99"]) <= float(r["c99"]) + 0.01
        # and its CPU, read off its processes over the measured turns, is there
        assert r["cpu"] is not None and float(r["cpu"]) > 0


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_bench_turn_runs_only_the_pacing_asked_for(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "turn", "--turns", "8", "--concurrency", "1", "4", "--think-ms", "20", "--pace", "think",
            "--database-url", stack.database_url]
    assert main(argv) == 0
    rows = [m.groupdict() for m in map(ROW.match, capsys.readouterr().out.splitlines()) if m]
    assert [r["label"].split(" ", 1)[1] for r in rows] == ["served 1w c=1 back-to-back", "served 1w c=4 think=0.0s"]
    assert all(int(r["errors"]) == 0 for r in rows)
