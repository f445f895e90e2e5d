"""guardrails-ai adapters: a Guard with the mediator validators agrees with the engine, offline."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "replies.dev.jsonl"


@pytest.fixture(scope="module")
def validators(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from mediator.guard import validators as v

    return v


def _rows(n: int) -> list[dict]:
    rows = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip()]
    return rows[:: max(1, len(rows) // n)][:n]


def test_guard_agrees_with_engine_without_network(validators, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from mediator.domain import GuardContext
    from mediator.guard import get_engine

    def no_network(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    for row in _rows(10):
        guard = validators.make_guard(row["context"])
        outcome = guard.validate(row["reply"])
        failed = bool(outcome.validation_summaries)
        verdict = get_engine().check(row["reply"], GuardContext.model_validate(row["context"]))
        assert failed == (verdict.action != "pass"), row["id"]


def test_family_validator_reports_only_its_code(validators) -> None:  # type: ignore[no-untyped-def]
    ctx = {"identity_verified": True}
    threat = validators.ThreatValidator(context=ctx)
    pii = validators.PiiLeakValidator(context=ctx)
    text = "We know where you live."
    assert threat.validate(text, {}).outcome == "fail"
    assert pii.validate(text, {}).outcome == "pass"
    result = pii.validate("Your card 4556 7375 8689 9855 is on file.", {})
    assert result.outcome == "fail" and result.fix_value == "Your card **** **** **** 9855 is on file."
    assert result.error_spans and result.error_spans[0].start == 10
    assert len(validators.FAMILY_VALIDATORS) == 12


def test_offline_rc_written(validators) -> None:  # type: ignore[no-untyped-def]
    from mediator.guard.offline import write_rc

    rc = write_rc()
    text = rc.read_text(encoding="utf-8")
    assert "enable_metrics=false" in text or "enable_metrics" in text
