"""The conversation policy as a state machine, not prompt hope.

``apply`` folds the analysis of the latest borrower message into the
``ConversationState`` (cease, dispute, hardship, vulnerability, attorney, bankruptcy,
third party); ``decide`` reads the state and returns a ``Directive``: the one mode the
next reply must be in and what it may contain. Both backends obey the same directive,
so the offline mediator and the LLM mediator cannot diverge on what is allowed.

Precedence (first match wins), safest first:

1. a human has the conversation            -> muted (nothing automatic is sent)
2. crisis words in this message            -> crisis resources + hand-over
3. attorney / bankruptcy (now or earlier)  -> stop collection, route to staff (hand-over)
4. a third party writes                    -> disclose nothing
5. cease requested                         -> confirm and stop (later: only how to resume)
6. identity not verified                   -> verify first, disclose nothing
7. dispute open                            -> pause collection, explain validation
8. hardship                                -> options and forbearance (UK: free debt advice)
9. wants to pay                            -> the approved options
10. otherwise                              -> general help

Prompt injection never changes the mode; it only adds a polite refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from mediator.domain import ConversationState, MessageAnalysis
from mediator.textnorm import normalize

Mode = Literal[
    "muted", "crisis", "attorney", "bankruptcy", "third_party", "cease", "verify",
    "dispute", "hardship", "options", "general",
]

TEMPLATE_ONLY: frozenset[str] = frozenset(
    {"muted", "crisis", "attorney", "bankruptcy", "third_party", "cease"}
)
"""Modes answered from templates only: the model is never called for them."""

_RESUME = re.compile(r"\bresume\b|\bstart (?:again|contact)\b|恢复联系|恢复沟通")


_INTENT_FLAGS: dict[str, tuple[str, str]] = {
    # intent -> (ConversationState flag it sets, audit event when it is newly set)
    "CEASE_CONTACT": ("cease_requested", "cease_requested"),
    "DISPUTE": ("dispute_open", "dispute_opened"),
    "HARDSHIP": ("hardship", "hardship_noted"),
    "VULNERABILITY": ("vulnerable", "vulnerability_noted"),
    "ATTORNEY_REPRESENTED": ("attorney_represented", "attorney_noted"),
    "BANKRUPTCY": ("bankruptcy", "bankruptcy_noted"),
    "THIRD_PARTY": ("third_party", "third_party_noted"),
}


@dataclass(frozen=True, slots=True)
class Directive:
    """What the next reply must do and may contain."""

    mode: Mode
    first_reply: bool
    may_disclose_debt: bool
    """Identity verified and no third party writing: balance, creditor, offers may be named."""
    may_request_payment: bool
    """Collection is live: no cease, no dispute, no attorney, no bankruptcy, no crisis."""
    handover: bool = False
    handover_reason: str | None = None
    decline_injection: bool = False
    complaint_route: bool = False
    """The borrower mentioned a complaint: tell them how to complain (never discourage it)."""
    cease_confirmed_now: bool = False
    """The cease request arrived in this message (confirm it) rather than earlier."""
    resumed: bool = False
    events: tuple[str, ...] = ()

    @property
    def template_only(self) -> bool:
        return self.mode in TEMPLATE_ONLY


def wants_resume(message: str) -> bool:
    return bool(_RESUME.search(normalize(message).lower()))


def apply(state: ConversationState, analysis: MessageAnalysis, message: str = "") -> list[str]:
    """Fold the latest message's intents into ``state``; return audit events."""
    intents = set(analysis.intents)
    events: list[str] = []

    def flag(attr: str, event: str) -> None:
        if not getattr(state, attr):
            setattr(state, attr, True)
            events.append(event)

    if state.cease_requested and "CEASE_CONTACT" not in intents and wants_resume(message):
        state.cease_requested = False
        events.append("contact_resumed")
    for intent, (attr, event) in _INTENT_FLAGS.items():
        if intent in intents:
            flag(attr, event)
    if "THIRD_PARTY" in intents and state.identity_verified:
        # whoever writes now is not the verified borrower: nothing may be disclosed
        state.identity_verified = False
        events.append("verification_revoked")
    return events


def decide(state: ConversationState, analysis: MessageAnalysis, events: tuple[str, ...] = ()) -> Directive:
    """The directive for the next reply, from the (already updated) state."""
    intents = set(analysis.intents)
    verified = state.identity_verified and "THIRD_PARTY" not in intents
    live = not (state.cease_requested or state.dispute_open or state.attorney_represented or state.bankruptcy)
    base = {
        "first_reply": state.first_reply,
        "may_disclose_debt": verified,
        "may_request_payment": verified and live,
        "decline_injection": "PROMPT_INJECTION" in intents,
        "complaint_route": "COMPLAINT_THREAT" in intents,
        "events": events,
        "resumed": "contact_resumed" in events,
    }
    if state.status == "human":
        return Directive(mode="muted", **{**base, "may_request_payment": False})
    if "VULNERABILITY" in intents:
        return Directive(mode="crisis", handover=True, handover_reason="vulnerability",
                         **{**base, "may_request_payment": False})
    if state.attorney_represented:
        return Directive(mode="attorney", handover=True, handover_reason="attorney_represented", **base)
    if state.bankruptcy:
        return Directive(mode="bankruptcy", handover=True, handover_reason="bankruptcy", **base)
    if "THIRD_PARTY" in intents:
        return Directive(mode="third_party", **base)
    if state.cease_requested:
        return Directive(mode="cease", cease_confirmed_now="CEASE_CONTACT" in intents, **base)
    if not verified:
        return Directive(mode="verify", **base)
    if state.dispute_open:
        return Directive(mode="dispute", **base)
    # a borrower who explained their hardship before verifying should not have to say it again
    if "HARDSHIP" in intents or (state.hardship and "identity_verified" in events):
        return Directive(mode="hardship", **base)
    if "PAYMENT_INTENT" in intents:
        return Directive(mode="options", **base)
    return Directive(mode="general", **base)


def step(state: ConversationState, analysis: MessageAnalysis, message: str = "") -> Directive:
    """``apply`` then ``decide``: the one call a backend makes per turn."""
    events = apply(state, analysis, message)
    return decide(state, analysis, tuple(events))
