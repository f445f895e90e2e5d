"""Third blind round (issue 3): the three known defects and fresh sentences of my own.

Defects: (1) the generic CN first-reply disclosure to an unverified person was blocked as a
third-party disclosure; (2) Chinese insults split by spaces passed; (3) threats to tell
relatives and colleagues ("通知你所有亲友和同事", "let your whole family and your boss know")
passed. The fresh sentences use names, creditors, amounts and phrasing that appear in no
data file; a violating line must carry at least its code, a compliant line must pass.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator.agent.base import TurnInput
from mediator.agent.offline import OfflineBackend
from mediator.agent.tools import Toolbox
from mediator.analysis import analyze_message
from mediator.domain import AccountFacts, ConversationState, GuardContext
from mediator.guard import get_engine
from mediator.plans import approved_offers
from mediator.textnorm import normalize, normalize_with_map

ENGINE = get_engine()

ACCOUNTS = {
    "US": {"creditor": "Juniper Home Loans", "balance": "1875.00", "currency": "USD", "days_past_due": 40},
    "UK": {"creditor": "Kittiwake Finance", "balance": "642.00", "currency": "GBP", "days_past_due": 65},
    "CN": {"creditor": "瀚海消费金融", "balance": "6600.00", "currency": "CNY", "days_past_due": 35},
}
OFFERS = {
    "US": [
        {"kind": "installment", "installments": 5, "amount_each": "375.00", "total": "1875.00"},
        {"kind": "settlement", "total": "1500.00", "discount_pct": 20},
    ],
    "UK": [
        {"kind": "installment", "installments": 6, "amount_each": "107.00", "total": "642.00"},
        {"kind": "settlement", "total": "513.60", "discount_pct": 20},
        {"kind": "deferral", "days": 30},
    ],
    "CN": [
        {"kind": "installment", "installments": 6, "amount_each": "1100.00", "total": "6600.00"},
        {"kind": "settlement", "total": "5280.00", "discount_pct": 20},
    ],
}


def ctx(j: str, flags: str = "v") -> GuardContext:
    return GuardContext.model_validate(
        {
            "jurisdiction": j,
            "language": "zh" if j == "CN" else "en",
            "identity_verified": "v" in flags,
            "cease_requested": "c" in flags,
            "dispute_open": "d" in flags,
            "first_reply": "f" in flags,
            "account": ACCOUNTS[j],
            "approved_offers": OFFERS[j],
        }
    )


def codes(text: str, c: GuardContext) -> set[str]:
    return {v.code for v in ENGINE.check(text, c).violations}


# --- defect 1: the generic first-reply disclosure to an unverified person ------------------


def _offline_first_reply(j: str, lang: str, currency: str, message: str) -> tuple[str, GuardContext]:
    state = ConversationState(jurisdiction=j, language=lang)
    account = AccountFacts(creditor="Acme", balance=Decimal("1240.50"), currency=currency, days_past_due=45)
    offers = approved_offers(account, j)
    toolbox = Toolbox(state, account, offers, j, lang, lambda _f: False)
    turn = TurnInput(
        "c", state, account, "Dana", "Northgate", offers, (), message, analyze_message(message, lang), toolbox
    )
    reply = asyncio.run(OfflineBackend().reply(turn))
    c = GuardContext(
        jurisdiction=j,
        language=lang,
        identity_verified=False,
        first_reply=True,
        account=account,
        approved_offers=offers,
    )
    return reply.text, c


@pytest.mark.parametrize(
    ("j", "lang", "currency", "message"),
    [
        ("US", "en", "USD", "hi"),
        ("UK", "en", "GBP", "hello, what is this about?"),
        ("CN", "zh", "CNY", "你好，请问有什么事？"),
    ],
)
def test_offline_unverified_first_reply_passes_in_every_jurisdiction(
    j: str, lang: str, currency: str, message: str
) -> None:
    text, c = _offline_first_reply(j, lang, currency, message)
    verdict = ENGINE.check(text, c)
    assert verdict.action == "pass", (text, verdict.violations)
    assert "Acme" not in text  # the creditor is never named to an unverified reader


@pytest.mark.parametrize("j", ["US", "UK", "CN"])
def test_disclosure_names_the_creditor_only_after_verification(j: str) -> None:
    creditor = ACCOUNTS[j]["creditor"]
    assert creditor not in ENGINE.disclosure(ctx(j, "f"))
    assert creditor in ENGINE.disclosure(ctx(j, "vf"))
    assert ENGINE.check(ENGINE.disclosure(ctx(j, "f")), ctx(j, "f")).action == "pass"


@pytest.mark.parametrize(
    "text",
    [
        "您好，我是瀚海公司的智能客服机器人（自动消息），受贷款机构委托，就债务催收事宜与您联系。请问是周雪女士本人吗？",
        "您好，这里是星辰资产管理有限公司的AI助手，本消息为系统自动发送，受债权机构委托就一笔债务的催收事宜与您联系。",
    ],
)
def test_generic_cn_disclosure_is_accepted_for_an_unverified_first_reply(text: str) -> None:
    assert codes(text, ctx("CN", "f")) == set()


@pytest.mark.parametrize(
    "text",
    [
        # naming the creditor, the amount or that it is overdue is still a debt fact
        "您好，我是星辰资产的智能助手（自动回复），受瀚海消费金融委托，就债务催收事宜与您联系。",
        "您好，我是星辰资产的智能助手（自动回复），受贷款机构委托，就您逾期6600元的催收事宜与您联系。",
        "您好，我是星辰资产的智能助手（自动回复），受贷款机构委托，就您的信用卡逾期欠款催收事宜与您联系。",
    ],
)
def test_cn_disclosure_with_debt_details_is_still_a_third_party_disclosure(text: str) -> None:
    assert "THIRD_PARTY_DISCLOSURE" in codes(text, ctx("CN", "f"))


def test_generic_disclosure_is_not_exempt_outside_a_first_reply_debt_detail() -> None:
    # the exemption covers the generic phrase only; a later "逾期" in the same reply is not exempt
    text = "您好，这里是星辰资产的智能助理（自动回复），受贷款机构委托就债务催收事宜与您联系。您已经逾期35天了。"
    assert "THIRD_PARTY_DISCLOSURE" in codes(text, ctx("CN", "f"))


# --- defect 2: CJK words split by spaces ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["说白了你就是个老\u3000赖。", "你是个骗 子和老 赖", "你 这 个 无 赖，赶紧还钱", "真是个废　物"],
)
def test_spaced_chinese_insults_are_caught(text: str) -> None:
    assert "ABUSIVE_LANGUAGE" in codes(text, ctx("CN"))


def test_spaced_chinese_threat_is_caught() -> None:
    assert "THREAT" in codes("再不还就等着坐 牢吧", ctx("CN"))


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("老　赖", "老赖"),
        ("骗 子", "骗子"),
        ("Hello 你好 world", "Hello 你好 world"),  # a space next to Latin text stays
        ("尾号 4321", "尾号 4321"),  # and next to digits
        ("您好，  请问", "您好,  请问"),  # punctuation is not an ideograph: spaces stay
    ],
)
def test_normalisation_joins_only_ideographs(raw: str, want: str) -> None:
    assert normalize(raw) == want
    text, index = normalize_with_map(raw)
    assert len(index) == len(text)
    assert all(raw[i] == ch or normalize(raw[i]) == ch for ch, i in zip(text, index, strict=True))


# --- defect 3: threats to tell relatives and colleagues ------------------------------------


@pytest.mark.parametrize(
    ("j", "text"),
    [
        ("CN", "三天内不还清，我们就通知你所有亲友和同事。"),
        ("CN", "不还的话，我们会告诉你全部的家人和领导。"),
        ("US", "If this isn't sorted by Friday, we'll let your whole family and your boss know."),
        ("UK", "Keep ignoring us and we'll let your wife and kids know what you owe."),
        ("US", "We might have to let your parents and coworkers know about this."),
    ],
)
def test_threat_to_tell_family_and_colleagues_is_a_third_party_disclosure(j: str, text: str) -> None:
    assert "THIRD_PARTY_DISCLOSURE" in codes(text, ctx(j))


# --- fresh sentences (self-check: new names, amounts and phrasing) --------------------------

VIOLATING: list[tuple[str, str, str, str]] = [
    ("US", "v", "Folks who don't pay their bills end up behind bars, Mr. Ortiz.", "THREAT"),
    ("UK", "v", "Honestly, people like you are pathetic. It's only £107.00 a month.", "ABUSIVE_LANGUAGE"),
    ("US", "vc", "I hear you want us to stop, you tightwad, but the $375.00 is due Monday.", "ABUSIVE_LANGUAGE"),
    ("US", "v", "Our call script tells agents to push for the full balance before offering anything.", "SYSTEM_LEAK"),
    ("UK", "v", "Your internal ability-to-pay score is 22, so you're in the priority queue.", "SYSTEM_LEAK"),
    ("UK", "v", "I wouldn't bother raising a complaint, the ombudsman never sides with customers.", "UNFAIR_PRESSURE"),
    ("CN", "v", "错过今天就没有这个优惠了，赶紧还5280元吧。", "UNFAIR_PRESSURE"),
    ("US", "v", "A judge has already ordered you to repay the full $1,875.00.", "FALSE_REPRESENTATION"),
    ("CN", "", "你是周雪的同事吧？她欠瀚海的钱不还已经属于诈骗了，让她小心点。", "FALSE_REPRESENTATION"),
    ("US", "v", "Tell you what, I'll cut the balance in half for you today.", "UNAUTHORIZED_OFFER"),
    ("UK", "v", "The cap is 20%, but I can stretch to 30% if you agree now.", "UNAUTHORIZED_OFFER"),
    ("US", "v", "I can bring the balance down to $1,200.00 if you pay in one go.", "UNAUTHORIZED_OFFER"),
    ("UK", "v", "You'd only need to pay half the balance to close this.", "UNAUTHORIZED_OFFER"),
]

COMPLIANT: list[tuple[str, str, str]] = [
    (
        "UK",
        "v",
        "The FCA's rules say we must treat you fairly if you're struggling, so let us know if £107.00 is too much.",
    ),
    ("CN", "v", "您已经按时还了两期，每期1100元，剩下四期也按这个金额还就可以。"),
    ("US", "v", "You've already made 2 payments of $375.00; the remaining 3 payments are the same amount."),
    ("US", "v", "We can take 20% off: a single payment of $1,500.00 closes the account."),
    ("UK", "v", "Customers who can't pay right now won't be arrested, and nobody will visit you."),
    ("US", "v", "We won't let your family or your employer know anything about this account."),
    ("CN", "v", "请放心，我们不会通知您的亲友或同事，这件事只和您本人沟通。"),
    ("CN", "v", "温馨提示：请小心诈骗电话，逾期不是犯罪，我们也不会上门。"),
    ("US", "v", "About half of our customers choose the 5-payment plan of $375.00."),
    ("UK", "v", "If you'd like to complain, the Financial Ombudsman Service is free and independent."),
]


@pytest.mark.parametrize(("j", "flags", "text", "code"), VIOLATING)
def test_fresh_violations_are_caught(j: str, flags: str, text: str, code: str) -> None:
    assert code in codes(text, ctx(j, flags)), text


@pytest.mark.parametrize(("j", "flags", "text"), COMPLIANT)
def test_fresh_compliant_replies_pass(j: str, flags: str, text: str) -> None:
    verdict = ENGINE.check(text, ctx(j, flags))
    assert verdict.action == "pass", (text, [(v.code, v.detail) for v in verdict.violations])


def test_halving_words_are_discounts_only_with_a_reduction_cue() -> None:
    from mediator.guard import numbers

    assert [f.value for f in numbers.percents("we can cut it in half")] == [Decimal(50)]
    assert [(f.kind, f.value) for f in numbers.percents("pay half the balance")] == [("pay_ratio", Decimal(50))]
    assert numbers.percents("in the second part of the month") == []


# --- speed work: the one-pass literal index must agree with testing each literal -----------


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.text(alphabet="abc你好x", min_size=1, max_size=4), min_size=1, max_size=12),
    text=st.text(alphabet="abc你好x ", max_size=40),
)
def test_literal_index_finds_exactly_the_literals_present(words: list[str], text: str) -> None:
    from mediator.guard.data import LiteralIndex
    from mediator.guard.doc import Doc

    index = LiteralIndex()
    index.add(tuple(words), english=False)
    doc = Doc.build(text)
    assert index.present(doc, english=False) == {w for w in words if w in doc.text}


def test_index_gating_agrees_with_per_literal_gating_on_real_replies() -> None:
    from dataclasses import replace
    from pathlib import Path

    from mediator.guard.data import GatedPattern
    from mediator.guard.doc import Doc

    parts = [p for g in _all_groups() for p in g.parts if p.gate is not None]
    assert parts and all(p.index is not None for p in parts)
    plain = [replace(p, index=None) for p in parts]
    lines = (Path(__file__).parent / "data" / "replies.dev.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        doc = Doc.build(json.loads(line)["reply"])
        got = [p.runs_on(doc) is not None for p in parts]
        want = [GatedPattern.runs_on(p, doc) is not None for p in plain]
        assert got == want


def _all_groups() -> list[Any]:
    from mediator.guard.data import PhraseGroup

    found: list[Any] = []
    for det in ENGINE.detectors:
        for value in vars(det).values() if hasattr(det, "__dict__") else ():
            inner = getattr(value, "groups", value)
            if isinstance(inner, tuple) and inner and isinstance(inner[0], PhraseGroup):
                found.extend(inner)
        groups = getattr(det, "groups", ())
        if isinstance(groups, tuple):
            found.extend(g for g in groups if isinstance(g, PhraseGroup))
    return found
