"""Health, readiness, metrics and the demo entry point."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from mediator.api.deps import service
from mediator.api.schemas import DemoConversationIn
from mediator.metrics import REGISTRY
from mediator.security import issue_borrower_token
from mediator.service import Service
from mediator.store import repo

router = APIRouter(tags=["service"])


@router.get("/healthz", summary="200 when the service can take traffic")
async def healthz(svc: Service = Depends(service)) -> Any:
    try:
        await svc.db.ping()
    except Exception:
        return JSONResponse(status_code=503, content={"status": "unavailable", "detail": "database unreachable"})
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(svc: Service = Depends(service)) -> Any:
    body: dict[str, Any] = {"mediator": svc.backend.name, "bus": svc.bus.name,
                            "policy_version": svc.guard.policy_version}
    try:
        await svc.db.ping()
        body["database"] = "ok"
    except Exception:
        body["database"] = "unavailable"
        return JSONResponse(status_code=503, content=body)
    body["bus_status"] = "ok" if await svc.bus.healthy() and not svc.degraded_bus else "degraded"
    return body


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@router.post("/v1/demo/conversations", status_code=201, tags=["demo"],
             summary="Demo mode only: start a chat with a demo account")
async def demo_conversation(body: DemoConversationIn, svc: Service = Depends(service)) -> dict[str, str]:
    if not svc.settings.seed_demo:
        raise HTTPException(404, "demo mode is off")
    if not body.account_id.startswith("demo-"):
        raise HTTPException(404, "only demo accounts can be used here")
    async with svc.db.transaction() as s:
        account = await repo.get_account(s, body.account_id, lock=True)
        if account is None:
            raise HTTPException(404, f"no demo account {body.account_id!r}")
        conv = await repo.create_conversation(s, account, identity_verified=False)
        await repo.audit(s, f"conv:{conv.id}", "conversation_created", {"account_id": account.id, "demo": True},
                         actor="demo", conversation_id=conv.id)
        conv_id = conv.id
    return {"conversation_id": conv_id,
            "borrower_token": issue_borrower_token(svc.keys, conv_id, svc.settings.borrower_token_ttl_s)}
