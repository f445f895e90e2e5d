"""What both backends share: preparing a turn and writing template replies.

``prepare`` runs the state machine over the latest message, tries identity
verification from the borrower's own words, and returns the directive. ``Composer``
turns a directive into reply text from ``prompts/<language>/offline.j2``: the offline
mediator uses it for every reply, the LLM backend for the template-only modes
(crisis, attorney, bankruptcy, cease, third party) and for its fallback.
"""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from mediator.agent import machine
from mediator.agent.base import TurnInput
from mediator.agent.machine import Directive
from mediator.agent.prompts import PromptLibrary, get_prompts
from mediator.agent.tools import Toolbox, normalize_dob
from mediator.domain import GuardContext, Offer
from mediator.plans import describe_offer, format_money
from mediator.policy import Rule, get_policy
from mediator.retrieval import lookup_rules
from mediator.textnorm import normalize

VerifyOutcome = Literal["none", "partial", "verified", "failed", "locked"]

_DOB = re.compile(
    r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\b|\d{4}年\d{1,2}月\d{1,2}日?"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*,?\s+\d{4}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b",
    re.IGNORECASE,
)
_POSTCODE = {
    "US": re.compile(r"(?<!\d)\d{5}(?:-\d{4})?(?!\d)"),
    "UK": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE),
    "CN": re.compile(r"(?<!\d)\d{6}(?!\d)"),
}
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.IGNORECASE)
POSTCODE_WORD = {("US", "en"): "ZIP code", ("UK", "en"): "postcode", ("CN", "en"): "postcode"}


def extract_identity(text: str, jurisdiction: str) -> tuple[str | None, str | None]:
    """A date of birth (ISO) and a postcode found in the borrower's message, if any."""
    norm = normalize(text)
    dob: str | None = None
    rest = norm
    m = _DOB.search(norm)
    if m:
        raw = _ORDINAL.sub(r"\1", m.group(0)).replace(",", "")
        dob = normalize_dob(re.sub(r"\s+of\s+", " ", raw, flags=re.IGNORECASE), jurisdiction)
        rest = norm[: m.start()] + " " + norm[m.end():]
    pm = _POSTCODE.get(jurisdiction, _POSTCODE["US"]).search(rest)
    return dob, (pm.group(0) if pm else None)


@dataclass(frozen=True, slots=True)
class Prepared:
    directive: Directive
    verify: VerifyOutcome = "none"
    missing: str | None = None


def prepare(turn: TurnInput) -> Prepared:
    """Apply the message to the state, verify from the text when possible, decide."""
    state, toolbox = turn.state, turn.toolbox
    assert isinstance(toolbox, Toolbox)
    events = machine.apply(state, turn.analysis, turn.message)
    outcome: VerifyOutcome = "none"
    missing: str | None = None
    may_verify = "THIRD_PARTY" not in turn.analysis.intents and state.status == "active"
    if not state.identity_verified and may_verify:
        dob, postcode = extract_identity(turn.message, state.jurisdiction)
        if dob and postcode:
            result = toolbox.verify_identity(dob, postcode)
            if result.get("verified"):
                outcome = "verified"
            elif state.verification_attempts >= toolbox.max_attempts:
                outcome = "locked"
            else:
                outcome = "failed"
        elif dob or postcode:
            outcome, missing = "partial", ("postcode" if dob else "date_of_birth")
        elif state.verification_attempts >= toolbox.max_attempts:
            outcome = "locked"
    directive = machine.decide(state, turn.analysis, (*events, *toolbox.events))
    return Prepared(directive, outcome, missing)


@dataclass(frozen=True, slots=True)
class CitationTopic:
    query: str
    must_contain: tuple[str, ...]
    jurisdictions: tuple[str, ...]


CITATION_TOPICS: dict[str, CitationTopic] = {
    # only rules whose own summary says what the template states, in the jurisdictions
    # where the development conventions confirm the paraphrase
    "dispute": CitationTopic("dispute verification validation cease collection",
                             ("dispute", "verification"), ("US",)),
    "hardship": CitationTopic("forbearance due consideration financial difficulty arrears",
                              ("forbearance", "due consideration"), ("UK",)),
}


def citation_for(topic: str, jurisdiction: str) -> Rule | None:
    """The rule a template may cite for ``topic``, or None when none is safe to cite."""
    spec = CITATION_TOPICS.get(topic)
    if spec is None or jurisdiction not in spec.jurisdictions:
        return None
    for rule in lookup_rules(spec.query, jurisdiction, k=3):
        text = rule.summary.lower()
        if rule.confidence != "unconfirmed" and all(w in text for w in spec.must_contain):
            return rule
    return None


def _support(section: str, jurisdiction: str, language: str) -> str:
    try:
        return str(get_policy().doc("lender/contact.yaml")["support"][section][jurisdiction][language])
    except (KeyError, TypeError):
        return ""


def join_options(items: list[str], language: str) -> str:
    if language == "zh":
        return "；".join(items[:-1]) + ("；或" if len(items) > 1 else "") + items[-1] if items else ""
    if len(items) <= 1:
        return "".join(items)
    return "; ".join(items[:-1]) + "; or " + items[-1]


def present_offers(offers: tuple[Offer, ...], mode: str) -> list[Offer]:
    """The offers a reply names: at most two instalment plans (shortest and longest).

    In hardship the gentlest come first (a pause, then the smallest instalment) and no
    lump-sum settlement is pushed.
    """
    inst = [o for o in offers if o.kind == "installment"]
    picked = inst if len(inst) <= 2 else [inst[0], inst[-1]]
    settle = [o for o in offers if o.kind == "settlement"]
    defer = [o for o in offers if o.kind == "deferral"]
    if mode == "hardship":
        return defer + picked[::-1]
    return picked + settle + defer


