"""Data protection: verification facts hashed at rest, personal data masked in logs and in the
admin audit export, the data-subject export and erasure (nothing personal left in any table,
the hash-chained audit trail still verifies and tampering is detected), the retention purge,
and CORS settings right for a bearer-token widget."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select, text, update

from tests.conftest import (
    ACCOUNTS,
    INTEGRATION_KEY,
    SECRET,
    ServerThread,
    Stack,
    make_settings,
    open_conversation,
)
from tests.test_service_staff import _login, _seed_staff

CARD = "4539 1488 0343 6467"
SSN = "219-09-9999"
CN_ID = "11010519491231002X"


# --- helpers -------------------------------------------------------------------------------------


def run_db(srv: ServerThread, fn: Any) -> Any:
    """Run ``await fn(session)`` in one transaction on a separate connection to the server's store."""
    from mediator.store.db import Database

    async def go() -> Any:
        db = Database(srv.settings.database_url)
        try:
            async with db.transaction() as s:
                return await fn(s)
        finally:
            await db.dispose()

    return asyncio.run(go())


def dump_all_tables(srv: ServerThread) -> str:
    """Every row of every table, as text: what an attacker with a copy of the database sees."""
    from mediator.store.models import Base

    async def fn(s: Any) -> str:
        out = []
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
        return "\n".join(out)

    return run_db(srv, fn)


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Everything the ``mediator`` loggers write, through the service's own JSON formatter."""
    from mediator.logging_setup import JsonFormatter, configure_logging

    configure_logging()
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger("mediator")
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buf
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def digits(s: str) -> str:
    return re.sub(r"\D", "", s)


class LeakyBackend:
    """A backend whose failure message carries the borrower's text (as real client errors
    that echo the request do); the service logs the exception."""

    name = "leaky"

    async def reply(self, turn: Any) -> Any:
        raise RuntimeError(f"upstream rejected the prompt: {turn.message!r}")

    async def suggest(self, turn: Any, n: int = 3) -> list[str]:
        return []

    async def summarize(self, turn: Any) -> str:
        return ""


# --- verification facts --------------------------------------------------------------------------


def test_verification_facts_are_stored_as_keyed_hashes(server: ServerThread) -> None:
    import hashlib

    from mediator.store.models import Account

    _conv_id, borrower = open_conversation(server, "UK", account_id="acct-hash")
    borrower.close()
    row = run_db(server, lambda s: s.get(Account, "acct-hash"))
    facts = ACCOUNTS["UK"]["verification"]
    assert set(row.verification) == set(facts)
    for name, value in facts.items():
        stored = row.verification[name]
        assert re.fullmatch(r"[0-9a-f]{64}", stored)
        assert value not in stored and value.replace(" ", "").lower() not in stored
        # keyed (HMAC), not a bare hash that a dictionary of birthdays would reverse
        assert stored != hashlib.sha256(value.encode()).hexdigest()
    dump = dump_all_tables(server)
    assert "1990-09-03" not in dump and "LS1 4AP" not in dump and "ls14ap" not in dump.lower()
    with server.integration() as integ:
        exported = integ.get("/v1/accounts/acct-hash/export").text
    assert "1990-09-03" not in exported


def test_fact_matching_survives_formatting_but_not_wrong_values() -> None:
    from mediator.security import Keys, facts_match, hash_facts

    keys = Keys(secret=b"k" * 32, integration_key_hash="")
    stored = hash_facts(keys, {"date_of_birth": "1979-11-02", "postcode": "M1 1AE"})
    assert facts_match(keys, stored, {"date_of_birth": "1979/11/2", "postcode": "m11ae"})
    assert facts_match(keys, stored, {"date_of_birth": "１９７９-１１-０２", "postcode": " M1-1AE "})
    assert not facts_match(keys, stored, {"date_of_birth": "1979-11-03", "postcode": "M1 1AE"})
    assert not facts_match(keys, stored, {"date_of_birth": "1979-11-02"})
    other = Keys(secret=b"j" * 32, integration_key_hash="")
    assert hash_facts(other, {"postcode": "M1 1AE"}) != {"postcode": stored["postcode"]}


# --- logs ----------------------------------------------------------------------------------------


