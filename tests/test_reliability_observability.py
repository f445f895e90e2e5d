"""What operators see: Prometheus metrics (turn latency, guardrail outcomes by code, model errors,
alert lag) and JSON logs whose request id matches the X-Request-ID response header."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mediator.devtools.stub_openai import fail, run_stub, say
from tests.conftest import ServerThread, Stack, make_settings, open_conversation
from tests.test_privacy_data import LeakyBackend, captured_logs


def scrape(srv: ServerThread) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with srv.client() as c:
        r = c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    want = set(labels.items())
    return sum(v for (n, lab), v in samples.items() if n == name and want <= set(lab))


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_metrics_cover_latency_guard_codes_model_errors_and_alert_lag(stack: Stack, tmp_path: Path) -> None:
    threat = "Pay the full balance today or we will have you arrested."
    with run_stub() as stub:
        stub.script(say("I can help you look at the repayment options."), say(threat), fail(500), fail(500))
        settings = make_settings(stack, tmp_path, OPENAI_BASE_URL=stub.url, OPENAI_API_KEY="sk-test",
                                 MEDIATOR_MODEL="stub-model", MEDIATOR_LLM_MAX_RETRIES=1, MEDIATOR_LLM_TIMEOUT=5)
        with ServerThread(settings) as srv:
            before = scrape(srv)
            conv_id, borrower = open_conversation(srv)
            other_id, other = open_conversation(srv)
            with borrower, other:
                url = f"/v1/conversations/{conv_id}/messages"
                assert borrower.post(url, json={"text": "hello, what are my options?"}).status_code == 201
                blocked = borrower.post(url, json={"text": "ok, and if I can't pay?"}).json()["reply"]
                assert blocked["action"] == "block"
                assert other.post(f"/v1/conversations/{other_id}/messages",
                                  json={"text": "I will report you to the CFPB for this"}).status_code == 201
            deadline = time.time() + 10
            while total(scrape(srv), "mediator_alert_lag_seconds_count") <= total(
                    before, "mediator_alert_lag_seconds_count"):
                assert time.time() < deadline, "the alert was never consumed"
                time.sleep(0.1)
            after = scrape(srv)

    def delta(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert delta("mediator_turn_seconds_count") == 3
    assert delta("mediator_turn_overhead_seconds_count") == 3
    assert delta("mediator_guard_outcomes_total", author="model", action="block") >= 1
    assert delta("mediator_guard_violations_total", code="THREAT") >= 1
    assert delta("mediator_model_errors_total") >= 1
    assert delta("mediator_alert_lag_seconds_count") >= 1
    assert delta("mediator_turns_total", outcome="block") >= 1
    # labels carry codes and outcomes, never text
    with ServerThread(settings) as srv2, srv2.client() as c:
        exposition = c.get("/metrics").text
    assert "arrested" not in exposition and "CFPB" not in exposition


def _request_ids(logs: str) -> set[str]:
    return {json.loads(line)["request_id"] for line in logs.splitlines() if line.strip()}


def test_logs_are_json_with_the_request_id_of_the_response(stack: Stack, tmp_path: Path) -> None:
    with ServerThread(make_settings(stack, tmp_path), backend=LeakyBackend()) as srv:
        conv_id, borrower = open_conversation(srv)
        url = f"/v1/conversations/{conv_id}/messages"
        with borrower:
            with captured_logs() as logs:
                generated = borrower.post(url, json={"text": "first"})
            rid = generated.headers["X-Request-ID"]
            assert len(rid) >= 16
            lines = [json.loads(line) for line in logs.getvalue().splitlines()]
            failures = [entry for entry in lines if "mediator backend failed" in entry["msg"]]
            assert failures and all(entry["request_id"] == rid for entry in failures)
            assert {"ts", "level", "logger", "msg", "request_id"} <= set(failures[0])

            with captured_logs() as logs:
                chosen = borrower.post(url, json={"text": "second"}, headers={"X-Request-ID": "trace-abc-123"})
            assert chosen.headers["X-Request-ID"] == "trace-abc-123"
            assert _request_ids(logs.getvalue()) == {"trace-abc-123"}
            # a third request gets a fresh id: ids never leak from one request into another
            third = borrower.get(url)
            assert third.headers["X-Request-ID"] not in (rid, "trace-abc-123")
