"""The borrower's calls: send and read messages, follow the conversation live."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request

from mediator.api.deps import ConversationAccess, borrower_only, borrower_or_integration, service
from mediator.api.schemas import MessageIn
from mediator.api.sse import conversation_stream
from mediator.errors import NotFound
from mediator.handoff import human_help
from mediator.service import Service
from mediator.store import repo
from mediator.turns import borrower_turn, guard_context
from mediator.views import borrower_message

router = APIRouter(prefix="/v1/conversations", tags=["borrower"])


@router.post("/{conversation_id}/messages", status_code=201, summary="Send a borrower message; get the reply")
async def post_message(
    conversation_id: str,
    body: MessageIn,
    access: ConversationAccess = Depends(borrower_only),
    idempotency_key: str | None = Header(default=None, max_length=128),
    svc: Service = Depends(service),
) -> dict[str, Any]:
    return await borrower_turn(svc, conversation_id, body.text, idempotency_key or None)


@router.get("/{conversation_id}/messages", summary="What the borrower was shown, oldest first")
async def get_messages(
    conversation_id: str,
    after: int = Query(default=0, ge=0),
    limit: int = Query(default=200, ge=1, le=500),
    access: ConversationAccess = Depends(borrower_or_integration),
    svc: Service = Depends(service),
) -> dict[str, Any]:
    async with svc.db.reader() as s:
        if await repo.get_conversation(s, conversation_id) is None:
            raise NotFound("conversation not found")
        rows = await repo.list_messages(s, conversation_id, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"messages": [borrower_message(m) for m in rows], "next_after": rows[-1].seq if more else None}


@router.get("/{conversation_id}", summary="Conversation status and what the widget must show")
async def get_conversation(conversation_id: str, access: ConversationAccess = Depends(borrower_only),
                           svc: Service = Depends(service)) -> dict[str, Any]:
    from mediator.plans import approved_offers

    async with svc.db.reader() as s:
        conv, account = await repo.conversation_and_account(s, conversation_id)
        state = repo.load_state(conv, account)
    ctx = guard_context(state, account, approved_offers(repo.account_facts(account), account.jurisdiction),
                        svc.settings.collector_name)
    return {
        "conversation_id": conversation_id,
        "status": conv.status,
        "language": account.language,
        "jurisdiction": account.jurisdiction,
        "mediator": "human" if conv.status == "human" else svc.backend.name,
        "automated": conv.status != "human",
        "disclosure": svc.guard.disclosure(ctx),
        "human_help": human_help(account.language),
    }


@router.get("/{conversation_id}/events", summary="Live events (server-sent events)")
async def events(
    request: Request,
    conversation_id: str,
    after: int = Query(default=0, ge=0),
    last_event_id: str | None = Header(default=None, description="resume after this message seq"),
    access: ConversationAccess = Depends(borrower_only),
    svc: Service = Depends(service),
) -> Any:
    return await conversation_stream(request, svc, conversation_id, after, staff=False)
