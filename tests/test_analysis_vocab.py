"""The pattern engine's generalisation aids: shared vocabulary, ``unless`` vetoes,
full-width punctuation in patterns, hedges that are not negation, mixed-script rewrites."""

from __future__ import annotations

import pytest

from mediator.analysis import analyze_message
from mediator.analysis.canon import Canonicaliser
from mediator.analysis.patterns import Doc, Negation, PatternGroup, Vocabulary
from mediator.policy import PolicyError

NEGATION = Negation(
    {
        "clause_break": r"[,.;:!?]|\bbut\b",
        "en_cues": r"\b(not|never)\b",
        "zh_cues": "(不是|不会)",
        "en_window_words": 5,
        "en_hedges": r"\b(do|does) not (think|suppose) (the|your)\b",
    }
)


def _group(
    patterns: list[object], exclude: list[object] | None = None, vocab: Vocabulary | None = None
) -> PatternGroup:
    return PatternGroup("T", patterns, exclude or [], NEGATION, vocab)


def _doc(text: str) -> Doc:
    return Doc(text, NEGATION.clause_break)


def test_vocabulary_expands_a_concept_in_every_pattern_that_names_it() -> None:
    vocab = Vocabulary({"relative": ["mum", "grandmother", "gran"]})
    g = _group([r"\bmy ({relative}) (is|was) ill\b"], vocab=vocab)
    assert g.hits(_doc("my grandmother was ill"))
    assert g.hits(_doc("my gran is ill"))
    assert not g.hits(_doc("my boss is ill"))


def test_an_unknown_vocabulary_name_is_a_policy_error() -> None:
    with pytest.raises(PolicyError):
        _group([r"\b{nosuchlist}\b"], vocab=Vocabulary({"relative": ["mum"]}))


def test_regex_quantifiers_are_not_mistaken_for_vocabulary_names() -> None:
    g = _group([r"\bcalled \d{2,3} times\b"], vocab=Vocabulary())
    assert g.hits(_doc("they called 12 times"))


def test_unless_vetoes_a_pattern_anywhere_in_the_message() -> None:
    g = _group([{"re": r"\bwrong person\b", "unless": r"\bnot my debt\b"}])
    assert g.hits(_doc("you have the wrong person"))
    assert not g.hits(_doc("it is not my debt. you have the wrong person"))


def test_full_width_punctuation_in_a_pattern_matches_normalised_text() -> None:
    # canonical text is NFKC-normalised, so "，" in a message arrives as ","
    g = _group(["律师[^。，？！]{0,6}处理"])
    assert not g.hits(_doc("我表姐是律师,不过我自己处理"))
    assert g.hits(_doc("我的律师会处理"))


def test_a_hedge_before_someone_elses_judgement_is_not_negation() -> None:
    g = _group([r"\bombudsman\b"])
    assert g.hits(_doc("i do not think the ombudsman would be impressed"))
    assert not g.hits(_doc("i am not going to the ombudsman"))


def test_mixed_script_text_is_spaced_before_english_contractions_are_expanded() -> None:
    canon = Canonicaliser({"rewrite": [["([\u4e00-\u9fff])([a-z])", r"\1 \2"], [r"\bcan'?t\b", "can not"]]})
    assert canon("真的can't pay") == "真的 can not pay"


@pytest.mark.parametrize(
    ("message", "intents"),
    [
        ("我是他朋友, he's not here, 你们找错人了", {"THIRD_PARTY"}),
        ("你们是不是找错人了，我没有这个账户。", {"DISPUTE"}),
        ("this debt is not mine. you have the wrong person", {"DISPUTE"}),
        ("I don't think the Financial Ombudsman would be impressed by this", {"COMPLAINT_THREAT"}),
        ("I don't think I'll complain, just sort it", set()),
        ("老板拖欠工资三个月了，现在真的can't pay", {"HARDSHIP"}),
    ],
)
def test_the_aids_work_together_on_real_messages(message: str, intents: set[str]) -> None:
    assert set(analyze_message(message).intents) == intents


def test_a_pattern_without_letters_runs_on_chinese_only_text_too() -> None:
    g = _group(["减免"], exclude=['"[^"]{0,15}"'])
    assert g.hits(_doc("能不能减免一点"))
    assert not g.hits(_doc('你只需要回复"同意减免"四个字'))


def test_code_switched_words_are_glossed_into_the_dominant_language() -> None:
    from mediator.analysis.lexicon import get_lexicon

    lexicon = get_lexicon()
    assert lexicon.doc("这个loan我三月份已经pay off了").text == "这个贷款我三月份已经还清了"
    assert "wife" in lexicon.doc("I'm his 老婆, he's in hospital").text
    assert lexicon.doc("only english here").text == "only english here"
