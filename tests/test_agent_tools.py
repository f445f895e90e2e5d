"""The toolbox: deterministic tools, argument validation, verification attempts, audit."""

from __future__ import annotations

import json
from datetime import date

import pytest

from mediator.agent.compose import extract_identity
from mediator.agent.tools import SPECS, Toolbox, normalize_dob, normalize_postcode
from tests.conftest_agent import FACTS, Convo


def box(c: Convo, **kw) -> Toolbox:
    return c.turn("x").toolbox  # type: ignore[return-value]


def test_schemas_are_openai_tools() -> None:
    tb = box(Convo())
    names = {s["function"]["name"] for s in tb.schemas()}
    assert names == {"account_summary", "repayment_options", "lookup_rules", "verify_identity", "open_dispute",
                     "record_cease_request", "record_promise_to_pay", "handover"}
    for s in tb.schemas():
        assert s["type"] == "function" and s["function"]["parameters"]["type"] == "object"
    assert len(SPECS) == len(names)


def test_debt_details_refused_until_verified() -> None:
    c = Convo()
    tb = box(c)
    assert tb.account_summary()["ok"] is False
    assert tb.repayment_options()["ok"] is False
    assert tb.record_promise_to_pay("156.05", "2030-01-01")["ok"] is False
    c.state.identity_verified = True
    summary = tb.account_summary()
    assert summary["balance"] == "$1,872.60" and summary["creditor"] == "Harborview Credit Union"
    assert "12 monthly payments of $156.05 (total $1,872.60)" in tb.repayment_options()["options"]


def test_verify_identity_success_and_attempt_limit() -> None:
    c = Convo(jurisdiction="UK")
    tb = box(c)
    assert tb.verify_identity("03/11/1980", "LS6 1AN") == {"ok": True, "verified": False, "attempts_left": 2}
    assert tb.verify_identity("3 November 1979", "ls6 1an")["verified"] is True
    assert c.state.identity_verified and "identity_verified" in tb.events

    c2 = Convo()
    tb2 = box(c2)
    for _ in range(3):
        tb2.verify_identity("1990-01-01", "99999")
    assert c2.state.status == "escalated" and "handover" in tb2.events
    assert tb2.verify_identity(FACTS["US"]["date_of_birth"], FACTS["US"]["postcode"])["ok"] is False
    assert not c2.state.identity_verified


def test_verifier_exception_counts_as_failure() -> None:
    c = Convo()
    tb = Toolbox(c.state, c.account, c.offers, "US", "en", lambda _f: 1 / 0)
    assert tb.verify_identity("1979-11-03", "60614")["verified"] is False


def test_promise_must_match_an_approved_figure() -> None:
    c = Convo(verified=True)
    tb = Toolbox(c.state, c.account, c.offers, "US", "en", lambda _f: False, today=date(2030, 1, 1))
    assert tb.record_promise_to_pay("150.00", "2030-02-01")["ok"] is False
    assert tb.record_promise_to_pay("$156.05", "2029-12-31")["error"] == "the date is in the past"
    assert tb.record_promise_to_pay("156.05", "01/02/2030")["ok"] is False
    ok = tb.record_promise_to_pay("$1,872.60", "2030-02-01")
    assert ok == {"ok": True, "amount": "$1,872.60", "date": "2030-02-01"}
    assert c.state.promise == {"amount": "1872.60", "date": "2030-02-01"}


def test_collection_paused_blocks_payment_tools() -> None:
    c = Convo(verified=True)
    tb = box(c)
    assert tb.open_dispute("says it was paid")["dispute_open"] is True
    assert tb.repayment_options()["ok"] is False
    assert tb.record_promise_to_pay("156.05", "2031-01-01")["ok"] is False
    assert tb.account_summary()["collection_paused"] is True


def test_cease_and_handover_mutate_state_and_audit() -> None:
    c = Convo(verified=True)
    tb = box(c)
    tb.record_cease_request()
    tb.handover("borrower asked for a person")
    assert c.state.cease_requested and c.state.status == "escalated"
    assert c.state.handover_reason == "borrower asked for a person"
    assert [e for e in tb.events] == ["cease_requested", "handover"]


