"""Schemathesis against the app's own OpenAPI schema, over real HTTP, with real credentials:
valid and invalid requests to every operation must never produce a 5xx.

Bounded: a few examples per operation and generation mode, so the whole run stays well
under a minute. Event streams are called like any other operation but closed as soon as
their status line arrives.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.conftest import INTEGRATION_KEY, ServerThread, open_conversation
from tests.test_service_staff import _login, _seed_staff

MAX_EXAMPLES = 15


def credentials_for(tag: str, borrower: str, staff: str) -> dict[str, str]:
    """The credential an operation is meant for, so fuzzed input reaches the handler."""
    return {
        "integration": {"X-API-Key": INTEGRATION_KEY},
        "borrower": {"Authorization": f"Bearer {borrower}"},
        "staff": {"Authorization": f"Bearer {staff}"},
    }.get(tag, {})


def send(client: httpx.Client, kwargs: dict[str, Any]) -> int:
    method, url = kwargs.pop("method"), kwargs.pop("url")
    kwargs.pop("cookies", None)
    allowed = {k: v for k, v in kwargs.items() if k in ("headers", "params", "json", "content", "data", "files")}
    with client.stream(method, url, **allowed) as r:
        return r.status_code


@pytest.mark.slow
def test_schema_fuzzing_finds_no_server_errors(server: ServerThread) -> None:
    _seed_staff(server)
    conv_id, borrower = open_conversation(server)
    with borrower, _login(server, "ada") as ada:
        borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "I'm reporting you to the CFPB"})
        alert_id = ada.get("/v1/alerts", params={"conversation_id": conv_id}).json()["alerts"][0]["id"]
        borrower_token = borrower.headers["Authorization"].split()[1]
        staff_token = ada.headers["Authorization"].split()[1]
        openapi = ada.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(openapi)
    failures: list[str] = []
    calls = 0
    with httpx.Client(base_url=server.url, timeout=20) as client:
        for result in schema.get_all_operations():
            operation = result.ok()
            tag = (operation.definition.raw.get("tags") or ["service"])[0]
            headers = credentials_for(tag, borrower_token, staff_token)
            real_ids = {"conversation_id": conv_id, "alert_id": alert_id,
                        "account_id": f"acct-fuzz-{uuid.uuid4().hex[:4]}"}
            fixed = {p.name: real_ids[p.name] for p in operation.path_parameters if p.name in real_ids}
            strategies = [operation.as_strategy(generation_mode=mode, headers=headers)
                          for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
            if fixed:  # half the cases aim at real objects, so they get past the 404s
                strategies += [operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=fixed)
                               for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]

            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=st.one_of(strategies))
            def probe(case: Any) -> None:
                nonlocal calls
                kwargs = case.as_transport_kwargs(base_url=server.url)
                status = send(client, kwargs)
                calls += 1
                if status >= 500:
                    # probe() runs within this iteration, so the loop variable is the right one
                    failures.append(f"{status} {operation.label}: {case.as_curl_command()}")  # noqa: B023

            probe()
    assert calls >= 100, calls
    assert not failures, "\n".join(failures[:20])
    with server.client() as c:
        assert c.get("/healthz").status_code == 200  # still standing


HOSTILE_TEXTS = [
    "nul \u0000 byte in the middle",
    "lone surrogate \ud800 here",
    "bidi \u202eoverride\u202c and zero\u200bwidth",
    "emoji 🙂🙃 and combining e\u0301\u0301\u0301",
    "<script>alert(1)</script>' OR 1=1; --",
    "{{ 7*7 }} {% raw %} ${jndi:ldap://x}",
    "\t\n  spaced  \r\n",
]


def test_hostile_message_texts_get_a_clear_answer(server: ServerThread) -> None:
    """Characters a database or a template engine might choke on: a 2xx or a 4xx, never a 5xx,
    and what is stored is exactly what the borrower gets back."""
    conv_id, borrower = open_conversation(server)
    url = f"/v1/conversations/{conv_id}/messages"
    with borrower:
        for text in HOSTILE_TEXTS:
            body = ('{"text": ' + _json_escape(text) + "}").encode()
            r = borrower.post(url, content=body, headers={"Content-Type": "application/json"})
            assert r.status_code in (201, 422), (text, r.status_code, r.text)
            if r.status_code == 201:
                assert r.json()["message"]["text"] == text.strip()
        shown = borrower.get(url).json()["messages"]
        assert all("49" not in m["text"] for m in shown if m["role"] != "borrower")  # no template evaluated


def _json_escape(text: str) -> str:
    """JSON string literal that keeps lone surrogates as \\u escapes (as a browser would send them)."""
    return '"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else f"\\u{ord(c):04x}"
                         if ord(c) < 0x10000 else c for c in text) + '"'


def test_malformed_requests_are_4xx(server: ServerThread) -> None:
    conv_id, borrower = open_conversation(server)
    url = f"/v1/conversations/{conv_id}/messages"
    nested = b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with borrower, server.integration() as integ:
        cases = [
            borrower.post(url, content=b'{"text": "\xff\xfe bad utf-8"}', headers={"Content-Type": "application/json"}),
            borrower.post(url, content=nested, headers={"Content-Type": "application/json"}),
            borrower.post(url, content=b"text=hi", headers={"Content-Type": "application/x-www-form-urlencoded"}),
            borrower.post(url, json={"text": "hi"}, headers={"Idempotency-Key": "k" * 500}),
            borrower.post(url, json=["text", "hi"]),
            borrower.get(url, params={"after": "-1"}),
            borrower.get(url, params={"limit": "10000000000000000000000"}),
            integ.put("/v1/accounts/" + "a" * 300, json={"creditor": "A", "balance": "1", "currency": "USD",
                                                       "jurisdiction": "US", "language": "en"}),
            integ.put("/v1/accounts/x", json={"creditor": "A", "balance": "1e400", "currency": "USD",
                                              "jurisdiction": "US", "language": "en"}),
            integ.put("/v1/accounts/x", json={"creditor": "A", "balance": "NaN", "currency": "USD",
                                              "jurisdiction": "US", "language": "en"}),
        ]
        with _login_staff(server) as ada:
            cases += [
                integ.get("/v1/conversations/a%00b/messages"),
                integ.put("/v1/accounts/a%00b", json={"creditor": "A", "balance": "1", "currency": "USD",
                                                     "jurisdiction": "US", "language": "en"}),
                integ.put("/v1/accounts/x", json={"creditor": "Acme\u0000", "balance": "1", "currency": "USD",
                                                  "jurisdiction": "US", "language": "en"}),
                integ.put("/v1/accounts/x", headers={"Content-Type": "application/json"},
                          content=b'{"creditor": "A", "balance": "1", "currency": "USD", "jurisdiction": "US", '
                                  b'"language": "en", "verification": {"postcode": "\\ud800"}}'),
                ada.get("/v1/staff/conversations/%00"),
                ada.get("/v1/alerts", params={"kind": "a\x00"}),
                ada.post("/v1/alerts/%00/assign", json={"assignee": "mia"}),
                server.client().post("/v1/staff/login", json={"username": "ada\u0000", "password": "x"}),
            ]
        for r in cases:
            assert 400 <= r.status_code < 500, (r.request.method, str(r.request.url)[:80], r.status_code, r.text[:200])
        assert borrower.get(url).json()["messages"] == []


def _login_staff(srv: ServerThread) -> httpx.Client:
    _seed_staff(srv)
    return _login(srv, "ada")
