"""Property tests: any Unicode input gives a verdict, repairs pass a re-check, determinism."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediator.domain import GuardContext
from mediator.guard import get_engine

ENGINE = get_engine()
FRAGMENTS = st.sampled_from(
    [
        "We know where you live. ",
        "card 4556 7375 8689 9855 ",
        "身份证110105198806124539 ",
        "$1,240.50 ",
        "pay within the hour ",
        "八折 ",
        "分6期 ",
        "CONC 7.21.4 ",
        "§ 809 ",
        "你这个老赖 ",
        "Hello! ",
        "a r r e s t ",
        "\u200b",
        "ｆｕｌｌ ",
        "password is Hunter22 ",
        "ending 4321 ",
        "SSN 512-44-8830 ",
    ]
)
CONTEXTS = st.builds(
    lambda j, lang, v, c, d, f, bal: GuardContext.model_validate(
        {
            "jurisdiction": j,
            "language": lang,
            "identity_verified": v,
            "cease_requested": c,
            "dispute_open": d,
            "first_reply": f,
            "account": {"creditor": "Acme Bank", "balance": bal},
            "approved_offers": [
                {"kind": "installment", "installments": 6, "amount_each": "206.75", "total": "1240.50"}
            ],
        }
    ),
    st.sampled_from(["US", "UK", "CN"]),
    st.sampled_from(["en", "zh"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["1240.50", "99.99"]),
)
TEXTS = st.one_of(st.text(max_size=300), st.lists(FRAGMENTS, max_size=6).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, CONTEXTS)
def test_any_unicode_gives_a_verdict(text: str, ctx: GuardContext) -> None:
    v = ENGINE.check(text, ctx)
    assert v.action in ("pass", "repair", "block")
    assert v.original == text and v.policy_version == ENGINE.policy_version
    for x in v.violations:
        assert 0 <= x.span[0] <= x.span[1] <= len(text)
    if v.action == "block":
        assert v.text == ENGINE.fallback(ctx)


@settings(max_examples=200, deadline=None)
@given(TEXTS, CONTEXTS)
def test_repaired_text_passes_a_recheck(text: str, ctx: GuardContext) -> None:
    v = ENGINE.check(text, ctx)
    if v.action == "repair":
        assert ENGINE.check(v.text, ctx).action == "pass"


@settings(max_examples=150, deadline=None)
@given(TEXTS, CONTEXTS)
def test_same_input_same_verdict(text: str, ctx: GuardContext) -> None:
    a, b = ENGINE.check(text, ctx), ENGINE.check(text, ctx)
    assert (a.action, a.violations, a.text, a.rules_fired) == (b.action, b.violations, b.text, b.rules_fired)
