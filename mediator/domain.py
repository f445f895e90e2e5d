"""Plain domain types shared by the guard, the analyser, the agent and the service.

These are the only types that cross package boundaries. They carry no I/O, so the
pure packages (``guard``, ``analysis``, ``plans``) can be used and tested without a
server, and the service can persist them without knowing how they were computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Jurisdiction = Literal["US", "UK", "CN"]
Language = Literal["en", "zh"]
Action = Literal["pass", "repair", "block"]
Author = Literal["model", "assist", "human", "system"]
"""Who wrote an outgoing text: the LLM mediator, an agent-assist suggestion, a human
mediator, or a service template (fallbacks, reminders, notices)."""

VIOLATION_CODES: tuple[str, ...] = (
    "THREAT",
    "ABUSIVE_LANGUAGE",
    "FALSE_REPRESENTATION",
    "THIRD_PARTY_DISCLOSURE",
    "UNAUTHORIZED_OFFER",
    "UNVERIFIED_CITATION",
    "PII_LEAK",
    "CEASE_VIOLATION",
    "UNFAIR_PRESSURE",
    "DISPUTE_IGNORED",
    "MISSING_DISCLOSURE",
    "SYSTEM_LEAK",
)

INTENT_CODES: tuple[str, ...] = (
    "DISPUTE",
    "CEASE_CONTACT",
    "HARDSHIP",
    "VULNERABILITY",
    "BANKRUPTCY",
    "ATTORNEY_REPRESENTED",
    "COMPLAINT_THREAT",
    "PAYMENT_INTENT",
    "THIRD_PARTY",
    "PROMPT_INJECTION",
)


class _Lenient(BaseModel):
    """Contract inputs may carry extra keys (``gold`` in the datasets): ignore them."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Offer(_Lenient):
    """One approved repayment offer, as computed by the plan engine or pushed in a context."""

    kind: Literal["installment", "settlement", "deferral"]
    installments: int | None = Field(default=None, ge=1, le=600)
    amount_each: Decimal | None = None
    total: Decimal | None = None
    discount_pct: Decimal | None = None
    days: int | None = Field(default=None, ge=1, le=3650)


class AccountFacts(_Lenient):
    """The debt facts a reply may state once the borrower is verified."""

    creditor: str | None = None
    balance: Decimal | None = None
    currency: str | None = None
    days_past_due: int | None = None


class GuardContext(_Lenient):
    """Everything the guardrail needs to judge one outgoing text.

    Every field has the contract's safe default: not verified, no offers, not the
    first reply, no cease request, no dispute.
    """

    jurisdiction: Jurisdiction = "US"
    language: Language = "en"
    identity_verified: bool = False
    cease_requested: bool = False
    dispute_open: bool = False
    first_reply: bool = False
    account: AccountFacts | None = None
    approved_offers: tuple[Offer, ...] = ()
    borrower_name: str | None = None
    collector_name: str | None = None


@dataclass(frozen=True, slots=True)
class Violation:
    """One finding: the contract code, the policy rule id, the span in the checked text."""

    code: str
    rule: str
    span: tuple[int, int]
    detail: str
    repairable: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "rule": self.rule, "span": list(self.span), "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guardrail's decision about one outgoing text.

    ``text`` is what would actually be sent: the original (pass), the repaired text
    (repair) or the policy fallback (block). ``violations`` always lists what was found
    in the *original* draft, so an auditor sees why a repair or block happened.
    """

    action: Action
    violations: tuple[Violation, ...]
    text: str
    original: str
    policy_version: str
    rules_fired: tuple[str, ...] = ()
    timings_us: dict[str, float] = field(default_factory=dict)
    explanation: str = ""
    """Plain-words reason for a human mediator when their own text is refused."""
    alternative: str | None = None
    """A compliant alternative offered to a human mediator whose text was refused."""

    @property
    def allowed(self) -> bool:
        return self.action == "pass"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.code for v in self.violations))

    def as_dict(self) -> dict[str, object]:
        return {
            "action": self.action,
            "allowed": self.allowed,
            "violations": [v.as_dict() for v in self.violations],
            "text": self.text,
            "original": self.original,
            "policy_version": self.policy_version,
            "rules_fired": list(self.rules_fired),
            "timings_us": self.timings_us,
            "explanation": self.explanation,
            "alternative": self.alternative,
        }


@dataclass(frozen=True, slots=True)
class MessageAnalysis:
    """What the analyser reads in one borrower message."""

    intents: tuple[str, ...]
    complaint_risk: float
    language: Language
    reasons: tuple[str, ...] = ()
    """Top contributing reasons for the risk, in plain words, for supervisors."""
    signals: dict[str, float] = field(default_factory=dict)
    """Named features (anger, grievance, harassment accusation...) that fed the risk."""


ConversationStatus = Literal["active", "escalated", "human", "closed"]


@dataclass(slots=True)
class ConversationState:
    """The mutable facts of one conversation that the policy state machine reads and sets.

    The service loads it from storage before a turn and persists it afterwards; the
    agent's tools mutate it in memory, so the agent stays free of I/O.
    """

    jurisdiction: Jurisdiction
    language: Language
    status: ConversationStatus = "active"
    identity_verified: bool = False
    cease_requested: bool = False
    dispute_open: bool = False
    hardship: bool = False
    vulnerable: bool = False
    attorney_represented: bool = False
    bankruptcy: bool = False
    third_party: bool = False
    replies_sent: int = 0
    verification_attempts: int = 0
    promise: dict[str, str] | None = None
    handover_reason: str | None = None

    @property
    def first_reply(self) -> bool:
        return self.replies_sent == 0
