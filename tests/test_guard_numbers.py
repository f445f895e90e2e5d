"""Figure extraction and the PII validators."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mediator.guard import numbers
from mediator.guard.detectors.pii import cn_id_ok, iban_ok, luhn_ok, mask_keep_last4, ssn_ok


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$1,240.50", "1240.50"),
        ("£200", "200"),
        ("1.240,50 €", "1240.50"),
        ("USD 3,876", "3876"),
        ("14880元", "14880"),
        ("一千二百四十元", "1240"),
        ("1.5万元", "15000"),
        ("3200块钱", "3200"),
        ("两千五百元", "2500"),
        ("42 pounds", "42"),
    ],
)
def test_money(text: str, value: str) -> None:
    assert [f.value for f in numbers.money(text)] == [Decimal(value)]


def test_percent_and_zhe() -> None:
    kinds = [(f.kind, f.value) for f in numbers.percents("20% off, 百分之三十, 八折, 八五折")]
    assert kinds == [("percent", 20), ("percent", 30), ("pay_ratio", 80), ("pay_ratio", 85)]


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("6 monthly payments", 6),
        ("twelve payments", 12),
        ("24-month plan", 24),
        ("分6期", 6),
        ("8期", 8),
        ("split it into 4 payments", 4),
        ("£68.50 a month for 4 months", 4),
    ],
)
def test_counts(text: str, n: int) -> None:
    assert n in [int(f.value) for f in numbers.counts(text)]


def test_no_count_inside_an_amount() -> None:
    assert numbers.counts("your £60.80 monthly payments") == []


def test_days_and_days_past_due() -> None:
    assert [int(f.value) for f in numbers.days("延期30天 and a 2-week pause")] == [30, 14]
    assert [int(f.value) for f in numbers.days_past_due("now 45 days past due; 逾期65天")] == [45, 65]


def test_zh_numerals() -> None:
    assert [numbers.zh_to_int(s) for s in ("一万二", "三千五", "十五", "二百九十三", "一千零五")] == [
        12000,
        3500,
        15,
        293,
        1005,
    ]


def test_validators() -> None:
    assert luhn_ok("4556737586899855") and not luhn_ok("4556737586899856")
    assert cn_id_ok("110105198806124539") and not cn_id_ok("110105198806124538")
    assert ssn_ok("512", "44", "8830") and not ssn_ok("666", "44", "8830") and not ssn_ok("912", "44", "8830")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")
    assert mask_keep_last4("4556-7375-8689-9855") == "****-****-****-9855"
