"""Two separate ``mediator serve`` processes sharing one PostgreSQL database and one Redis:
instances are stateless, live events cross between them, and an alert is consumed once.
"""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest

from mediator.bench.load import LocalStack
from tests.loadkit import WebhookReceiver, assert_exact, metric_sum, run_load, seed_staff, stack, staff_token
from tests.test_service_staff import SSEReader

pytestmark = pytest.mark.services

ACCOUNT = {"borrower_name": "Rhea Castellanos", "creditor": "Harbor Credit Union", "balance": "3310.75",
           "currency": "USD", "days_past_due": 72, "jurisdiction": "US", "language": "en",
           "verification": {"date_of_birth": "1979-02-28", "postcode": "60614"}}


def _open(base: str, key: str, account_id: str) -> tuple[str, str]:
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as c:
        assert c.put(f"/v1/accounts/{account_id}", json=ACCOUNT).status_code in (200, 201)
        r = c.post("/v1/conversations", json={"account_id": account_id, "identity_verified": True})
        assert r.status_code == 201, r.text
        return r.json()["conversation_id"], r.json()["borrower_token"]


def _messages(reader: SSEReader) -> list[tuple[int, str, str]]:
    return [(int(e[0]), e[2]["role"], e[2]["text"]) for e in reader.events if e[1] == "message"]


@pytest.fixture(scope="module")
def hook() -> WebhookReceiver:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def pair(hook: WebhookReceiver) -> LocalStack:
    with stack(workers=1, instances=2, extra_env={"MEDIATOR_ALERT_WEBHOOK_URL": hook.url}) as st:
        seed_staff(st.database.url)
        yield st


def test_message_through_one_instance_reaches_streams_held_on_the_other(pair: LocalStack,
                                                                       hook: WebhookReceiver) -> None:
    a, b = (s.url for s in pair.servers)
    conv_id, borrower_token = _open(a, pair.integration_key, "scale-1")
    mediator_token = staff_token(b, "mia")
    supervisor_token = staff_token(a, "sam")
    borrower_on_b = SSEReader(f"{b}/v1/conversations/{conv_id}/events?token={borrower_token}")
    staff_on_b = SSEReader(f"{b}/v1/staff/conversations/{conv_id}/events?token={mediator_token}")
    alerts_on = {name: SSEReader(f"{url}/v1/alerts/events?token={supervisor_token}") for name, url in
                 (("a", a), ("b", b))}
    readers = [borrower_on_b, staff_on_b, *alerts_on.values()]
    for r in readers:
        assert r.connected.wait(10)
    time.sleep(0.5)  # subscriptions registered with Redis on both instances
    lag_before = sum(metric_sum(u, "mediator_alert_lag_seconds_count") for u in (a, b))

    text = "This is harassment, you keep calling my work. I'm reporting you to the CFPB and my lawyer."
    with httpx.Client(base_url=a, timeout=30) as c:
        r = c.post(f"/v1/conversations/{conv_id}/messages", json={"text": text},
                   headers={"Authorization": f"Bearer {borrower_token}", "Idempotency-Key": "k-1"})
    assert r.status_code == 201, r.text
    reply = r.json()["reply"]
    assert reply is not None

    try:
        for reader in (borrower_on_b, staff_on_b):
            reader.wait_for(lambda e: e[1] == "message" and e[2]["seq"] == 2, timeout=15)
            assert _messages(reader)[:2] == [(1, "borrower", text), (2, "mediator", reply["text"])]

        with httpx.Client(base_url=a, headers={"Authorization": f"Bearer {supervisor_token}"}, timeout=10) as c:
            alerts = c.get("/v1/alerts", params={"conversation_id": conv_id}).json()["alerts"]
        assert alerts, "a complaint threat must raise an alert"
        ids = {al["id"] for al in alerts}
        deadline = time.time() + 20
        while time.time() < deadline and set(hook.received) < ids:
            time.sleep(0.1)
        for reader in alerts_on.values():
            reader.wait_for(lambda e: e[1] == "alert" and e[2]["id"] in ids, timeout=15)
        time.sleep(2.0)  # time for any second delivery to show up
    finally:
        for r in readers:
            r.close()

    assert hook.received == Counter({i: 1 for i in ids}), hook.received  # handled once, across both instances
    lag_after = sum(metric_sum(u, "mediator_alert_lag_seconds_count") for u in (a, b))
    assert lag_after - lag_before == len(ids)
    for name, reader in alerts_on.items():  # fanned out: every supervisor stream sees each alert once
        seen = Counter(e[2]["id"] for e in reader.events if e[1] == "alert")
        assert seen == Counter({i: 1 for i in ids}), (name, seen)
    assert [m for m in _messages(borrower_on_b) if m[0] <= 2] == _messages(borrower_on_b)[:2]  # no duplicates


def test_borrowers_spread_over_two_instances_reconcile_exactly(pair: LocalStack) -> None:
    result, rec = run_load(pair, borrowers=12, seconds=5.0)
    assert_exact(result, rec)
    assert rec.sent >= 24
