"""The contract between the turn pipeline and any mediator backend.

The pipeline hands a backend one ``TurnInput`` (the conversation so far, its state,
the account facts, the approved offers, the analysis of the latest borrower message
and a ``Toolbox``) and gets back an ``AgentReply``: a *draft* that the guardrail
will check, plus the state changes the backend's tools made. A backend never sends
anything itself and never touches storage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mediator.domain import AccountFacts, ConversationState, MessageAnalysis, Offer


@dataclass(frozen=True, slots=True)
class HistoryItem:
    role: str  # borrower | mediator | agent | system
    text: str


@dataclass(slots=True)
class TurnInput:
    conversation_id: str
    state: ConversationState
    account: AccountFacts
    borrower_name: str | None
    collector_name: str
    offers: tuple[Offer, ...]
    history: tuple[HistoryItem, ...]
    message: str
    analysis: MessageAnalysis
    toolbox: object
    """A ``mediator.agent.tools.Toolbox`` bound to this conversation (typed loosely here
    to keep this module free of the tools' imports)."""
    on_progress: Callable[[dict[str, Any]], Awaitable[None] | None] | None = None
    """Optional progress callback (``{"stage": "drafting", "chars": 120}``...). It never
    receives reply text: nothing reaches the borrower before the guard checked the whole
    reply."""


@dataclass(slots=True)
class AgentReply:
    text: str
    backend: str
    """``offline`` or ``openai:<model>``: shown in the UI and the API."""
    prompt_version: str = ""
    handover: bool = False
    """True when the backend decided a human must take over (crisis, attorney, failure)."""
    handover_reason: str | None = None
    tool_calls: list[dict[str, object]] = field(default_factory=list)
    """What the model asked the tools and what they answered: kept for audit."""
    events: list[str] = field(default_factory=list)
    """State-machine events (``identity_verified``, ``dispute_opened``...) for the audit log."""


class MediatorBackend(Protocol):
    name: str

    async def reply(self, turn: TurnInput) -> AgentReply:
        """Draft the next reply to the borrower. Must not raise for model failures:
        return a fallback with ``handover=True`` instead."""
        ...

    async def suggest(self, turn: TurnInput, n: int = 3) -> list[str]:
        """Draft replies for a human mediator to send, edit or discard."""
        ...

    async def summarize(self, turn: TurnInput) -> str:
        """A short running summary of the conversation for the agent-assist panel."""
        ...