def test_personal_data_is_masked_in_logs_during_a_turn(stack: Stack, tmp_path: Path) -> None:
    with ServerThread(make_settings(stack, tmp_path), backend=LeakyBackend()) as srv:
        conv_id, borrower = open_conversation(srv)
        message = (f"my card is {CARD}, ssn {SSN}, email dana.smith@example.org, "
                   f"ID {CN_ID}, card again {CARD.replace(' ', '-')}")
        with captured_logs() as logs, borrower:
            r = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": message})
            assert r.status_code == 201
        out = logs.getvalue()
    # the failure was logged (with the exception text), so masking had something to do
    assert "mediator backend failed" in out and "upstream rejected the prompt" in out
    for secret in (CARD, CARD.replace(" ", "-"), SSN, CN_ID, "dana.smith@example.org"):
        assert secret not in out, secret
    assert digits(CARD)[:12] not in digits(out)
    assert "219-09" not in out and "110105194912" not in out
    for line in out.splitlines():
        json.loads(line)  # every line is one JSON object


def test_mask_pii_covers_common_separators() -> None:
    from mediator.logging_setup import mask_pii

    for raw in (CARD, "4539-1488-0343-6467", "4539.1488.0343.6467", "4539148803436467", SSN, "219 09 9999",
                CN_ID, "+86 138 0013 8000", "１２３４５６７８９０１２"):
        masked = mask_pii(f"value: {raw} end")
        assert digits(raw)[:6] not in digits(masked), (raw, masked)
    # ordinary text, amounts and version numbers stay readable
    assert mask_pii("balance 1240.50, policy 0.11.2") == "balance 1240.50, policy 0.11.2"


# --- audit export ---------------------------------------------------------------------------------


def test_admin_audit_export_is_masked_and_checks_the_chain(server: ServerThread) -> None:
    _seed_staff(server)
    conv_id, borrower = open_conversation(server)
    with borrower, _login(server, "mia") as mia, _login(server, "sam") as sam, _login(server, "ada") as ada:
        borrower.post(f"/v1/conversations/{conv_id}/messages",
                      json={"text": f"I'm reporting you to the CFPB. My SSN is {SSN}."})
        refused = mia.post(f"/v1/staff/conversations/{conv_id}/messages",
                           json={"text": f"We know your SSN {SSN} and card {CARD}; pay now or we will have you "
                                         "arrested."})
        assert refused.status_code == 422
        alert = sam.get("/v1/alerts", params={"conversation_id": conv_id}).json()["alerts"][0]
        assert sam.post(f"/v1/alerts/{alert['id']}/assign",
                        json={"assignee": f"desk {CARD}"}).status_code == 200
        export = ada.get("/v1/audit", params={"conversation_id": conv_id})
        whole = ada.get("/v1/audit")
    assert export.status_code == 200
    body = export.json()
    kinds = [e["kind"] for e in body["events"]]
    assert {"conversation_created", "borrower_message", "staff_draft_refused", "alert_assigned"} <= set(kinds)
    assert body["chain_intact"] is True and body["broken_event_ids"] == []
    for secret in (SSN, CARD, digits(CARD)):
        assert secret not in export.text and secret not in whole.text
    # the masked value is still recognisable, and hashes are untouched
    assigned = next(e for e in body["events"] if e["kind"] == "alert_assigned")
    assert assigned["data"]["assigned_to"].endswith("6467") and "*" in assigned["data"]["assigned_to"]
    msg = next(e for e in body["events"] if e["kind"] == "borrower_message")
    assert re.fullmatch(r"[0-9a-f]{64}", msg["data"]["text_sha256"])
    # what was stored is the real value: masking is for the export only, the chain stays checkable
    stored = dump_all_tables(server)
    assert CARD in stored


# --- export, erasure, tampering -------------------------------------------------------------------


def _converse(srv: ServerThread, account_id: str, lines: list[str], name: str = "Dana Smith") -> str:
    with srv.integration() as integ:
        assert integ.put(f"/v1/accounts/{account_id}", json={**ACCOUNTS["US"], "borrower_name": name}).is_success
        r = integ.post("/v1/conversations", json={"account_id": account_id, "identity_verified": True})
        conv_id, token = r.json()["conversation_id"], r.json()["borrower_token"]
    with srv.client(Authorization=f"Bearer {token}") as borrower:
        for line in lines:
            r = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": line},
                              headers={"Idempotency-Key": str(uuid.uuid4())})
            assert r.status_code == 201, r.text
    return conv_id


