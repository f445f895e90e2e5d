"""Proactive messages (payment reminders, follow-ups after a promise to pay): pure logic.

Given the jurisdiction, the borrower's timezone, the current time, the proactive
contacts already sent and the conversation state, ``plan_proactive`` decides whether a
message may be sent and when: only inside the contact window in the borrower's local
time (``policies/lender/contact.yaml``: US 08:00-21:00 per FDCPA 805(a); CN not
22:00-08:00; UK 08:00-21:00 as a convention, the rules say only "reasonable"), within
the frequency caps, and never after a cease request, with a dispute open, with a
human handling the conversation, or to an unverified person. It returns the templated
text; the service schedules it and guard-checks it before sending. No I/O here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mediator.agent.compose import join_options, present_offers
from mediator.agent.prompts import PromptLibrary, get_prompts
from mediator.domain import AccountFacts, ConversationState, Offer
from mediator.plans import describe_offer, format_money
from mediator.policy import Policy, get_policy

Kind = Literal["reminder", "promise_followup"]
SEARCH_DAYS = 14


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """One proactive message already sent (timezone-aware)."""

    at: datetime
    kind: str = "reminder"


@dataclass(frozen=True, slots=True)
class ContactPolicy:
    start: time
    end: time
    per_day: int
    per_7_days: int
    min_gap: timedelta
    basis: str

    @classmethod
    def load(cls, jurisdiction: str, policy: Policy | None = None) -> ContactPolicy:
        doc = (policy or get_policy()).doc("lender/contact.yaml")
        w, c = doc["windows"][jurisdiction], doc["caps"][jurisdiction]
        return cls(
            start=time.fromisoformat(w["start"]), end=time.fromisoformat(w["end"]),
            per_day=int(c["per_day"]), per_7_days=int(c["per_7_days"]),
            min_gap=timedelta(hours=float(c["min_gap_hours"])), basis=str(w.get("basis", "")),
        )


@dataclass(frozen=True, slots=True)
class ProactiveDecision:
    allowed: bool
    """The message may be sent at ``send_at``; False means do not send at all."""
    reason: str
    kind: str
    send_at: datetime | None = None
    text: str | None = None

    def send_now(self, now: datetime) -> bool:
        return self.allowed and self.send_at is not None and self.send_at <= now


def blocked_reason(state: ConversationState, kind: Kind) -> str | None:
    """Why no proactive message may be sent in this state (None: nothing blocks it)."""
    checks = (
        (state.cease_requested, "the borrower asked us to stop contact"),
        (state.dispute_open, "a dispute is open: collection is paused"),
        (state.status != "active", f"conversation is {state.status}: a human decides"),
        (state.attorney_represented, "the borrower is represented: contact goes to the representative"),
        (state.bankruptcy, "bankruptcy or insolvency: collection is stopped"),
        (state.vulnerable, "vulnerable borrower: a human decides on contact"),
        (state.third_party or not state.identity_verified,
         "identity not verified: a reminder would disclose the debt"),
        (kind == "promise_followup" and not state.promise, "no promise to pay to follow up"),
    )
    return next((why for cond, why in checks if cond), None)


def _at_local(day: datetime, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), clock, tzinfo=tz)


def earliest_slot(now: datetime, tz: ZoneInfo, rules: ContactPolicy,
                  history: Sequence[ContactRecord]) -> datetime | None:
    """The earliest moment at or after ``now`` inside the window and within the caps."""
    sent = sorted(r.at for r in history)
    candidate = now.astimezone(tz)
    for _ in range(SEARCH_DAYS * 4):
        local = candidate.astimezone(tz)
        if local.timetz().replace(tzinfo=None) < rules.start:
            candidate = _at_local(local, rules.start, tz)
            continue
        if local.timetz().replace(tzinfo=None) >= rules.end:
            candidate = _at_local(local + timedelta(days=1), rules.start, tz)
            continue
        same_day = [t for t in sent if t.astimezone(tz).date() == local.date()]
        if len(same_day) >= rules.per_day:
            candidate = _at_local(local + timedelta(days=1), rules.start, tz)
            continue
        week = [t for t in sent if candidate - timedelta(days=7) < t <= candidate]
        if len(week) >= rules.per_7_days:
            candidate = (week[len(week) - rules.per_7_days] + timedelta(days=7)).astimezone(tz)
            continue
        if sent and candidate - sent[-1] < rules.min_gap and sent[-1] <= candidate:
            candidate = (sent[-1] + rules.min_gap).astimezone(tz)
            continue
        return candidate
    return None


def _text(kind: Kind, state: ConversationState, account: AccountFacts, offers: tuple[Offer, ...],
          collector_name: str, borrower_name: str | None, library: PromptLibrary) -> str:
    lang = state.language
    shown = [describe_offer(o, account.currency, lang) for o in present_offers(offers, "options")]
    promise = state.promise or {}
    f: dict[str, Any] = {
        "jurisdiction": state.jurisdiction, "collector": collector_name, "creditor": account.creditor or "",
        "borrower_name": borrower_name, "options_text": join_options(shown, lang),
        "promise_amount": format_money(Decimal(promise["amount"]), account.currency, lang) if promise else "",
        "promise_date": promise.get("date", ""),
    }
    return library.fragment(lang, "reminder" if kind == "reminder" else "followup", f=f)


def plan_proactive(
    kind: Kind,
    *,
    state: ConversationState,
    account: AccountFacts,
    offers: tuple[Offer, ...],
    borrower_tz: str,
    now: datetime,
    history: Sequence[ContactRecord] = (),
    collector_name: str,
    borrower_name: str | None = None,
    policy: Policy | None = None,
    library: PromptLibrary | None = None,
) -> ProactiveDecision:
    """Whether and when a proactive message may go out, and its text."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    reason = blocked_reason(state, kind)
    if reason:
        return ProactiveDecision(False, reason, kind)
    try:
        tz = ZoneInfo(borrower_tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ProactiveDecision(False, f"unknown timezone {borrower_tz!r}: local time unknown", kind)
    rules = ContactPolicy.load(state.jurisdiction, policy)
    slot = earliest_slot(now, tz, rules, history)
    if slot is None:
        return ProactiveDecision(False, f"no slot within {SEARCH_DAYS} days", kind)
    text = _text(kind, state, account, offers, collector_name, borrower_name, library or get_prompts())
    when = "now" if slot <= now else f"at {slot.isoformat()} (borrower-local)"
    return ProactiveDecision(True, f"inside the contact window and caps; send {when}", kind, slot, text)
