"""Authentication and authorisation dependencies: checked on every endpoint that needs them.

All are ``async def`` although none awaits I/O: FastAPI runs a plain ``def`` dependency in a
worker thread, a hand-off that cost more than the token check itself on every request."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Header, HTTPException, Query, Request

from mediator.security import AuthError, read_token, role_at_least
from mediator.service import Service


async def service(request: Request) -> Service:
    return request.app.state.service


def _bearer(authorization: str | None, token_param: str | None) -> str | None:
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return token_param or None


async def require_integration(svc: Service = Depends(service), x_api_key: str | None = Header(default=None)) -> None:
    if not svc.keys.integration_key_ok(x_api_key):
        raise HTTPException(401, "a valid X-API-Key is required")


@dataclass(frozen=True)
class ConversationAccess:
    conversation_id: str
    who: str  # "borrower" | "integration" | "staff:<user>"
    staff: bool = False


async def borrower_or_integration(
    conversation_id: str,
    svc: Service = Depends(service),
    authorization: str | None = Header(default=None),
    x_api_key: str | None = Header(default=None),
    token: str | None = Query(default=None, description="for EventSource, which cannot set headers"),
) -> ConversationAccess:
    if x_api_key is not None:
        if svc.keys.integration_key_ok(x_api_key):
            return ConversationAccess(conversation_id, "integration")
        raise HTTPException(401, "invalid X-API-Key")
    return await borrower_only(conversation_id, svc, authorization, token)


async def borrower_only(
    conversation_id: str,
    svc: Service = Depends(service),
    authorization: str | None = Header(default=None),
    token: str | None = Query(default=None),
) -> ConversationAccess:
    raw = _bearer(authorization, token)
    if not raw:
        raise HTTPException(401, "a borrower token is required (Authorization: Bearer ...)")
    try:
        claims = read_token(svc.keys, raw, "borrower")
    except AuthError as exc:
        raise HTTPException(401, str(exc)) from exc
    if claims["sub"] != conversation_id:
        raise HTTPException(403, "this token is for another conversation")
    return ConversationAccess(conversation_id, "borrower")


@dataclass(frozen=True)
class StaffUser:
    username: str
    role: str


async def staff_user(
    svc: Service = Depends(service),
    authorization: str | None = Header(default=None),
    token: str | None = Query(default=None),
) -> StaffUser:
    raw = _bearer(authorization, token)
    if not raw:
        raise HTTPException(401, "staff sign-in required")
    try:
        claims = read_token(svc.keys, raw, "staff")
    except AuthError as exc:
        raise HTTPException(401, str(exc)) from exc
    return StaffUser(str(claims["sub"]), str(claims.get("role", "")))


def require_role(role: str):
    async def _dep(user: StaffUser = Depends(staff_user)) -> StaffUser:
        if not role_at_least(user.role, role):
            raise HTTPException(403, f"this needs the {role} role")
        return user

    return _dep


require_mediator = require_role("mediator")
require_supervisor = require_role("supervisor")
require_admin = require_role("admin")
