"""UNAUTHORIZED_OFFER and figure-based FALSE_REPRESENTATION.

Every figure in the reply is compared by value with the context, which is the whole truth:
money with the balance and the approved offers' totals, instalment amounts, partial sums and
savings; discount percentages with the approved settlements; instalment counts with the
approved plans; deferral days with the approved deferrals; days past due with the account.
An approximate figure ("about $207") is never approved. An unknown amount in a clause that
states what is owed misstates the debt (FALSE_REPRESENTATION); anywhere else it is an offer
nobody approved. Extra promises (credit-file removal, waived interest) come from
``policies/guard/offers.yaml`` phrase groups.
"""

from __future__ import annotations

import re
from decimal import Decimal

from mediator.domain import GuardContext
from mediator.guard import numbers
from mediator.guard.data import GuardData, Lex, compile_en, compile_zh
from mediator.guard.detectors.base import Finding, PhraseDetector
from mediator.guard.doc import Doc

_CENT = Decimal("0.005")


_PLAN_TERM = re.compile(
    r"\s*(?:(?:payment|repayment|instal+ment)\s+)?(?:plan|arrangement|term|agreement)\b", re.IGNORECASE
)
"""A length followed by "plan" ("the 6-month plan") names a plan's term, not a deferral."""
_DPD_GENERIC = re.compile(
    r"(?:\b(?:once|if|when|after|until|unless|where|before)\s+(?:a|an|the|any|their|his|her|its)?\s*"
    r"(?:debt|account|loan|balance|bill|card|borrower|customer|consumer|payment)s?\s+"
    r"(?:is|are|has been|have been|becomes?|gets?|goes|go|falls?|runs?|reach(?:es)?)\s+(?:\w+\s+)?"
    r"|\b(?:debts|accounts|loans|borrowers|customers|consumers|bills|anyone|any (?:debt|account|loan|bill))\s+"
    r"(?:(?:that|which|who) (?:are|is|have been|has been|go|goes|get|gets|become|becomes)\s+)?"
    r"(?:(?:over|more than|at least|beyond)\s+)?)$",
    re.IGNORECASE,
)
"""A days-past-due figure in a general statement ("once a debt is 60 days late", "accounts
more than 90 days overdue") describes a class of accounts, not this account."""
_DPD_LOWER = re.compile(r"(?:\b(?:over|more than|at least|beyond|exceeding|upwards of)\s*$)|超过|以上", re.IGNORECASE)
"""A lower bound ("over 30 days late", "逾期超过30天") is true whenever the account is past it."""


def _misstates_dpd(text: str, f: numbers.Figure, dpd: int) -> bool:
    """True when the figure claims a days-past-due that the account does not have."""
    before = text[max(0, f.start - 48) : f.start]
    if _DPD_GENERIC.search(before):
        return False
    shown = text[f.start : f.end + 2]
    if _DPD_LOWER.search(before) or _DPD_LOWER.search(shown):
        return dpd <= int(f.value)
    return int(f.value) != dpd


def known_amounts(ctx: GuardContext) -> set[Decimal]:
    """Every money value the context makes true: balance, offer terms, partial sums, savings."""
    values: set[Decimal] = set()
    balance = ctx.account.balance if ctx.account else None
    if balance is not None:
        values.add(balance)
    for o in ctx.approved_offers:
        if o.total is not None:
            values.add(o.total)
            if balance is not None:
                values.add(balance - o.total)
        if o.amount_each is not None:
            for k in range(1, (o.installments or 1) + 1):
                values.add(o.amount_each * k)
    return values


def plan_partial_sums(ctx: GuardContext) -> set[Decimal]:
    """Sums of two or more instalments short of a plan's total ("the first two payments, $820").

    They are true figures of a plan, but not a price that clears the account: said as the sum
    that settles the debt ("pay just 12,000 and it's settled") they are an offer nobody approved.
    """
    sums: set[Decimal] = set()
    for o in ctx.approved_offers:
        if o.amount_each is not None and o.installments:
            sums.update(o.amount_each * k for k in range(2, o.installments))
    return sums


def approved_discounts(ctx: GuardContext) -> set[Decimal]:
    out: set[Decimal] = set()
    balance = ctx.account.balance if ctx.account else None
    for o in ctx.approved_offers:
        if o.kind != "settlement":
            continue
        if o.discount_pct is not None:
            out.add(Decimal(o.discount_pct))
        if o.total is not None and balance:
            out.add(((balance - o.total) * 100 / balance).quantize(Decimal("0.01")))
    return out


def _matches(value: Decimal, allowed: set[Decimal]) -> bool:
    return any(abs(value - a) < _CENT for a in allowed)


class _Cues:
    """The clause-level wording cues of offers.yaml, compiled once."""

    def __init__(self, doc: dict) -> None:
        self.balance = Lex.of(doc.get("balance_words"))
        self.offer = Lex.of(doc.get("offer_words"))
        self.discount = Lex.of(doc.get("discount_words"))
        self.deferral = Lex.of(doc.get("deferral_words"))
        self.not_offer = Lex.of(doc.get("count_not_offer"))
        self.partial = Lex.of(doc.get("count_partial"))
        self.settles = Lex.of(doc.get("settle_words"))
        self.not_pct = Lex.of(doc.get("percent_not_offer"))
        approx = doc["approximations"]
        self.approx_before = Lex(compile_en([approx["en"], approx["symbols"]]), compile_zh(approx["zh"]))
        self.approx_after = Lex(compile_en(approx["en_after"]), compile_zh(approx["zh_after"]))

    def approximate(self, text: str, start: int, end: int) -> bool:
        return self.approx_before.search_str(text[max(0, start - 24) : start]) or self.approx_after.search_str(
            text[end : end + 20]
        )


