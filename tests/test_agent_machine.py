"""The conversation policy state machine: state changes and the directive's precedence."""

from __future__ import annotations

import pytest

from mediator.agent.machine import TEMPLATE_ONLY, apply, decide, step, wants_resume
from mediator.domain import ConversationState, MessageAnalysis


def st(**kw) -> ConversationState:
    return ConversationState(jurisdiction=kw.pop("jurisdiction", "US"), language=kw.pop("language", "en"), **kw)


def an(*intents: str) -> MessageAnalysis:
    return MessageAnalysis(tuple(intents), 0.1, "en")


@pytest.mark.parametrize(
    ("intent", "attr", "event"),
    [("CEASE_CONTACT", "cease_requested", "cease_requested"), ("DISPUTE", "dispute_open", "dispute_opened"),
     ("HARDSHIP", "hardship", "hardship_noted"), ("VULNERABILITY", "vulnerable", "vulnerability_noted"),
     ("ATTORNEY_REPRESENTED", "attorney_represented", "attorney_noted"),
     ("BANKRUPTCY", "bankruptcy", "bankruptcy_noted"), ("THIRD_PARTY", "third_party", "third_party_noted")],
)
def test_each_intent_sets_its_flag_once(intent: str, attr: str, event: str) -> None:
    s = st(identity_verified=True)
    assert event in apply(s, an(intent))
    assert getattr(s, attr) is True
    assert event not in apply(s, an(intent))  # already set: no duplicate audit event


def test_third_party_revokes_verification() -> None:
    s = st(identity_verified=True)
    d = step(s, an("THIRD_PARTY", "PAYMENT_INTENT"))
    assert d.mode == "third_party" and not d.may_disclose_debt and not s.identity_verified
    assert "verification_revoked" in d.events


@pytest.mark.parametrize(
    ("state", "intents", "mode", "handover"),
    [
        ({"status": "human", "identity_verified": True}, ("VULNERABILITY",), "muted", False),
        ({"identity_verified": True}, ("VULNERABILITY", "CEASE_CONTACT"), "crisis", True),
        ({}, ("VULNERABILITY",), "crisis", True),
        ({"identity_verified": True}, ("ATTORNEY_REPRESENTED", "CEASE_CONTACT"), "attorney", True),
        ({"identity_verified": True, "attorney_represented": True}, ("PAYMENT_INTENT",), "attorney", True),
        ({"identity_verified": True}, ("BANKRUPTCY", "HARDSHIP"), "bankruptcy", True),
        ({}, ("THIRD_PARTY", "CEASE_CONTACT"), "third_party", False),
        ({"identity_verified": True}, ("CEASE_CONTACT", "DISPUTE"), "cease", False),
        ({"identity_verified": True, "cease_requested": True}, ("PAYMENT_INTENT",), "cease", False),
        ({}, ("PAYMENT_INTENT",), "verify", False),
        ({}, ("DISPUTE",), "verify", False),
        ({"identity_verified": True}, ("DISPUTE", "PAYMENT_INTENT"), "dispute", False),
        ({"identity_verified": True, "dispute_open": True}, ("HARDSHIP",), "dispute", False),
        ({"identity_verified": True}, ("HARDSHIP", "PAYMENT_INTENT"), "hardship", False),
        ({"identity_verified": True}, ("PAYMENT_INTENT",), "options", False),
        ({"identity_verified": True}, ("PROMPT_INJECTION",), "general", False),
        ({"identity_verified": True}, (), "general", False),
    ],
)
def test_precedence(state: dict, intents: tuple[str, ...], mode: str, handover: bool) -> None:
    d = step(st(**state), an(*intents))
    assert d.mode == mode
    assert d.handover is handover
    assert d.template_only is (mode in TEMPLATE_ONLY)


def test_payment_allowed_only_when_collection_is_live() -> None:
    assert step(st(identity_verified=True), an("PAYMENT_INTENT")).may_request_payment
    for flag in ("cease_requested", "dispute_open", "attorney_represented", "bankruptcy"):
        assert not step(st(identity_verified=True, **{flag: True}), an()).may_request_payment
    assert not step(st(), an("PAYMENT_INTENT")).may_request_payment


def test_injection_only_adds_a_refusal() -> None:
    d = step(st(), an("PROMPT_INJECTION"))
    assert d.mode == "verify" and d.decline_injection
    d = step(st(identity_verified=True), an("PROMPT_INJECTION", "PAYMENT_INTENT"))
    assert d.mode == "options" and d.decline_injection


def test_first_reply_flag_and_complaint_route() -> None:
    s = st(identity_verified=True)
    assert decide(s, an("COMPLAINT_THREAT")).first_reply
    assert decide(s, an("COMPLAINT_THREAT")).complaint_route
    s.replies_sent = 2
    assert not decide(s, an()).first_reply


def test_cease_confirmed_now_then_resume() -> None:
    s = st(identity_verified=True)
    assert step(s, an("CEASE_CONTACT"), "stop texting me").cease_confirmed_now
    later = step(s, an(), "hello?")
    assert later.mode == "cease" and not later.cease_confirmed_now
    resumed = step(s, an(), "RESUME please")
    assert not s.cease_requested and resumed.resumed and resumed.mode == "general"


@pytest.mark.parametrize("text", ["resume", "Please resume contact", "我想恢复联系", "ok start again"])
def test_resume_words(text: str) -> None:
    assert wants_resume(text)


@pytest.mark.parametrize("text", ["I resumed work last week", "stop", "不要联系我"])
def test_not_resume_words(text: str) -> None:
    assert not wants_resume(text)


def test_hardship_told_before_verification_is_answered_right_after_it() -> None:
    from mediator.agent.machine import decide
    from mediator.domain import ConversationState, MessageAnalysis

    state = ConversationState(jurisdiction="UK", language="en", identity_verified=True, hardship=True,
                              replies_sent=1)
    plain = MessageAnalysis(intents=(), complaint_risk=0.0, language="en")
    assert decide(state, plain, ("identity_verified",)).mode == "hardship"
    assert decide(state, plain, ()).mode == "general"  # later turns follow what the borrower says now
