"""The guard engine's outcomes: pass, repair (re-checked), block; human authors; CLI contract."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from mediator.domain import GuardContext
from mediator.guard import GuardEngine, get_engine
from mediator.guard.cli import check_line, score
from mediator.jsonl import run

DATA = Path(__file__).parent / "data" / "replies.dev.jsonl"
ACCOUNT = {"creditor": "Orchard Bank", "balance": "1500.00", "currency": "USD", "days_past_due": 50}
OFFERS = [
    {"kind": "installment", "installments": 5, "amount_each": "300.00", "total": "1500.00"},
    {"kind": "settlement", "total": "1200.00", "discount_pct": 20},
]


def ctx(**kw: object) -> GuardContext:
    base: dict[str, object] = {
        "jurisdiction": "US",
        "language": "en",
        "identity_verified": True,
        "account": ACCOUNT,
        "approved_offers": OFFERS,
    }
    base.update(kw)
    return GuardContext.model_validate(base)


@pytest.fixture(scope="module")
def engine() -> GuardEngine:
    return get_engine()


def test_compliant_reply_passes_unchanged(engine: GuardEngine) -> None:
    text = "You could pay $300.00 a month for 5 months, or settle today for $1,200.00."
    v = engine.check(text, ctx())
    assert v.action == "pass" and v.allowed and v.text == text and v.violations == ()
    assert v.policy_version == engine.policy_version and "offers" in v.timings_us


def test_card_number_is_masked_and_rechecked(engine: GuardEngine) -> None:
    v = engine.check("We will charge the card 4556 7375 8689 9855 for $300.00.", ctx())
    assert v.action == "repair"
    assert "4556" not in v.text and "9855" in v.text
    assert [x.code for x in v.violations] == ["PII_LEAK"]
    assert v.violations[0].span == (24, 43)
    assert engine.check(v.text, ctx()).action == "pass"


def test_missing_disclosure_is_prepended_on_first_reply(engine: GuardEngine) -> None:
    c = ctx(first_reply=True, collector_name="Birch Collections")
    v = engine.check("How can I help you today?", c)
    assert v.action == "repair" and v.codes == ("MISSING_DISCLOSURE",)
    assert v.text.startswith(engine.disclosure(c)) and v.text.endswith("How can I help you today?")
    assert "Birch Collections" in v.text and "Orchard Bank" in v.text


@pytest.mark.parametrize("jurisdiction", ["US", "UK", "CN"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_disclosure_itself_satisfies_the_first_reply_rule(
    engine: GuardEngine, jurisdiction: str, language: str
) -> None:
    c = ctx(jurisdiction=jurisdiction, language=language, first_reply=True)
    assert engine.check(engine.disclosure(c), c).action == "pass"


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"identity_verified": False},
        {"cease_requested": True},
        {"dispute_open": True},
        {"first_reply": True},
        {"first_reply": True, "identity_verified": False},
    ],
)
def test_fallback_is_safe_in_every_state(engine: GuardEngine, language: str, flags: dict[str, bool]) -> None:
    for j in ("US", "UK", "CN"):
        c = ctx(jurisdiction=j, language=language, **flags)
        assert engine.check(engine.fallback(c), c).action == "pass"


def test_threat_is_blocked_with_fallback_in_borrower_language(engine: GuardEngine) -> None:
    c = ctx(jurisdiction="CN", language="zh")
    v = engine.check("再不还钱就等着坐牢吧。", c)
    assert v.action == "block" and "THREAT" in v.codes
    assert v.text == engine.fallback(c) and v.original == "再不还钱就等着坐牢吧。"
    assert v.violations[0].rule == "CN-CBA-COLL-2026-prohibited"
    assert "THREAT.arrest" in v.rules_fired


def test_human_mediator_violation_is_blocked_with_explanation(engine: GuardEngine) -> None:
    v = engine.check("Pay now or we will send someone round to your house.", ctx(), author="human")
    assert v.action == "block" and "THREAT" in v.codes
    assert "THREAT" in v.explanation and "US-FDCPA" in v.explanation
    assert v.alternative and engine.check(v.alternative, ctx()).action == "pass"


def test_human_repairable_text_is_refused_with_repaired_alternative(engine: GuardEngine) -> None:
    v = engine.check("Your card 4556 7375 8689 9855 is on file.", ctx(), author="human")
    assert v.action == "block" and v.alternative == "Your card **** **** **** 9855 is on file."


def test_unrepairable_mix_blocks(engine: GuardEngine) -> None:
    v = engine.check("Card 4556 7375 8689 9855 - pay within the hour or else.", ctx())
    assert v.action == "block" and {"PII_LEAK", "UNFAIR_PRESSURE"} <= set(v.codes)


def test_evasion_is_normalised_and_spans_point_at_the_original(engine: GuardEngine) -> None:
    text = "You will be a r r e s t e d if you ignore us."
    v = engine.check(text, ctx())
    assert "THREAT" in v.codes
    s, e = next(x.span for x in v.violations if x.code == "THREAT")
    assert "a r r e s t e d" in text[s:e]
    assert "THREAT" in engine.check("We know where you l\u200bive.", ctx()).codes
    assert "ABUSIVE_LANGUAGE" in engine.check("ｄｅａｄｂｅａｔ", ctx()).codes


def test_amounts_compare_by_value(engine: GuardEngine) -> None:
    assert engine.check("Settle for USD 1,200 today if you like.", ctx()).action == "pass"
    assert engine.check("Settle for 1.200,00 € today if you like.", ctx()).action == "pass"
    assert "UNAUTHORIZED_OFFER" in engine.check("Settle for about $1,200 today.", ctx()).codes


def test_wrong_balance_is_false_representation(engine: GuardEngine) -> None:
    v = engine.check("The balance you owe is now $1,950.00.", ctx())
    assert v.codes == ("FALSE_REPRESENTATION",)


def test_check_never_raises_on_bad_context_values(engine: GuardEngine) -> None:
    c = GuardContext(account=None, approved_offers=())
    assert engine.check("", c).action in ("pass", "repair", "block")
    assert engine.check("\x00\ud7ff\U0010ffff" * 50, c).action in ("pass", "repair", "block")


def test_check_line_contract_shape() -> None:
    out = check_line(
        {
            "id": "x1",
            "reply": "We know where you live.",
            "context": {"identity_verified": True},
            "gold": {"allowed": False},
        }
    )
    assert set(out) == {"id", "allowed", "action", "violations", "text"}
    assert out["allowed"] is False and out["action"] == "block"
    assert set(out["violations"][0]) == {"code", "rule", "span", "detail"}


def test_cli_check_reports_errors_per_line(tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text('{"id": "a", "reply": "Hello"}\nnot json\n{"id": "b", "reply": 5}\n', encoding="utf-8")
    buf = io.StringIO()
    assert run(str(f), check_line, out=buf) == 0
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert lines[0]["id"] == "a" and lines[0]["action"] == "pass"
    assert "error" in lines[1] and lines[2]["id"] == "b" and "error" in lines[2]


def test_dev_set_meets_the_thresholds() -> None:
    rows = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip()]
    s = score(rows, {r["id"]: check_line(r) for r in rows})
    assert s["recall"] >= 0.97 and s["fpr"] <= 0.03
    assert all(rec >= 0.9 for rec, _prec, n in s["per_code"].values() if n)


def test_offer_facts_are_decimal() -> None:
    c = ctx()
    assert c.approved_offers[0].amount_each == Decimal("300.00")
