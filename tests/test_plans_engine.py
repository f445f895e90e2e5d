"""Plan engine: Decimal exactness, rounding rules, policy bands, money formatting."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator.domain import AccountFacts
from mediator.plans import (
    approved_offers,
    describe_offer,
    format_money,
    installment_offer,
    offer_figures,
    plan_policy,
    settlement_offer,
)
from mediator.policy import POLICIES_DIR, PolicyError, load_policy

D = Decimal


def acct(balance: str, dpd: int, currency: str = "USD") -> AccountFacts:
    return AccountFacts(creditor="Larkspur Lending", balance=D(balance), currency=currency, days_past_due=dpd)


def test_exact_division_gives_total_equal_to_balance() -> None:
    offer = installment_offer(D("1240.50"), 6)
    assert offer is not None
    assert (offer.amount_each, offer.total) == (D("206.75"), D("1240.50"))


def test_remainder_is_waived_never_overcharged() -> None:
    offer = installment_offer(D("100.00"), 3)
    assert offer is not None
    assert offer.amount_each == D("33.33") and offer.total == D("99.99")


def test_exact_mode_skips_counts_that_do_not_divide() -> None:
    assert installment_offer(D("100.00"), 3, remainder="exact") is None
    assert installment_offer(D("100.00"), 4, remainder="exact") is not None


def test_settlement_rounds_down_to_the_cent() -> None:
    offer = settlement_offer(D("333.33"), D("20"))
    assert offer is not None and offer.total == D("266.66")  # 266.664 -> 266.66
    assert settlement_offer(D("500"), D("0")) is None


@pytest.mark.parametrize(
    ("jurisdiction", "dpd", "pct"),
    [("US", 30, None), ("US", 60, D("20")), ("US", 119, D("20")), ("US", 120, D("30")),
     ("UK", 89, None), ("UK", 90, D("20")), ("UK", 400, D("25")), ("CN", 200, D("30"))],
)
def test_discount_follows_days_past_due_bands(jurisdiction: str, dpd: int, pct: Decimal | None) -> None:
    offers = approved_offers(acct("2400.00", dpd), jurisdiction)
    settlements = [o for o in offers if o.kind == "settlement"]
    if pct is None:
        assert settlements == []
    else:
        assert settlements[0].discount_pct == pct
        assert settlements[0].total == (D("2400.00") * (100 - pct) / 100).quantize(D("0.01"))


def test_minimum_instalment_excludes_long_plans() -> None:
    offers = approved_offers(acct("60.00", 10), "US")  # min 25.00: only 60/3=20 fails, nothing passes
    assert [o.installments for o in offers if o.kind == "installment"] == []
    counts = [o.installments for o in approved_offers(acct("300.00", 10), "US") if o.kind == "installment"]
    assert counts == [3, 6, 12]
    cn = [o.installments for o in approved_offers(acct("1000.00", 10, "CNY"), "CN") if o.kind == "installment"]
    assert cn == [3, 6]  # 1000/12 = 83.33 < 100.00 minimum


def test_no_balance_no_offers() -> None:
    assert approved_offers(AccountFacts(balance=None), "US") == ()
    assert approved_offers(acct("0", 100), "UK") == ()


def test_deferral_comes_from_policy() -> None:
    offers = approved_offers(acct("900.00", 5, "CNY"), "CN")
    assert [o.days for o in offers if o.kind == "deferral"] == [plan_policy("CN").deferral_days]


def test_offer_figures_lists_each_and_total() -> None:
    offers = approved_offers(acct("1240.50", 45), "US")
    figures = offer_figures(offers)
    assert D("206.75") in figures and D("1240.50") in figures and D("103.37") in figures


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(min_value=1, max_value=50_000_000), dpd=st.integers(min_value=0, max_value=900),
       jurisdiction=st.sampled_from(["US", "UK", "CN"]))
def test_instalments_reconcile_property(cents: int, dpd: int, jurisdiction: str) -> None:
    balance = D(cents) / 100
    for o in approved_offers(acct(str(balance), dpd), jurisdiction):
        if o.kind == "installment":
            assert o.amount_each is not None and o.total is not None and o.installments is not None
            assert o.amount_each * o.installments == o.total
            assert o.total <= balance
            assert balance - o.total < D("0.01") * o.installments
            assert o.amount_each == o.amount_each.quantize(D("0.01"))
        elif o.kind == "settlement":
            assert o.total is not None and D(0) < o.total < balance


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [("1240.5", "USD", "en", "$1,240.50"), ("215", "GBP", "en", "£215.00"), ("1550", "CNY", "zh", "1550.00元"),
     ("14880", "CNY", "zh", "14880.00元"), ("1234567.891", "USD", "en", "$1,234,567.89"),
     ("99.5", "CNY", "en", "¥99.50"), ("10", "CHF", "en", "CHF 10.00"), ("300", "USD", "zh", "300.00美元")],
)
def test_format_money(amount: str, currency: str, language: str, expected: str) -> None:
    assert format_money(D(amount), currency, language) == expected


def test_describe_offer_uses_the_exact_figures() -> None:
    offers = approved_offers(acct("3876.00", 130), "US")
    texts = [describe_offer(o, "USD", "en") for o in offers]
    assert "12 monthly payments of $323.00 (total $3,876.00)" in texts
    assert "a one-time settlement payment of $2,713.20, which is 30% off the balance" in texts
    zh = [describe_offer(o, "CNY", "zh") for o in approved_offers(acct("18600", 65, "CNY"), "CN")]
    assert "分12期，每期1550.00元，共计18600.00元" in zh and "延期15天还款" in zh


def test_malformed_policy_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "lender").mkdir()
    bad = {"jurisdictions": {"US": {"currency": "USD", "installments": {"counts": [3], "remainder": "magic"}}}}
    (tmp_path / "lender" / "offers.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(PolicyError):
        approved_offers(acct("100", 1), "US", policy=load_policy(tmp_path))
    with pytest.raises(PolicyError):
        approved_offers(acct("100", 1), "FR", policy=load_policy(tmp_path))


def test_a_policy_with_other_figures_gets_its_own_offers(tmp_path: Path) -> None:
    """Plans are parsed once per policy version and offers remembered per plan and facts: a
    policy whose files say otherwise (another version) never gets the first one's offers."""
    default = approved_offers(acct("1200", 45), "US")
    assert approved_offers(acct("1200", 45), "US") == default
    shutil.copytree(POLICIES_DIR, tmp_path / "p")
    offers_file = tmp_path / "p" / "lender" / "offers.yaml"
    doc = yaml.safe_load(offers_file.read_text())
    doc["jurisdictions"]["US"]["installments"]["counts"] = [4]
    offers_file.write_text(yaml.safe_dump(doc))
    changed = load_policy(tmp_path / "p")
    assert changed.version != load_policy().version
    other = approved_offers(acct("1200", 45), "US", policy=changed)
    assert [o.installments for o in other if o.kind == "installment"] == [4]
    assert [o.installments for o in default if o.kind == "installment"] != [4]
    assert approved_offers(acct("1200", 45), "US") == default
    assert approved_offers(acct("1200", 200), "US") != default  # other facts, other offers