def test_export_then_erasure_leaves_no_personal_data_and_the_chain_verifies(server: ServerThread) -> None:
    _seed_staff(server)
    name = "Bartholomew Ngata"
    lines = ["My neighbour Rosalind Okafor says I should not pay you anything",
             "I lost my job at the Quillfeather bakery last month and can't pay",
             "I'm going to file a complaint with the CFPB about this"]
    conv_id = _converse(server, "acct-erase", lines, name=name)
    keep_id = _converse(server, "acct-keep", ["keep this text: marmalade umbrella"], name="Keep Person")
    with server.integration() as integ, _login(server, "ada") as ada:
        exported = integ.get("/v1/accounts/acct-erase/export")
        assert exported.status_code == 200
        ex = exported.json()
        assert ex["account"]["borrower_name"] == name
        texts = [m["text"] for c in ex["conversations"] for m in c["messages"]]
        assert all(line in texts for line in lines)
        assert ex["conversations"][0]["audit_chain_intact"] is True

        erased = integ.delete("/v1/accounts/acct-erase")
        assert erased.status_code == 200, erased.text
        assert erased.json()["messages_erased"] >= 2 * len(lines)

        after = integ.get("/v1/accounts/acct-erase/export").json()
        assert after["erased_at"] and after["account"]["borrower_name"] is None
        assert after["conversations"][0]["audit_chain_intact"] is True
        audit = ada.get("/v1/audit", params={"conversation_id": conv_id}).json()
        assert audit["chain_intact"] is True and len(audit["events"]) >= 2 * len(lines)
        # the borrower's token no longer opens a new conversation on the erased account
        assert integ.post("/v1/conversations", json={"account_id": "acct-erase"}).status_code == 404

    dump = dump_all_tables(server)
    for secret in [name, "Rosalind", "Quillfeather", "complaint with the CFPB", *lines]:
        assert secret not in dump, f"{secret!r} survived the erasure"
    assert "marmalade umbrella" in dump, "another borrower's data must be untouched"
    assert keep_id


def test_tampering_with_an_audit_row_is_detected(server: ServerThread) -> None:
    from mediator.store.models import AuditEvent

    _seed_staff(server)
    conv_id = _converse(server, "acct-tamper", ["hello", "I want a payment plan"])

    async def tamper(s: Any) -> int:
        ev = (await s.execute(select(AuditEvent).where(AuditEvent.conversation_id == conv_id,
                                                       AuditEvent.kind == "borrower_message")
                              .order_by(AuditEvent.id))).scalars().first()
        forged = {**ev.data, "intents": ["PAYMENT_PROMISE"]}
        await s.execute(update(AuditEvent).where(AuditEvent.id == ev.id).values(data=forged))
        return ev.id

    with _login(server, "ada") as ada:
        before = ada.get("/v1/audit", params={"conversation_id": conv_id}).json()
        assert before["chain_intact"] is True
        tampered_id = run_db(server, tamper)
        after = ada.get("/v1/audit", params={"conversation_id": conv_id}).json()
        assert after["chain_intact"] is False and tampered_id in after["broken_event_ids"]
        # the unfiltered export checks the chain too
        whole = ada.get("/v1/audit").json()
        assert whole["chain_intact"] is False and tampered_id in whole["broken_event_ids"]
    with server.integration() as integ:
        ex = integ.get("/v1/accounts/acct-tamper/export").json()
    assert ex["conversations"][0]["audit_chain_intact"] is False

    async def delete_one(s: Any) -> None:  # removing a row breaks the link of the next one
        await s.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": tampered_id})

    run_db(server, delete_one)
    with _login(server, "ada") as ada:
        again = ada.get("/v1/audit", params={"conversation_id": conv_id}).json()
    assert again["chain_intact"] is False and again["broken_event_ids"]


# --- retention ------------------------------------------------------------------------------------


def test_retention_purge_erases_only_stale_accounts(stack: Stack, tmp_path: Path) -> None:
    from mediator.privacy import purge_expired
    from mediator.store.db import Database
    from mediator.store.models import Account

    with ServerThread(make_settings(stack, tmp_path, MEDIATOR_RETENTION_DAYS=30)) as srv:
        _converse(srv, "acct-old", ["remember the turquoise bicycle"])

        async def purge(days_ahead: int) -> int:
            db = Database(srv.settings.database_url)
            try:
                return await purge_expired(SimpleNamespace(settings=srv.settings, db=db),  # type: ignore[arg-type]
                                           now=datetime.now(UTC) + timedelta(days=days_ahead))
            finally:
                await db.dispose()

        assert asyncio.run(purge(10)) == 0  # inside the retention period: kept
        assert "turquoise bicycle" in dump_all_tables(srv)
        assert asyncio.run(purge(31)) == 1
        assert asyncio.run(purge(31)) == 0  # already erased: not purged twice
        acct = run_db(srv, lambda s: s.get(Account, "acct-old"))
        assert acct.erased_at is not None and acct.borrower_name is None
        assert "turquoise bicycle" not in dump_all_tables(srv)
        with _login_admin(srv) as ada:
            events = ada.get("/v1/audit").json()
        assert any(e["kind"] == "account_purged" for e in events["events"]) and events["chain_intact"]