def shadow(turn: TurnInput) -> TurnInput:
    """A copy of ``turn`` whose state and toolbox are private: for suggestions and
    summaries, which read the conversation but must not change it."""
    copy_turn = copy(turn)
    copy_turn.state = copy(turn.state)
    tb = turn.toolbox
    if isinstance(tb, Toolbox):
        copy_turn.toolbox = Toolbox(copy_turn.state, tb.account, tb.offers, tb.jurisdiction, tb.language,
                                    lambda _facts: False, max_attempts=tb.max_attempts, policy=tb.policy)
    return copy_turn


def guard_context(turn: TurnInput, directive: Directive) -> GuardContext:
    s = turn.state
    return GuardContext(
        jurisdiction=s.jurisdiction, language=s.language, identity_verified=directive.may_disclose_debt,
        cease_requested=s.cease_requested, dispute_open=s.dispute_open, first_reply=directive.first_reply,
        account=turn.account if directive.may_disclose_debt else None,
        approved_offers=turn.offers if directive.may_disclose_debt else (),
        borrower_name=turn.borrower_name, collector_name=turn.collector_name,
    )


def _guard_engine() -> Any | None:
    try:
        from mediator.guard import get_engine  # type: ignore[attr-defined]

        return get_engine()
    except Exception:  # the guard package may not be importable in isolation
        return None


class Composer:
    """Writes template replies for one turn in its language."""

    def __init__(self, library: PromptLibrary | None = None) -> None:
        self.library = library or get_prompts()

    def facts(self, turn: TurnInput, prepared: Prepared) -> dict[str, Any]:
        d, s, a = prepared.directive, turn.state, turn.account
        lang, jur = s.language, s.jurisdiction
        may = d.may_disclose_debt
        shown = present_offers(turn.offers, d.mode) if may and d.may_request_payment else []
        described = [describe_offer(o, a.currency, lang) for o in shown]
        rule = citation_for(d.mode, jur) if may else None
        promise = s.promise or {}
        toolbox = turn.toolbox
        left = toolbox.max_attempts - s.verification_attempts if isinstance(toolbox, Toolbox) else 0
        return {
            "jurisdiction": jur,
            "collector": turn.collector_name,
            "creditor": a.creditor if may else None,
            "borrower_name": turn.borrower_name,
            "balance": format_money(a.balance, a.currency, lang) if may and a.balance is not None else None,
            "options": described,
            "options_text": join_options(described, lang),
            "advice": _support("debt_advice", jur, lang) if d.mode == "hardship" else "",
            "complaints": _support("complaints", jur, lang),
            "crisis": _support("crisis", jur, lang),
            "citation": {"id": rule.id, "citation": rule.citation.split(";")[0].strip()} if rule else None,
            "attempts_left": max(left, 0),
            "missing": prepared.missing,
            "postcode_word": POSTCODE_WORD.get((jur, lang), "邮政编码"),
            "may_disclose": may,
            "cease_now": d.cease_confirmed_now,
            "cease": "CEASE_CONTACT" in turn.analysis.intents,
            "resumed": d.resumed,
            "verified_now": prepared.verify == "verified",
            "promise_amount": format_money(Decimal(promise["amount"]), a.currency, lang) if promise else "",
            "promise_date": promise.get("date", ""),
        }

    def disclosure(self, turn: TurnInput, directive: Directive, f: dict[str, Any]) -> str:
        engine = _guard_engine()
        if engine is not None:
            try:
                return str(engine.disclosure(guard_context(turn, directive)))
            except Exception:
                pass
        return self.library.fragment(turn.state.language, "disclosure", f=f)

    def fallback(self, turn: TurnInput, directive: Directive) -> str:
        engine = _guard_engine()
        if engine is not None:
            try:
                # the disclosure, when due, is added by ``compose``: ask for the bare fallback
                ctx = guard_context(turn, directive).model_copy(update={"first_reply": False})
                return str(engine.fallback(ctx))
            except Exception:
                pass
        return self.library.fragment(turn.state.language, "fallback", f={})

    def body(self, prepared: Prepared, f: dict[str, Any], language: str) -> str:
        d = prepared.directive
        frag = self.library.fragment
        if d.mode == "verify":
            name = {"failed": "verify_failed", "locked": "verify_locked"}.get(prepared.verify, "verify_ask")
            return frag(language, name, f=f)
        text = frag(language, d.mode, f=f)
        if prepared.verify == "verified" and d.mode in ("dispute", "hardship", "options", "general"):
            text = frag(language, "verified", f=f) + " " + text
        return text

    def compose(self, turn: TurnInput, prepared: Prepared, body: str | None = None) -> str:
        """The whole reply: disclosure (first reply), refusal of an injection, body, complaint route.

        ``body`` replaces the template body (the LLM backend passes the model's text).
        """
        d = prepared.directive
        if d.mode == "muted":
            return ""
        language = turn.state.language
        f = self.facts(turn, prepared)
        parts: list[str] = []
        if d.first_reply:
            parts.append(self.disclosure(turn, d, f))
        if d.decline_injection and d.mode != "crisis" and body is None:
            parts.append(self.library.fragment(language, "injection", f=f))
        parts.append(body if body is not None else self.body(prepared, f, language))
        if d.complaint_route and d.mode not in ("crisis", "third_party") and body is None:
            parts.append(self.library.fragment(language, "complaint", f=f))
        return "\n\n".join(p.strip() for p in parts if p and p.strip())

    def instruction(self, language: str, mode: str) -> str:
        return self.library.fragment(language, "for_mode", template="instructions", mode=mode)
