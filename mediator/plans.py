"""The plan engine: the lender's approved repayment offers for one account.

Every figure the mediator may state about a repayment plan comes from here, computed
with ``Decimal`` from ``policies/lender/offers.yaml``; the guardrail accepts no other
figure. The engine is pure (policy data and account facts in, offers out).

Rounding (documented in the YAML as well):

* instalments, remainder ``waive``: ``amount_each`` is ``balance / n`` rounded *down* to
  the cent and ``total = amount_each * n`` exactly; the borrower is never asked for more
  than the balance, the lender waives the remainder (fewer than ``n`` cents).
* instalments, remainder ``exact``: a count is offered only when it divides the balance
  to the cent, so ``total == balance``.
* settlement: ``balance * (100 - pct) / 100`` rounded down to the cent.

``format_money`` is the single way a figure is written in any template, so the text the
guardrail reads carries exactly the approved amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from typing import Any

from mediator.domain import AccountFacts, Offer
from mediator.policy import Policy, PolicyError, get_policy

CENT = Decimal("0.01")
OFFERS_DOC = "lender/offers.yaml"

_PREFIX = {"USD": "$", "GBP": "£", "EUR": "€", "CNY": "¥"}
_ZH_SUFFIX = {"CNY": "元", "USD": "美元", "GBP": "英镑", "EUR": "欧元"}


@dataclass(frozen=True, slots=True)
class _Band:
    min_days: int
    max_days: int | None
    discount_pct: Decimal

    def covers(self, days: int) -> bool:
        return days >= self.min_days and (self.max_days is None or days <= self.max_days)


@dataclass(frozen=True, slots=True)
class JurisdictionPlan:
    """One jurisdiction's section of offers.yaml, validated once."""

    currency: str
    counts: tuple[int, ...]
    min_amount: Decimal
    remainder: str
    settlement_min_balance: Decimal
    bands: tuple[_Band, ...]
    deferral_days: int | None
    deferral_min_dpd: int

    @classmethod
    def parse(cls, raw: dict[str, Any], where: str) -> JurisdictionPlan:
        try:
            inst = raw["installments"]
            sett = raw.get("settlement") or {}
            defer = raw.get("deferral") or {}
            remainder = str(inst.get("remainder", "waive"))
            if remainder not in ("waive", "exact"):
                raise PolicyError(f"{where}: installments.remainder must be waive or exact")
            bands = tuple(
                _Band(int(b["min_days"]), None if b.get("max_days") is None else int(b["max_days"]),
                      Decimal(str(b["discount_pct"])))
                for b in sett.get("bands", ())
            )
            if any(not (Decimal(0) <= b.discount_pct < Decimal(100)) for b in bands):
                raise PolicyError(f"{where}: discount_pct must be in [0, 100)")
            return cls(
                currency=str(raw["currency"]),
                counts=tuple(sorted({int(c) for c in inst["counts"]})),
                min_amount=Decimal(str(inst.get("min_amount", "0"))),
                remainder=remainder,
                settlement_min_balance=Decimal(str(sett.get("min_balance", "0"))),
                bands=bands,
                deferral_days=int(defer["days"]) if defer.get("days") else None,
                deferral_min_dpd=int(defer.get("min_days_past_due", 0)),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise PolicyError(f"{where}: malformed plan policy ({exc})") from exc


_PLANS: dict[tuple[str, str], JurisdictionPlan] = {}
"""Parsed plans by (policy version, jurisdiction): the version is the digest of the policy's
files, so one version always parses to the same plan."""


def plan_policy(jurisdiction: str, policy: Policy | None = None) -> JurisdictionPlan:
    """The jurisdiction's plan section, parsed once per policy version: every turn asks."""
    policy = policy or get_policy()
    plan = _PLANS.get((policy.version, jurisdiction))
    if plan is None:
        try:
            raw = policy.doc(OFFERS_DOC)["jurisdictions"][jurisdiction]
        except (KeyError, TypeError) as exc:
            raise PolicyError(f"{OFFERS_DOC}: no plan policy for {jurisdiction}") from exc
        plan = _PLANS[(policy.version, jurisdiction)] = JurisdictionPlan.parse(raw, f"{OFFERS_DOC}:{jurisdiction}")
    return plan


def installment_offer(balance: Decimal, count: int, remainder: str = "waive") -> Offer | None:
    """The ``count``-instalment plan for ``balance``, or None when the rule excludes it."""
    if count < 1 or balance <= 0:
        return None
    each = (balance / count).quantize(CENT, rounding=ROUND_DOWN)
    total = each * count
    if each <= 0 or (remainder == "exact" and total != balance):
        return None
    return Offer(kind="installment", installments=count, amount_each=each, total=total)


def settlement_offer(balance: Decimal, discount_pct: Decimal) -> Offer | None:
    if discount_pct <= 0 or balance <= 0:
        return None
    total = (balance * (Decimal(100) - discount_pct) / Decimal(100)).quantize(CENT, rounding=ROUND_DOWN)
    return Offer(kind="settlement", total=total, discount_pct=discount_pct)


def approved_offers(
    account: AccountFacts, jurisdiction: str, policy: Policy | None = None
) -> tuple[Offer, ...]:
    """Instalment plans (shortest first), then a settlement, then a deferral.

    An account without a positive balance gets no offer at all: nothing to approve.
    """
    plan = plan_policy(jurisdiction, policy)
    balance = account.balance.quantize(CENT) if account.balance is not None else None
    if balance is None or balance <= 0:
        return ()
    return _offers(plan, balance, max(account.days_past_due or 0, 0))


@lru_cache(maxsize=4096)
def _offers(plan: JurisdictionPlan, balance: Decimal, dpd: int) -> tuple[Offer, ...]:
    """Pure in its arguments (the offers are frozen), so every turn after an account's first
    reuses what the first computed, until its balance or days past due change."""
    offers: list[Offer] = []
    for count in plan.counts:
        offer = installment_offer(balance, count, plan.remainder)
        if offer is not None and offer.amount_each is not None and offer.amount_each >= plan.min_amount:
            offers.append(offer)
    if balance >= plan.settlement_min_balance:
        band = next((b for b in plan.bands if b.covers(dpd)), None)
        settlement = settlement_offer(balance, band.discount_pct) if band else None
        if settlement is not None:
            offers.append(settlement)
    if plan.deferral_days and dpd >= plan.deferral_min_dpd:
        offers.append(Offer(kind="deferral", days=plan.deferral_days))
    return tuple(offers)


def offer_figures(offers: tuple[Offer, ...] | list[Offer]) -> set[Decimal]:
    """Every money figure the offers approve (what a promise to pay may name)."""
    figures: set[Decimal] = set()
    for o in offers:
        for value in (o.amount_each, o.total):
            if value is not None:
                figures.add(value.quantize(CENT))
    return figures


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f")


def format_money(amount: Decimal, currency: str | None, language: str) -> str:
    """``$1,240.50``, ``£215.00``, ``1550.00元``: the one spelling of a figure in any reply.

    Chinese text writes the number without thousands separators followed by the unit,
    the way the CN replies in the development set do; English uses the symbol prefix
    and separators. An unknown currency is written as its code.
    """
    value = Decimal(amount).quantize(CENT)
    code = (currency or "").upper()
    if language == "zh":
        return f"{value:.2f}{_ZH_SUFFIX.get(code, code)}"
    sign = "-" if value < 0 else ""
    body = f"{abs(value):,.2f}"
    prefix = _PREFIX.get(code)
    return f"{sign}{prefix}{body}" if prefix else f"{sign}{code} {body}".strip()


def describe_offer(offer: Offer, currency: str | None, language: str) -> str:
    """One approved offer in plain words, with exactly its figures."""
    def money(v: Decimal | None) -> str:
        return format_money(v or Decimal(0), currency, language)

    if language == "zh":
        if offer.kind == "installment":
            return f"分{offer.installments}期，每期{money(offer.amount_each)}，共计{money(offer.total)}"
        if offer.kind == "settlement":
            return f"一次性结清{money(offer.total)}（减免{_pct(offer.discount_pct or Decimal(0))}%）"
        return f"延期{offer.days}天还款"
    if offer.kind == "installment":
        each, total = money(offer.amount_each), money(offer.total)
        return f"{offer.installments} monthly payments of {each} (total {total})"
    if offer.kind == "settlement":
        pct = _pct(offer.discount_pct or Decimal(0))
        return f"a one-time settlement payment of {money(offer.total)}, which is {pct}% off the balance"
    return f"a {offer.days}-day pause on payments"