def _login_admin(srv: ServerThread) -> Any:
    _seed_staff(srv)
    return _login(srv, "ada")


# --- CORS -----------------------------------------------------------------------------------------


def test_cors_preflight_allows_the_widget_without_credentials(server: ServerThread) -> None:
    conv_id, borrower = open_conversation(server)
    origin = "https://www.some-lender.example"
    with server.client() as c:
        pre = c.options(f"/v1/conversations/{conv_id}/messages", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key"})
        assert pre.status_code == 200, pre.text
        assert pre.headers["access-control-allow-origin"] in ("*", origin)
        allowed = pre.headers["access-control-allow-headers"].lower()
        assert all(h in allowed for h in ("authorization", "content-type", "idempotency-key"))
        assert "POST" in pre.headers["access-control-allow-methods"]
        # bearer tokens, no cookies: credentials are never allowed, so there is no CSRF surface
        assert pre.headers.get("access-control-allow-credentials") != "true"
        sse_pre = c.options(f"/v1/conversations/{conv_id}/events", headers={
            "Origin": "https://other.example", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "last-event-id"})
        assert sse_pre.status_code == 200
    with borrower:
        r = borrower.get(f"/v1/conversations/{conv_id}", headers={"Origin": origin})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", origin)
    assert r.headers.get("access-control-allow-credentials") != "true"
    assert "x-request-id" in r.headers.get("access-control-expose-headers", "").lower()
    assert "set-cookie" not in r.headers


def test_cors_restricted_origins_refuse_strangers(stack: Stack, tmp_path: Path) -> None:
    settings = make_settings(stack, tmp_path, MEDIATOR_CORS_ORIGINS="https://bank.example")
    with ServerThread(settings) as srv, srv.client() as c:
        ok = c.options("/v1/conversations/x/messages", headers={
            "Origin": "https://bank.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://bank.example"
        bad = c.options("/v1/conversations/x/messages", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert bad.status_code == 400
        assert "access-control-allow-origin" not in bad.headers


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_keys_and_tokens_never_reach_the_logs(stack: Stack, tmp_path: Path) -> None:
    with captured_logs() as logs:
        with ServerThread(make_settings(stack, tmp_path), backend=LeakyBackend()) as srv:
            conv_id, borrower = open_conversation(srv)
            token = borrower.headers["Authorization"].split()[1]
            with borrower, srv.client() as anon:
                borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "hello"})
                anon.get(f"/v1/conversations/{conv_id}/messages", headers={"X-API-Key": INTEGRATION_KEY + "x"})
                anon.get(f"/v1/conversations/{conv_id}/messages", params={"token": token})
        out = logs.getvalue()
    assert "mediator ready" in out and "mediator backend failed" in out  # logging was on
    for secret in (SECRET, INTEGRATION_KEY, token):
        assert secret not in out


def test_old_idempotency_keys_are_forgotten_and_fresh_ones_kept(stack: Stack, tmp_path: Path) -> None:
    from mediator.privacy import purge_idempotency_keys
    from mediator.service import Service

    settings = make_settings(stack, tmp_path)
    with ServerThread(settings) as srv:
        conv_id, borrower = open_conversation(srv)
        with borrower:
            for _ in range(2):
                r = borrower.post(f"/v1/conversations/{conv_id}/messages", json={"text": "hello"},
                                  headers={"Idempotency-Key": str(uuid.uuid4())})
                assert r.status_code == 201

    async def purge(now: datetime) -> int:
        svc = Service(settings)
        try:
            return await purge_idempotency_keys(svc, now=now)
        finally:
            await svc.bus.close()
            await svc.db.dispose()

    assert asyncio.run(purge(datetime.now(UTC))) == 0  # fresh keys stay: retries still work
    assert asyncio.run(purge(datetime.now(UTC) + timedelta(days=3))) == 2
