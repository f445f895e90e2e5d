"""The deterministic tools a mediator backend (or the model) may call.

Each method is plain code over the conversation's state, account facts and approved
offers; the model only chooses *which* tool to call. Tools mutate the
``ConversationState`` in memory and append audit events; the service persists both.
``dispatch`` is the model-facing door: it validates the name and the JSON arguments
against the same specs it publishes as OpenAI tool schemas, and answers an error
result instead of raising, so a malformed call can be reported back to the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mediator.domain import AccountFacts, ConversationState, Offer
from mediator.plans import CENT, describe_offer, format_money, offer_figures
from mediator.policy import Policy, get_policy
from mediator.retrieval import lookup_rules

Verifier = Callable[[dict[str, str]], bool]
DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    params: dict[str, str] = field(default_factory=dict)
    """Parameter name -> description; every parameter is a required string."""

    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {k: {"type": "string", "description": v} for k, v in self.params.items()},
                    "required": list(self.params),
                    "additionalProperties": False,
                },
            },
        }


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec("account_summary", "The verified borrower's creditor, balance and days past due."),
    ToolSpec("repayment_options", "The approved repayment offers with exact figures, written out."),
    ToolSpec("lookup_rules", "Find the policy rules that apply to a topic; quote only what they say.",
             {"query": "a few keywords, e.g. 'dispute validation'"}),
    ToolSpec("verify_identity", "Check the borrower's identity against the account's verification facts.",
             {"date_of_birth": "as the borrower wrote it", "postcode": "ZIP code or postcode"}),
    ToolSpec("open_dispute", "Record that the borrower disputes the debt; collection pauses.",
             {"reason": "the borrower's reason in a few words"}),
    ToolSpec("record_cease_request", "Record that the borrower asked us to stop contacting them."),
    ToolSpec("record_promise_to_pay", "Record a promise to pay one of the approved amounts on a date.",
             {"amount": "decimal amount, e.g. 206.75", "date": "YYYY-MM-DD"}),
    ToolSpec("handover", "Hand the conversation to a human mediator.", {"reason": "why, in a few words"}),
)
_SPECS_BY_NAME = {s.name: s for s in SPECS}

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), ("a", "b", "y")),
)
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def normalize_dob(text: str, jurisdiction: str = "US") -> str | None:
    """A date of birth as ISO ``YYYY-MM-DD``; ``dd/mm/yyyy`` outside the US, ``mm/dd/yyyy`` in it.

    The service's verifier should compare against the stored fact normalised the same way.
    """
    raw = text.strip().replace(" ", "")
    for pattern, order in _DATE_PATTERNS:
        m = pattern.match(raw)
        if not m:
            continue
        parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
        if "a" in parts:
            month, day = (parts["a"], parts["b"]) if jurisdiction == "US" else (parts["b"], parts["a"])
        else:
            month, day = parts["m"], parts["d"]
        try:
            return date(parts["y"], month, day).isoformat()
        except ValueError:
            return None
    m = re.match(r"^(\d{1,2})([a-z]+)(\d{4})$|^([a-z]+)(\d{1,2}),?(\d{4})$", raw.lower())
    if m:
        groups = m.groups()
        day, mon, year = groups[0:3] if groups[0] else (groups[4], groups[3], groups[5])
        month = _MONTHS.get(mon[:3])
        if month:
            try:
                return date(int(year), month, int(day)).isoformat()
            except ValueError:
                return None
    return None


def normalize_postcode(text: str) -> str:
    """Upper case, no spaces: ``sw1a 1aa`` -> ``SW1A1AA``, ``10001`` stays."""
    return re.sub(r"\s+", "", text).upper()


def _money(text: str) -> Decimal | None:
    cleaned = re.sub(r"[^\d.]", "", text.replace(",", ""))
    try:
        return Decimal(cleaned).quantize(CENT) if cleaned else None
    except InvalidOperation:
        return None


class Toolbox:
    """The tools of one conversation turn, bound to its state, account and offers."""

    def __init__(
        self,
        state: ConversationState,
        account: AccountFacts,
        offers: tuple[Offer, ...],
        jurisdiction: str,
        language: str,
        verifier: Verifier,
        *,
        max_attempts: int | None = None,
        policy: Policy | None = None,
        today: date | None = None,
    ) -> None:
        self.state = state
        self.account = account
        self.offers = tuple(offers)
        self.jurisdiction = jurisdiction
        self.language = language
        self.verifier = verifier
        self.policy = policy
        self.today = today
        self.max_attempts = max_attempts or self._policy_attempts()
        self.events: list[str] = []
        self.audit: list[dict[str, Any]] = []

    def _policy_attempts(self) -> int:
        try:
            doc = (self.policy or get_policy()).doc("lender/contact.yaml")
            return int(doc["verification"]["max_attempts"])
        except Exception:
            return DEFAULT_MAX_ATTEMPTS

    # -- helpers -------------------------------------------------------------
    def _event(self, name: str, **data: Any) -> None:
        self.events.append(name)
        self.audit.append({"event": name, **data})

    def _refuse_unverified(self) -> dict[str, Any] | None:
        if not self.state.identity_verified or self.state.third_party:
            return {"ok": False, "error": "identity not verified: disclose nothing about the account"}
        return None

    @property
    def collection_paused(self) -> bool:
        s = self.state
        return s.cease_requested or s.dispute_open or s.attorney_represented or s.bankruptcy

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.account.currency, self.language)

    # -- tools ---------------------------------------------------------------
    def account_summary(self) -> dict[str, Any]:
        if (refusal := self._refuse_unverified()) is not None:
            return refusal
        a = self.account
        return {
            "ok": True,
            "creditor": a.creditor,
            "balance": self.money(a.balance) if a.balance is not None else None,
            "days_past_due": a.days_past_due,
            "dispute_open": self.state.dispute_open,
            "collection_paused": self.collection_paused,
        }

    def repayment_options(self) -> dict[str, Any]:
        if (refusal := self._refuse_unverified()) is not None:
            return refusal
        if self.collection_paused:
            return {"ok": False, "error": "collection is paused (dispute, cease, attorney or bankruptcy): "
                                          "do not discuss payment"}
        return {
            "ok": True,
            "options": [describe_offer(o, self.account.currency, self.language) for o in self.offers],
            "note": "Quote these figures exactly; no other amount, discount or date is approved.",
        }

    def lookup_rules(self, query: str) -> dict[str, Any]:
        rules = lookup_rules(query, self.jurisdiction, k=3, policy=self.policy)
        return {
            "ok": True,
            "rules": [
                {"id": r.id, "citation": r.citation, "title": r.title,
                 "summary": (r.summary_zh or r.summary) if self.language == "zh" else r.summary,
                 "confidence": r.confidence}
                for r in rules
            ],
        }

    def verify_identity(self, date_of_birth: str, postcode: str) -> dict[str, Any]:
        if self.state.identity_verified and not self.state.third_party:
            return {"ok": True, "verified": True}
        if self.state.verification_attempts >= self.max_attempts:
            return {"ok": False, "verified": False, "error": "attempts exhausted: hand over to a human"}
        dob = normalize_dob(date_of_birth, self.jurisdiction)
        facts = {"date_of_birth": dob or date_of_birth.strip(), "postcode": normalize_postcode(postcode)}
        self.state.verification_attempts += 1
        try:
            ok = bool(self.verifier(facts))
        except Exception:
            ok = False
        if ok:
            self.state.identity_verified = True
            self.state.third_party = False
            self._event("identity_verified")
            return {"ok": True, "verified": True}
        left = max(self.max_attempts - self.state.verification_attempts, 0)
        self._event("verification_failed", attempts_left=left)
        if left == 0:
            self.handover("verification attempts exhausted")
        return {"ok": True, "verified": False, "attempts_left": left}

    def open_dispute(self, reason: str) -> dict[str, Any]:
        if not self.state.dispute_open:
            self.state.dispute_open = True
            self._event("dispute_opened", reason=reason[:200])
        return {"ok": True, "dispute_open": True, "note": "Collection is paused until the debt is verified."}

    def record_cease_request(self) -> dict[str, Any]:
        if not self.state.cease_requested:
            self.state.cease_requested = True
            self._event("cease_requested")
        return {"ok": True, "cease_requested": True, "note": "Confirm and stop; do not ask for payment."}

    def record_promise_to_pay(self, amount: str, date: str) -> dict[str, Any]:
        if (refusal := self._refuse_unverified()) is not None:
            return refusal
        if self.collection_paused:
            return {"ok": False, "error": "collection is paused: no promise can be recorded"}
        value = _money(amount)
        if value is None or value not in offer_figures(self.offers):
            return {"ok": False, "error": "the amount is not one of the approved offer figures"}
        try:
            when = datetime.strptime(date.strip(), "%Y-%m-%d").date()
        except ValueError:
            return {"ok": False, "error": "date must be YYYY-MM-DD"}
        if self.today is not None and when < self.today:
            return {"ok": False, "error": "the date is in the past"}
        self.state.promise = {"amount": str(value), "date": when.isoformat()}
        self._event("promise_recorded", amount=str(value), date=when.isoformat())
        return {"ok": True, "amount": self.money(value), "date": when.isoformat()}

    def handover(self, reason: str) -> dict[str, Any]:
        self.state.handover_reason = reason[:200] or "requested"
        if self.state.status == "active":
            self.state.status = "escalated"
        self._event("handover", reason=self.state.handover_reason)
        return {"ok": True, "handover": True}

    # -- the model-facing door ----------------------------------------------
    def schemas(self) -> list[dict[str, Any]]:
        return [s.schema() for s in SPECS]

    def dispatch(self, name: str, arguments_json: str | None) -> dict[str, Any]:
        """Run a tool by name with JSON arguments; never raises."""
        spec = _SPECS_BY_NAME.get(name)
        if spec is None:
            result: dict[str, Any] = {"ok": False, "error": f"unknown tool {name!r}"}
        else:
            result = self._call(spec, arguments_json)
        self.audit.append({"tool": name, "arguments": (arguments_json or "")[:500], "result": result})
        return result

    def _call(self, spec: ToolSpec, arguments_json: str | None) -> dict[str, Any]:
        try:
            args = json.loads(arguments_json) if arguments_json and arguments_json.strip() else {}
        except json.JSONDecodeError as exc:
            return {"ok": False, "error": f"arguments are not valid JSON: {exc.msg}"}
        if not isinstance(args, dict):
            return {"ok": False, "error": "arguments must be a JSON object"}
        unknown = set(args) - set(spec.params)
        missing = [p for p in spec.params if p not in args]
        if unknown or missing:
            return {"ok": False, "error": f"bad arguments: missing {missing}, unexpected {sorted(unknown)}"}
        if any(not isinstance(v, str | int | float) or isinstance(v, bool) for v in args.values()):
            return {"ok": False, "error": "every argument must be a string"}
        try:
            return getattr(self, spec.name)(**{k: str(v) for k, v in args.items()})
        except Exception as exc:  # a tool bug must not break the turn
            return {"ok": False, "error": f"tool failed: {type(exc).__name__}"}
