"""Rule lookup: BM25 over the policy corpus, English words and Chinese bigrams."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mediator.policy import get_policy, load_policy
from mediator.retrieval import index_for, lookup_rules, tokenize


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    root: Path = tmp_path_factory.mktemp("policies")
    for folder, jurisdiction, rules in (
        ("us", "US", [
            {"id": "US-T-1", "citation": "Test Act § 1", "title": "Quiet hours",
             "summary": "No calls before 8 a.m. or after 9 p.m. local time.", "codes": ["UNFAIR_PRESSURE"]},
            {"id": "US-T-2", "citation": "Test Act § 2", "title": "Disputed debts",
             "summary": "When the consumer disputes the debt, collection stops until verification is mailed.",
             "codes": ["DISPUTE_IGNORED"], "aliases": ["§ 2"]},
            {"id": "US-T-3", "citation": "Test Act § 3", "title": "Third parties",
             "summary": "Do not discuss the debt with an employer, family or neighbours.",
             "codes": ["THIRD_PARTY_DISCLOSURE"]},
        ]),
        ("cn", "CN", [
            {"id": "CN-T-1", "citation": "测试办法 第一条", "title": "催收时间",
             "summary": "No collection between 22:00 and 08:00.", "summary_zh": "晚上22点至早上8点之间不得催收。"},
            {"id": "CN-T-2", "citation": "测试办法 第二条", "title": "第三人",
             "summary": "Never collect from unrelated third parties.",
             "summary_zh": "不得向无关第三人催收或透露债务信息。"},
        ]),
    ):
        (root / folder).mkdir()
        (root / folder / "rules.yaml").write_text(
            yaml.safe_dump({"jurisdiction": jurisdiction, "rules": rules}, allow_unicode=True), encoding="utf-8")
    return load_policy(root)


def test_tokenize_english_stems_and_drops_stop_words() -> None:
    assert tokenize("The Disputes were Disputed") == ["disput", "disput"] == tokenize("dispute disputing")
    assert "the" not in tokenize("the debt")
    assert tokenize("CONC 7.3.4") == ["conc", "7.3.4"]


def test_tokenize_chinese_bigrams() -> None:
    assert tokenize("催收时间") == ["催收", "收时", "时间"]
    assert tokenize("债") == ["债"]
    mixed = tokenize("请stop催收")
    assert "stop" in mixed and "催收" in mixed


@pytest.mark.parametrize(
    ("query", "expected"),
    [("this isn't my debt, I want proof it was verified", "US-T-2"),
     ("they called me at 11pm at night", "US-T-1"),
     ("you told my employer about it", "US-T-3"),
     ("dispute", "US-T-2")],
)
def test_lookup_english(corpus, query: str, expected: str) -> None:
    assert lookup_rules(query, "US", k=1, policy=corpus)[0].id == expected


@pytest.mark.parametrize(("query", "expected"),
                         [("晚上十点以后还在催收", "CN-T-1"), ("你们联系了我的第三人", "CN-T-2")])
def test_lookup_chinese(corpus, query: str, expected: str) -> None:
    assert lookup_rules(query, "CN", k=1, policy=corpus)[0].id == expected


def test_lookup_is_per_jurisdiction_and_empty_when_nothing_matches(corpus) -> None:
    assert all(r.jurisdiction == "US" for r in lookup_rules("debt collection", "us", k=5, policy=corpus))
    assert lookup_rules("zzzz qqqq", "US", policy=corpus) == []
    assert lookup_rules("", "US", policy=corpus) == []
    assert lookup_rules("dispute", "UK", policy=corpus) == []  # no UK rules in this corpus


def test_index_is_built_once(corpus) -> None:
    assert index_for("US", corpus) is index_for("US", corpus)


@pytest.mark.parametrize(
    ("query", "jurisdiction", "expected"),
    [("This debt isn't mine, I want you to validate it", "US", "US-FDCPA-809b"),
     ("please stop contacting me", "US", "US-FDCPA-805c"),
     ("I lost my job and can't afford the payments", "UK", "UK-CONC-7.3.4"),
     ("不要再联系我的家人和同事", "CN", "CN-CBA-COLL-2026-thirdparty")],
)
def test_lookup_on_the_project_corpus(query: str, jurisdiction: str, expected: str) -> None:
    if get_policy().rule(expected) is None:
        pytest.skip(f"{expected} is not in the policy corpus")
    assert expected in [r.id for r in lookup_rules(query, jurisdiction, k=3)]
