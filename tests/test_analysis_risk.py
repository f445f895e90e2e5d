"""Complaint risk per message and per conversation, and the alert triggers."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator.analysis import (
    ALERT_KINDS,
    ConversationFeatures,
    RiskAssessment,
    alert_triggers,
    analyze_message,
    conversation_risk,
)


@pytest.mark.parametrize(
    "message",
    [
        "Stop harassing me every day",
        "This whole thing is a scam",
        "What you are doing is illegal",
        "I will report you to the CFPB",
        "你们这是暴力催收",
    ],
)
def test_accusations_and_threats_reach_the_alert_level(message: str) -> None:
    a = analyze_message(message)
    assert a.complaint_risk >= 0.5
    assert a.reasons


def test_soft_signals_alone_stay_below_the_alert_level() -> None:
    angry = analyze_message(
        "This is RIDICULOUS!!! Third time this week, I keep getting texts, I do not owe this, stop calling me!!"
    )
    assert angry.signals["anger"] > 0 and angry.signals["grievance"] > 0
    assert 0.3 < angry.complaint_risk < 0.5
    assert analyze_message("ok thanks").complaint_risk < analyze_message("I am fed up with this").complaint_risk


def test_reasons_name_the_strongest_signal_first() -> None:
    a = analyze_message("This is harassment and I'm taking it to the ombudsman, you lot are a disgrace")
    assert a.reasons[0] == "threatens a complaint (regulator, ombudsman, court, police or media)"
    assert "accuses the collector of harassment" in a.reasons
    assert len(a.reasons) <= 3


def test_harmless_uses_of_accusation_words_do_not_alert() -> None:
    for message in [
        "Is this a scam? I got a text from this number",
        "My abusive ex used to open my post",
        "Is it illegal for me to pay from my partner's account?",
    ]:
        assert analyze_message(message).complaint_risk < 0.5, message


def test_conversation_risk_combines_features_with_reasons() -> None:
    calm = conversation_risk(ConversationFeatures([("PAYMENT_INTENT",)], [0.05], borrower_messages=1))
    heated = conversation_risk(
        ConversationFeatures(
            message_intents=[("DISPUTE",), ("DISPUTE",), ("DISPUTE", "CEASE_CONTACT")],
            message_risks=[0.2, 0.3, 0.4],
            guardrail_blocks=2,
            handover_wait_s=900,
            unresolved_dispute_turns=5,
            borrower_messages=3,
        )
    )
    assert calm.score < 0.2
    assert heated.score >= 0.8
    assert "replies were blocked by the guardrail" in heated.reasons
    assert conversation_risk(ConversationFeatures()).score == pytest.approx(0.0)


_features = st.builds(
    ConversationFeatures,
    message_intents=st.lists(
        st.tuples(st.sampled_from(["DISPUTE", "COMPLAINT_THREAT", "CEASE_CONTACT", "HARDSHIP"])), max_size=6
    ),
    message_risks=st.lists(st.floats(0, 1), max_size=6),
    guardrail_blocks=st.integers(0, 10),
    handover_wait_s=st.floats(0, 10_000),
    unresolved_dispute_turns=st.integers(0, 20),
    borrower_messages=st.integers(0, 60),
)


@settings(max_examples=150, deadline=None)
@given(
    f=_features,
    field=st.sampled_from(
        ["guardrail_blocks", "handover_wait_s", "unresolved_dispute_turns", "borrower_messages", "risk", "intent"]
    ),
)
def test_conversation_risk_is_bounded_and_monotone(f: ConversationFeatures, field: str) -> None:
    before = conversation_risk(f)
    assert 0.0 <= before.score <= 1.0
    grown = ConversationFeatures(
        list(f.message_intents),
        list(f.message_risks),
        f.guardrail_blocks,
        f.handover_wait_s,
        f.unresolved_dispute_turns,
        f.borrower_messages,
    )
    if field == "risk":
        grown.message_risks.append(1.0)
        grown.message_intents.append(())
    elif field == "intent":
        grown.message_intents.append(("COMPLAINT_THREAT", "DISPUTE", "CEASE_CONTACT"))
    else:
        setattr(grown, field, getattr(f, field) + 5)
    after = conversation_risk(grown)
    assert after.score >= before.score - 1e-12
    assert 0.0 <= after.score <= 1.0


def test_conversation_risk_tolerates_bad_numbers() -> None:
    r = conversation_risk(ConversationFeatures([], [math.nan, 7.0, -1.0], -3, math.inf, -2, -1))
    assert 0.0 <= r.score <= 1.0


def test_alert_triggers_put_hard_triggers_first() -> None:
    a = analyze_message("I'm going to the ombudsman. I don't want to live anymore.")
    conv = RiskAssessment(0.9, ("the riskiest borrower message",))
    kinds = [t.kind for t in alert_triggers(a, conv, threshold=0.5, guardrail_blocked=True)]
    assert kinds == ["complaint_threat", "vulnerability", "guardrail_block", "risk_threshold"]
    assert set(kinds) <= set(ALERT_KINDS)
    high = alert_triggers(a, conv, threshold=0.5)[-1]
    assert high.severity == "high" and "0.90" in high.reason


def test_threshold_is_configurable_and_calm_messages_raise_nothing() -> None:
    calm = analyze_message("Can I pay £50 a month?")
    assert alert_triggers(calm, RiskAssessment(0.1), threshold=0.5) == []
    assert [t.kind for t in alert_triggers(calm, RiskAssessment(0.1), threshold=0.05)] == ["risk_threshold"]
