"""Staff calls: sign-in, the agent-assist panel (mediator+), alerts and stats (supervisor+)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from mediator.api.deps import (
    StaffUser,
    require_admin,
    require_mediator,
    require_supervisor,
    service,
    staff_user,
)
from mediator.api.schemas import AssignIn, MessageIn, StaffLogin
from mediator.api.sse import conversation_stream, plain_stream, stream_response
from mediator.errors import NotFound
from mediator.plans import approved_offers
from mediator.security import hash_password, issue_staff_token, verify_password
from mediator.service import Service
from mediator.store import repo
from mediator.turns import check_draft, close_conversation, set_handover, staff_send, suggestions, summary
from mediator.views import account_view, alert_view, conversation_row, offer_view, staff_message

router = APIRouter(prefix="/v1", tags=["staff"])
# an unknown name costs the same scrypt as a wrong password, so timing does not reveal who exists
_NO_SUCH_USER = hash_password("no such user")


@router.post("/staff/login", summary="Staff sign-in: returns a signed, expiring token")
async def login(body: StaffLogin, request: Request, svc: Service = Depends(service)) -> Any:
    limiter = request.app.state.login_failures
    if await limiter.peek(f"login:{body.username}"):
        return JSONResponse(status_code=429, headers={"Retry-After": "900"},
                            content={"detail": "too many failed sign-ins for this user; try again later"})
    async with svc.db.reader() as s:
        user = await repo.get_staff(s, body.username)
    stored = user.password_hash if user is not None else _NO_SUCH_USER
    # scrypt takes ~30 ms of CPU: off the event loop, so sign-ins do not stall everyone's chat
    if not await asyncio.to_thread(verify_password, body.password, stored) or user is None:
        await limiter.hit(f"login:{body.username}")  # only failures count towards the lock-out
        raise HTTPException(401, "unknown user or wrong password")
    return {"token": issue_staff_token(svc.keys, user.username, user.role), "role": user.role,
            "username": user.username}


@router.get("/staff/me")
async def me(user: StaffUser = Depends(staff_user)) -> dict[str, str]:
    return {"username": user.username, "role": user.role}


# --- agent-assist panel (mediator role and above) -----------------------------------------------


@router.get("/staff/conversations", summary="The queue: escalated first, then by complaint risk")
async def queue(status: str | None = Query(default=None, pattern="^(active|escalated|human|closed)$"),
                limit: int = Query(default=100, ge=1, le=500),
                user: StaffUser = Depends(require_mediator), svc: Service = Depends(service)) -> dict[str, Any]:
    async with svc.db.reader() as s:
        rows = await repo.list_conversations(s, status, limit)
    return {"conversations": [conversation_row(c, a) for c, a in rows]}


@router.get("/staff/conversations/{conversation_id}")
async def conversation_detail(conversation_id: str, user: StaffUser = Depends(require_mediator),
                              svc: Service = Depends(service)) -> dict[str, Any]:
    async with svc.db.reader() as s:
        conv, account = await repo.conversation_and_account(s, conversation_id)
        msgs = await repo.list_messages(s, conversation_id, limit=1000)
    trend = [(m.analysis or {}).get("complaint_risk", 0.0) for m in msgs if m.role == "borrower"]
    return {
        "conversation": conversation_row(conv, account),
        "account": account_view(account),
        "approved_offers": [offer_view(o) for o in approved_offers(repo.account_facts(account), account.jurisdiction)],
        "messages": [staff_message(m) for m in msgs],
        "risk": {"score": round(conv.risk, 3), "reasons": conv.risk_reasons or [], "trend": trend},
        "summary": await summary(svc, conversation_id),
        "mediator": svc.backend.name,
    }


@router.get("/staff/conversations/{conversation_id}/suggestions")
async def get_suggestions(conversation_id: str, user: StaffUser = Depends(require_mediator),
                          svc: Service = Depends(service)) -> dict[str, Any]:
    return {"suggestions": await suggestions(svc, conversation_id)}


@router.post("/staff/conversations/{conversation_id}/check", summary="Guard verdict for a draft; nothing stored")
async def check(conversation_id: str, body: MessageIn, user: StaffUser = Depends(require_mediator),
                svc: Service = Depends(service)) -> dict[str, Any]:
    v = await check_draft(svc, conversation_id, body.text)
    return {"action": v.action, "allowed": v.allowed, "violations": [x.as_dict() for x in v.violations],
            "text": v.text, "explanation": v.explanation, "alternative": v.alternative}


@router.post("/staff/conversations/{conversation_id}/messages", status_code=201)
async def send(conversation_id: str, body: MessageIn, user: StaffUser = Depends(require_mediator),
               svc: Service = Depends(service)) -> Any:
    message, v = await staff_send(svc, conversation_id, user.username, body.text)
    if message is None:
        return JSONResponse(status_code=422, content={
            "detail": v.explanation or "This message breaks the conversation policy and was not sent.",
            "verdict": {"action": v.action, "violations": [x.as_dict() for x in v.violations]},
            "alternative": v.alternative,
        })
    return {"message": message}


@router.post("/staff/conversations/{conversation_id}/takeover")
async def takeover(conversation_id: str, user: StaffUser = Depends(require_mediator),
                   svc: Service = Depends(service)) -> dict[str, Any]:
    return await set_handover(svc, conversation_id, user.username, to_human=True)


@router.post("/staff/conversations/{conversation_id}/handback")
async def handback(conversation_id: str, user: StaffUser = Depends(require_mediator),
                   svc: Service = Depends(service)) -> dict[str, Any]:
    return await set_handover(svc, conversation_id, user.username, to_human=False)


@router.post("/staff/conversations/{conversation_id}/close", summary="Close a resolved conversation")
async def close(conversation_id: str, user: StaffUser = Depends(require_mediator),
                svc: Service = Depends(service)) -> dict[str, Any]:
    return await close_conversation(svc, conversation_id, user.username)


@router.get("/staff/conversations/{conversation_id}/events")
async def staff_events(request: Request, conversation_id: str, after: int = Query(default=0, ge=0),
                       user: StaffUser = Depends(require_mediator), svc: Service = Depends(service)) -> Any:
    return await conversation_stream(request, svc, conversation_id, after, staff=True)


@router.get("/staff/events", summary="Queue changes, for the panel's live queue")
async def queue_events(request: Request, user: StaffUser = Depends(require_mediator),
                       svc: Service = Depends(service)) -> Any:
    return stream_response(plain_stream(request, svc, "staff:queue"))


# --- supervisors ---------------------------------------------------------------------------------


@router.get("/alerts")
async def alerts(status: str | None = Query(default=None, pattern="^(open|acknowledged)$"),
                 kind: str | None = Query(default=None, max_length=32),
                 conversation_id: str | None = Query(default=None, max_length=36),
                 user: StaffUser = Depends(require_supervisor), svc: Service = Depends(service)) -> dict[str, Any]:
    async with svc.db.reader() as s:
        rows = await repo.list_alerts(s, status, kind, conversation_id)
    return {"alerts": [alert_view(a) for a in rows]}


async def _update_alert(svc: Service, alert_id: str, user: StaffUser, kind: str, **changes: Any) -> dict[str, Any]:
    async with svc.db.transaction() as s:
        alert = await repo.get_alert(s, alert_id)
        if alert is None:
            raise NotFound("alert not found")
        for name, value in changes.items():
            setattr(alert, name, value)
        await repo.audit(s, f"conv:{alert.conversation_id}", kind, {"alert_id": alert.id, **{
            k: v for k, v in changes.items() if k == "assigned_to"}}, actor=user.username,
            conversation_id=alert.conversation_id)
        view = alert_view(alert)
    await svc.bus.publish("alerts", {"event": "alert", "data": view})
    return view


@router.post("/alerts/{alert_id}/ack")
async def ack(alert_id: str, user: StaffUser = Depends(require_supervisor),
              svc: Service = Depends(service)) -> dict[str, Any]:
    return await _update_alert(svc, alert_id, user, "alert_acknowledged", status="acknowledged",
                               acknowledged_at=datetime.now(UTC), acknowledged_by=user.username)


@router.post("/alerts/{alert_id}/assign")
async def assign(alert_id: str, body: AssignIn, user: StaffUser = Depends(require_supervisor),
                 svc: Service = Depends(service)) -> dict[str, Any]:
    return await _update_alert(svc, alert_id, user, "alert_assigned", assigned_to=body.assignee)


@router.get("/alerts/events")
async def alert_events(request: Request, user: StaffUser = Depends(require_supervisor),
                       svc: Service = Depends(service)) -> Any:
    return stream_response(plain_stream(request, svc, "alerts"))


@router.get("/stats", summary="Figures for the supervisor dashboard")
async def stats(hours: int = Query(default=24, ge=1, le=24 * 90), user: StaffUser = Depends(require_supervisor),
                svc: Service = Depends(service)) -> dict[str, Any]:
    from mediator.dashboard import dashboard_stats

    return await dashboard_stats(svc, hours)


@router.get("/audit", summary="Admin: the audit trail (masked) with a hash-chain check")
async def audit_trail(conversation_id: str | None = Query(default=None, max_length=36),
                      limit: int = Query(default=1000, ge=1, le=10_000),
                      user: StaffUser = Depends(require_admin), svc: Service = Depends(service)) -> dict[str, Any]:
    from mediator.logging_setup import mask_data

    async with svc.db.reader() as s:
        events = await repo.audit_events(s, conversation_id=conversation_id, limit=limit)
    broken = repo.verify_chain(events)  # oldest first, so a limited listing is still a checkable prefix
    return {
        "events": [{"id": e.id, "stream": e.stream, "kind": e.kind, "actor": e.actor,
                    "data": mask_data(e.data),
                    "created_at": e.created_at.isoformat(), "prev_hash": e.prev_hash, "hash": e.hash}
                   for e in events],
        "chain_intact": not broken,
        "broken_event_ids": broken,
    }