@pytest.mark.parametrize(
    ("name", "args", "error"),
    [("delete_account", "{}", "unknown tool"), ("verify_identity", "{not json", "not valid JSON"),
     ("verify_identity", '{"date_of_birth": "1979-11-03"}', "missing"),
     ("open_dispute", '{"reason": "x", "extra": 1}', "unexpected"), ("open_dispute", "[1, 2]", "JSON object"),
     ("lookup_rules", '{"query": {"nested": true}}', "string"), ("handover", '{"reason": null}', "string")],
)
def test_dispatch_rejects_bad_calls_without_raising(name: str, args: str, error: str) -> None:
    c = Convo()
    tb = box(c)
    result = tb.dispatch(name, args)
    assert result["ok"] is False and error in result["error"]
    assert not c.state.dispute_open and c.state.status == "active"
    assert tb.audit[-1]["tool"] == name


def test_dispatch_runs_valid_calls() -> None:
    c = Convo(verified=True)
    tb = box(c)
    assert tb.dispatch("repayment_options", "")["ok"] is True
    assert tb.dispatch("open_dispute", json.dumps({"reason": "not mine"}))["dispute_open"] is True
    rules = tb.dispatch("lookup_rules", json.dumps({"query": "dispute validation"}))["rules"]
    assert rules and all(r["id"].startswith("US-") for r in rules)


@pytest.mark.parametrize(
    ("text", "jurisdiction", "dob"),
    [("1979-11-03", "US", "1979-11-03"), ("11/03/1979", "US", "1979-11-03"), ("03/11/1979", "UK", "1979-11-03"),
     ("1979年11月3日", "CN", "1979-11-03"), ("3 Nov 1979", "UK", "1979-11-03"),
     ("November 3, 1979", "US", "1979-11-03"),
     ("31/02/1979", "UK", None), ("yesterday", "US", None)],
)
def test_normalize_dob(text: str, jurisdiction: str, dob: str | None) -> None:
    assert normalize_dob(text, jurisdiction) == dob


def test_normalize_postcode() -> None:
    assert normalize_postcode(" sw1a 1aa ") == "SW1A1AA" and normalize_postcode("10001") == "10001"


@pytest.mark.parametrize(
    ("message", "jurisdiction", "expected"),
    [("dob 07/22/1964 zip 94110", "US", ("1964-07-22", "94110")),
     ("I was born on July 22nd, 1964 and live in 02139", "US", ("1964-07-22", "02139")),
     ("22/07/1964, postcode M1 4BT", "UK", ("1964-07-22", "M1 4BT")),
     ("birthday 22 July 1964, EH1 1YZ", "UK", ("1964-07-22", "EH1 1YZ")),
     ("生日1964年7月22日，邮编200031", "CN", ("1964-07-22", "200031")),
     ("出生日期 1964-07-22 邮编 100020", "CN", ("1964-07-22", "100020")),
     ("my zip is 73301", "US", (None, "73301")),
     ("DOB: 1958.12.01, zip 30301-1234", "US", ("1958-12-01", "30301-1234")),
     ("born 3-9-1991 in 85004", "US", ("1991-03-09", "85004")),
     ("dob 09/03/1991 pc b15 2tt", "UK", ("1991-03-09", "b15 2tt")),
     ("it's the 9th of March 1991?? postcode CF10 1EP", "UK", ("1991-03-09", "CF10 1EP")),
     ("my birthday is march 9 1991 and postal code is 97201", "US", ("1991-03-09", "97201")),
     ("我的生日是 09/03/1991，postcode 510623", "CN", ("1991-03-09", "510623")),
     ("身份证后四位1234，邮编 430071", "CN", (None, "430071")),
     ("I can pay $150 on the 5th", "US", (None, None))],
)
def test_extract_identity_from_borrower_text(message: str, jurisdiction: str, expected: tuple) -> None:
    assert extract_identity(message, jurisdiction) == expected