class OffersDetector:
    name = "offers"

    def __init__(self, data: GuardData) -> None:
        doc = data.doc("offers")
        self.cues = _Cues(doc)
        self.rules = {str(k): str(v) for k, v in doc["rules"].items()}
        self.false_rules = {str(k): str(v) for k, v in doc["false_rules"].items()}
        self.promises = PhraseDetector(data, "offers", name="offers.promises")

    def _finding(self, ctx: GuardContext, code: str, f: numbers.Figure, detail: str, src: str) -> Finding:
        rules = self.rules if code == "UNAUTHORIZED_OFFER" else self.false_rules
        return Finding(code, rules.get(ctx.jurisdiction, ""), f.start, f.end, detail, f"{code}.{src}")

    def _offer_sentence(self, doc: Doc, f: numbers.Figure) -> bool:
        """A bare percentage ("I'll go to 35%") in a sentence that talks about an offer is one."""
        lo, hi = doc.sentence(f.start, f.end)
        return bool(self.cues.offer.search(doc, lo, hi) and not self.cues.not_pct.search(doc, lo, hi))

    def run(self, doc: Doc, ctx: GuardContext) -> list[Finding]:
        text, cues = doc.text, self.cues
        out: list[Finding] = []
        amounts = known_amounts(ctx)
        settle_prices = {o.total for o in ctx.approved_offers if o.total is not None}
        partial_sums = plan_partial_sums(ctx) - settle_prices - ({ctx.account.balance} if ctx.account else set())
        for f in numbers.money(text):
            lo, hi = doc.clause(f.start, f.end)
            shown = text[f.start : f.end]
            if f.approx or cues.approximate(text, f.start, f.end):
                out.append(self._finding(ctx, "UNAUTHORIZED_OFFER", f, f"approximate figure {shown!r}", "approx"))
            elif _matches(f.value, partial_sums) and cues.settles.search(doc, lo, hi):
                detail = f"{shown} is part of a plan, offered as the price that settles the account"
                out.append(self._finding(ctx, "UNAUTHORIZED_OFFER", f, detail, "settle_price"))
            elif not _matches(f.value, amounts):
                if cues.balance.search(doc, lo, hi) and not cues.offer.search(doc, lo, hi):
                    detail = f"states an amount owed ({shown}) that is not the account balance"
                    out.append(self._finding(ctx, "FALSE_REPRESENTATION", f, detail, "amount"))
                else:
                    detail = f"{shown} matches no approved offer or account figure"
                    out.append(self._finding(ctx, "UNAUTHORIZED_OFFER", f, detail, "amount"))
        discounts = approved_discounts(ctx)
        for f in numbers.percents(text):
            lo, hi = doc.clause(f.start, f.end)
            if f.kind == "pay_ratio":
                pct = 100 - f.value
            elif cues.discount.search(doc, lo, hi) or self._offer_sentence(doc, f):
                pct = f.value
            else:
                continue
            if not _matches(pct, discounts):
                shown = text[f.start : f.end]
                out.append(self._finding(ctx, "UNAUTHORIZED_OFFER", f, f"discount {shown} is not approved", "percent"))
        plans = {o.installments for o in ctx.approved_offers if o.kind == "installment" and o.installments}
        for f in numbers.counts(text):
            before = text[max(0, f.start - 20) : f.start]
            if cues.not_offer.search_str(before):
                continue
            n = int(f.value)
            partial = cues.partial.search_str(before)
            if n in plans or (partial and plans and n < max(plans)):
                continue
            lo, hi = doc.clause(f.start, f.end)
            if cues.deferral.search(doc, lo, hi):
                continue  # "hold payments for 3 months" is a deferral, checked below
            shown = text[f.start : f.end]
            out.append(
                self._finding(ctx, "UNAUTHORIZED_OFFER", f, f"{shown!r}: no approved plan has {n} payments", "count")
            )
        deferrals = {Decimal(o.days) for o in ctx.approved_offers if o.kind == "deferral" and o.days}
        for f in numbers.days(text) if cues.deferral.search(doc) else ():
            lo, hi = doc.clause(f.start, f.end)
            if not cues.deferral.search(doc, lo, hi) or _matches(f.value, deferrals) or _PLAN_TERM.match(text, f.end):
                continue
            shown = text[f.start : f.end]
            out.append(self._finding(ctx, "UNAUTHORIZED_OFFER", f, f"deferral of {shown} is not approved", "deferral"))
        dpd = ctx.account.days_past_due if ctx.account else None
        if dpd is not None:
            for f in numbers.days_past_due(text):
                if not _misstates_dpd(text, f, dpd):
                    continue
                shown = text[f.start : f.end]
                detail = f"says {shown!r}; the account is {dpd} days past due"
                out.append(self._finding(ctx, "FALSE_REPRESENTATION", f, detail, "days_past_due"))
        out.extend(self.promises.run(doc, ctx))
        return out
