"""The authorisation matrix: every route of the app × every kind of credential.

The table below says, for each route, which policy guards it; the policy says which
credentials get in (2xx, or a 404/409/422 that proves the call reached the handler) and
which are refused with 401 (no or bad credentials) or 403 (good credentials, not enough).
A new endpoint without a row fails ``test_every_route_has_a_row``, so nobody can add one
without deciding who may call it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from tests.conftest import INTEGRATION_KEY, SECRET, ServerThread, open_conversation
from tests.test_service_staff import _login, _seed_staff

# --- credentials ------------------------------------------------------------------------------

CREDENTIALS = (
    "none", "garbage", "forged_borrower", "expired_borrower", "borrower_this", "borrower_other",
    "integration", "integration_wrong", "mediator", "supervisor", "admin", "expired_staff", "forged_staff",
)

# --- policies: who gets in ---------------------------------------------------------------------

ALLOWED = "allowed"  # reached the handler: 2xx, or 404/409/422 from the handler itself
STAFF = ("mediator", "supervisor", "admin")


def expected(policy: str, cred: str) -> str | int:
    """ALLOWED, 401 or 403 for one credential under one policy."""
    if policy == "public":
        return ALLOWED
    if policy == "integration":
        return ALLOWED if cred == "integration" else 401
    if policy in ("borrower", "borrower_or_integration"):
        if cred == "borrower_this" or (cred == "integration" and policy == "borrower_or_integration"):
            return ALLOWED
        return 403 if cred == "borrower_other" else 401
    needed = {"staff": "mediator", "mediator": "mediator", "supervisor": "supervisor", "admin": "admin"}[policy]
    if cred not in STAFF:
        return 401
    return ALLOWED if STAFF.index(cred) >= STAFF.index(needed) else 403


# (method, path template) -> policy. Every route of the app must be here.
MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/docs/oauth2-redirect"): "public",
    ("GET", "/redoc"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/readyz"): "public",
    ("GET", "/metrics"): "public",
    ("POST", "/v1/demo/conversations"): "public",  # 404 outside demo mode, for everyone
    ("POST", "/v1/staff/login"): "public",
    ("GET", "/"): "public",
    ("GET", "/demo"): "public",
    ("GET", "/login"): "public",
    ("GET", "/panel"): "public",
    ("GET", "/supervisor"): "public",
    ("GET", "/widget.js"): "public",
    ("GET", "/static"): "public",
    ("PUT", "/v1/accounts/{account_id}"): "integration",
    ("POST", "/v1/conversations"): "integration",
    ("GET", "/v1/accounts/{account_id}/export"): "integration",
    ("DELETE", "/v1/accounts/{account_id}"): "integration",
    ("GET", "/v1/conversations/{conversation_id}/messages"): "borrower_or_integration",
    ("POST", "/v1/conversations/{conversation_id}/messages"): "borrower",
    ("GET", "/v1/conversations/{conversation_id}"): "borrower",
    ("GET", "/v1/conversations/{conversation_id}/events"): "borrower",
    ("GET", "/v1/staff/me"): "staff",
    ("GET", "/v1/staff/conversations"): "mediator",
    ("GET", "/v1/staff/conversations/{conversation_id}"): "mediator",
    ("GET", "/v1/staff/conversations/{conversation_id}/suggestions"): "mediator",
    ("POST", "/v1/staff/conversations/{conversation_id}/check"): "mediator",
    ("POST", "/v1/staff/conversations/{conversation_id}/messages"): "mediator",
    ("POST", "/v1/staff/conversations/{conversation_id}/takeover"): "mediator",
    ("POST", "/v1/staff/conversations/{conversation_id}/handback"): "mediator",
    ("POST", "/v1/staff/conversations/{conversation_id}/close"): "mediator",
    ("GET", "/v1/staff/conversations/{conversation_id}/events"): "mediator",
    ("GET", "/v1/staff/events"): "mediator",
    ("GET", "/v1/alerts"): "supervisor",
    ("POST", "/v1/alerts/{alert_id}/ack"): "supervisor",
    ("POST", "/v1/alerts/{alert_id}/assign"): "supervisor",
    ("GET", "/v1/alerts/events"): "supervisor",
    ("GET", "/v1/stats"): "supervisor",
    ("GET", "/v1/audit"): "admin",
}


def app_routes() -> set[tuple[str, str]]:
    """(method, path) for every route the app serves (HEAD is implied by GET; a mount is a GET)."""
    from fastapi import routing

    from mediator.api.app import create_app
    from mediator.settings import Settings

    app = create_app(Settings(_env_file=None))
    found: set[tuple[str, str]] = set()
    contexts = routing.iter_route_contexts(app.routes) if hasattr(routing, "iter_route_contexts") else app.routes
    for route in contexts:
        methods = getattr(route, "methods", None) or {"GET"}
        for method in methods - {"HEAD"}:
            found.add((method, route.path))
    return found


def test_every_route_has_a_row() -> None:
    routes = app_routes()
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes without an authorisation row: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_policy_table_is_not_trivial() -> None:
    """The expectations really distinguish credentials (a table that allows all would pass anything)."""
    for policy in ("integration", "borrower", "mediator", "supervisor", "admin"):
        outcomes = {expected(policy, c) for c in CREDENTIALS}
        assert {ALLOWED, 401} <= outcomes, policy
    assert expected("admin", "supervisor") == 403 and expected("supervisor", "mediator") == 403
    assert expected("borrower", "borrower_other") == 403 and expected("borrower", "integration") == 401


# --- the live matrix ---------------------------------------------------------------------------


def _token(claims: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def forged_tokens(conv_id: str) -> dict[str, str]:
    """Tokens the service must refuse: expired, or signed with another key, but otherwise perfect."""
    now = datetime.now(UTC)
    past = {"iat": now - timedelta(days=9), "exp": now - timedelta(seconds=5)}
    future = {"iat": now, "exp": now + timedelta(hours=1)}
    return {
        "expired_borrower": _token({"sub": conv_id, "typ": "borrower", **past}),
        "forged_borrower": _token({"sub": conv_id, "typ": "borrower", **future}, secret="not-the-server-secret" * 3),
        "expired_staff": _token({"sub": "ada", "role": "admin", "typ": "staff", **past}),
        "forged_staff": _token({"sub": "ada", "role": "admin", "typ": "staff", **future}, secret="x" * 64),
    }


@dataclass
class World:
    """Real objects for the path parameters, and a header set per credential."""

    conv_id: str
    account_id: str
    alert_id: str
    headers: dict[str, dict[str, str]]


def build_world(srv: ServerThread) -> World:
    _seed_staff(srv)
    account_id = f"acct-authz-{uuid.uuid4().hex[:6]}"
    conv_id, borrower = open_conversation(srv, account_id=account_id)
    _other_id, other = open_conversation(srv)
    with borrower:
        r = borrower.post(f"/v1/conversations/{conv_id}/messages",
                          json={"text": "This is harassment and I am reporting you to the CFPB."})
        assert r.status_code == 201, r.text
    staff_headers = {}
    for user, cred in (("mia", "mediator"), ("sam", "supervisor"), ("ada", "admin")):
        with _login(srv, user) as c:
            staff_headers[cred] = {"Authorization": c.headers["Authorization"]}
    with srv.client(**staff_headers["supervisor"]) as sam:
        alerts = sam.get("/v1/alerts", params={"conversation_id": conv_id}).json()["alerts"]
    assert alerts, "the complaint threat must have raised an alert"
    headers: dict[str, dict[str, str]] = {
        "none": {},
        "garbage": {"Authorization": "Bearer garbage.garbage.garbage"},
        "borrower_this": {"Authorization": borrower.headers["Authorization"]},
        "borrower_other": {"Authorization": other.headers["Authorization"]},
        "integration": {"X-API-Key": INTEGRATION_KEY},
        "integration_wrong": {"X-API-Key": INTEGRATION_KEY[:-1] + "?"},
        **staff_headers,
        **{k: {"Authorization": f"Bearer {v}"} for k, v in forged_tokens(conv_id).items()},
    }
    return World(conv_id, account_id, alerts[0]["id"], headers)


def request_for(method: str, template: str, world: World) -> tuple[str, dict[str, Any]]:
    """A concrete URL and a valid body for one route, so only credentials decide the outcome."""
    path = template.format(conversation_id=world.conv_id, alert_id=world.alert_id,
                           account_id=f"acct-gone-{uuid.uuid4().hex[:6]}" if method == "DELETE" else world.account_id)
    if path == "/static":
        path = "/static/app.css"
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/v1/demo/conversations"): {"account_id": "demo-us"},
        ("POST", "/v1/staff/login"): {"username": "mia", "password": "mia-password"},
        ("PUT", "/v1/accounts/{account_id}"): {
            "borrower_name": "Pat Lee", "creditor": "Acme Bank", "balance": "310.00", "currency": "USD",
            "days_past_due": 12, "jurisdiction": "US", "language": "en"},
        ("POST", "/v1/conversations"): {"account_id": world.account_id},
        ("POST", "/v1/conversations/{conversation_id}/messages"): {"text": "can we talk about a plan?"},
        ("POST", "/v1/staff/conversations/{conversation_id}/check"): {"text": "How can I help today?"},
        ("POST", "/v1/staff/conversations/{conversation_id}/messages"): {"text": "How can I help today?"},
        ("POST", "/v1/alerts/{alert_id}/assign"): {"assignee": "mia"},
    }
    return path, ({"json": bodies[(method, template)]} if (method, template) in bodies else {})


def call(client: httpx.Client, method: str, path: str, headers: dict[str, str], **kw: Any) -> int:
    """Status of one call; event streams are closed as soon as the status line arrives."""
    with client.stream(method, path, headers=headers, **kw) as r:
        return r.status_code


def outcome_ok(status: int, want: str | int) -> bool:
    if want == ALLOWED:
        return status < 300 or status in (404, 409, 422)
    return status == want


def matrix_cases() -> Iterator[tuple[str, str, str, str]]:
    for (method, template), policy in sorted(MATRIX.items()):
        for cred in CREDENTIALS:
            yield method, template, policy, cred


def test_authorisation_matrix(server: ServerThread) -> None:
    world = build_world(server)
    wrong: list[str] = []
    allowed_seen = 0
    with server.client() as client:
        for method, template, policy, cred in matrix_cases():
            path, kw = request_for(method, template, world)
            status = call(client, method, path, world.headers[cred], **kw)
            want = expected(policy, cred)
            if want == ALLOWED and status < 300:
                allowed_seen += 1
            if not outcome_ok(status, want):
                wrong.append(f"{method} {template} as {cred}: got {status}, want {want}")
    assert not wrong, "\n".join(wrong)
    # the matrix really reached handlers (not a wall of 404s)
    assert allowed_seen >= 40, allowed_seen


def test_staff_token_is_refused_where_a_borrower_token_is_needed_and_back(server: ServerThread) -> None:
    """Token kinds do not cross: a staff token (even admin) is not a borrower token."""
    world = build_world(server)
    with server.client(**world.headers["admin"]) as admin:
        assert admin.get(f"/v1/conversations/{world.conv_id}").status_code == 401
        assert admin.post(f"/v1/conversations/{world.conv_id}/messages", json={"text": "hi"}).status_code == 401
    with server.client(**world.headers["borrower_this"]) as borrower:
        assert borrower.get("/v1/staff/me").status_code == 401
        # a borrower token on the query string works only for its own conversation
        token = world.headers["borrower_this"]["Authorization"].split()[1]
    with server.client() as anon:
        assert anon.get(f"/v1/conversations/{world.conv_id}/messages", params={"token": token}).status_code == 200
        other_id, other = open_conversation(server)
        other.close()
        assert anon.get(f"/v1/conversations/{other_id}/messages", params={"token": token}).status_code == 403


def test_unsigned_and_tampered_tokens_are_refused(server: ServerThread) -> None:
    world = build_world(server)
    token = world.headers["borrower_this"]["Authorization"].split()[1]
    header, payload, sig = token.split(".")
    unsigned = jwt.encode({"sub": world.conv_id, "typ": "borrower",
                           "exp": datetime.now(UTC) + timedelta(hours=1)}, key=None, algorithm="none")
    flipped_sig = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")
    with server.client() as c:
        for bad in (unsigned, f"{header}.{payload}.{flipped_sig}", f"{header}.{payload}.", token + "x"):
            r = c.get(f"/v1/conversations/{world.conv_id}/messages", headers={"Authorization": f"Bearer {bad}"})
            assert r.status_code == 401, bad
        # the genuine token still works, so the refusals above are about the tampering
        assert c.get(f"/v1/conversations/{world.conv_id}/messages",
                     headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_secrets_are_not_in_responses_or_openapi(server: ServerThread) -> None:
    world = build_world(server)
    with server.client() as c:
        texts = [c.get(p).text for p in ("/openapi.json", "/readyz", "/healthz", "/metrics")]
    with server.client(**world.headers["admin"]) as admin:
        texts.append(admin.get("/v1/audit").text)
    for text in texts:
        assert INTEGRATION_KEY not in text and SECRET not in text


def test_unknown_staff_name_is_indistinguishable_from_a_wrong_password(server: ServerThread,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Same answer and the same password-hash work for both, so neither the reply nor its timing
    tells an attacker which staff names exist."""
    import mediator.api.routes_staff as routes_staff

    real = routes_staff.verify_password
    checked: list[str] = []

    def counting(password: str, stored: str) -> bool:
        checked.append(stored)
        return real(password, stored)

    monkeypatch.setattr(routes_staff, "verify_password", counting)
    _seed_staff(server)
    with server.client() as c:
        unknown = c.post("/v1/staff/login", json={"username": "nobody-by-this-name", "password": "guess"})
        wrong = c.post("/v1/staff/login", json={"username": "mia", "password": "guess"})
        right = c.post("/v1/staff/login", json={"username": "mia", "password": "mia-password"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert right.status_code == 200
    assert len(checked) == 3 and all(s.startswith("scrypt$") for s in checked)


def test_a_verified_token_is_refused_once_it_expires_and_under_another_secret() -> None:
    """Verified tokens are remembered (a borrower sends every message with the same one), but
    never past their expiry, and never for a service with a different secret."""
    import time

    from mediator.security import AuthError, Keys, issue_borrower_token, read_token

    keys = Keys(secret=b"k" * 48, integration_key_hash="")
    token = issue_borrower_token(keys, "conv-1", ttl_s=2)  # expires 1-2 s from now (whole seconds)
    assert read_token(keys, token, "borrower")["sub"] == "conv-1"
    assert read_token(keys, token, "borrower")["sub"] == "conv-1"  # the remembered verdict
    with pytest.raises(AuthError, match="wrong kind"):
        read_token(keys, token, "staff")
    with pytest.raises(AuthError, match="invalid"):
        read_token(Keys(secret=b"other" * 10, integration_key_hash=""), token, "borrower")
    time.sleep(2.1)
    with pytest.raises(AuthError, match="expired"):
        read_token(keys, token, "borrower")
