"""The lender's integration calls (X-API-Key): accounts, conversations, transcripts, export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from mediator.api.deps import require_integration, service
from mediator.api.schemas import AccountIn, ConversationIn
from mediator.errors import NotFound
from mediator.plans import approved_offers
from mediator.security import hash_facts, issue_borrower_token
from mediator.service import Service
from mediator.store import repo
from mediator.views import account_view, offer_view

router = APIRouter(prefix="/v1", tags=["integration"], dependencies=[Depends(require_integration)])


@router.put("/accounts/{account_id}", status_code=200, summary="Create or replace a borrower account")
async def put_account(account_id: str, body: AccountIn, response: Response,
                      svc: Service = Depends(service)) -> dict[str, Any]:
    if not (1 <= len(account_id) <= 128):
        raise NotFound("account ids are 1-128 characters")
    fields = body.model_dump(exclude={"verification"})
    fields["verification"] = hash_facts(svc.keys, body.verification)
    async with svc.db.transaction() as s:
        account, created = await repo.upsert_account(s, account_id, fields)
        await repo.audit(s, f"account:{account_id}", "account_created" if created else "account_replaced",
                         {"fields": sorted(fields), "verification_facts": sorted(body.verification)},
                         actor="integration")
        view = account_view(account)
    offers = approved_offers(repo.account_facts(account), account.jurisdiction)
    view["approved_offers"] = [offer_view(o) for o in offers]
    response.status_code = 201 if created else 200
    return view


@router.post("/conversations", status_code=201, summary="Start a conversation for an account")
async def create_conversation(body: ConversationIn, svc: Service = Depends(service)) -> dict[str, str]:
    async with svc.db.transaction() as s:
        account = await repo.get_account(s, body.account_id, lock=True)
        if account is None or account.erased_at is not None:
            raise NotFound(f"no account {body.account_id!r}: PUT /v1/accounts/{{id}} first")
        conv = await repo.create_conversation(s, account, body.identity_verified)
        await repo.audit(s, f"conv:{conv.id}", "conversation_created",
                         {"account_id": account.id, "identity_verified": body.identity_verified},
                         actor="integration", conversation_id=conv.id)
        conv_id = conv.id
    token = issue_borrower_token(svc.keys, conv_id, svc.settings.borrower_token_ttl_s)
    return {"conversation_id": conv_id, "borrower_token": token}


@router.get("/accounts/{account_id}/export", summary="Everything stored about an account (data-subject export)")
async def export(account_id: str, svc: Service = Depends(service)) -> dict[str, Any]:
    from mediator.privacy import export_account

    return await export_account(svc, account_id)


@router.delete("/accounts/{account_id}", summary="Erase an account's personal data; the audit chain stays intact")
async def erase(account_id: str, svc: Service = Depends(service)) -> dict[str, Any]:
    from mediator.privacy import erase_account

    return await erase_account(svc, account_id, actor="integration")
