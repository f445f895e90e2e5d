"""Property tests: any text gives a well-formed, bounded, deterministic analysis."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mediator.analysis import analyze_message, detect_language
from mediator.domain import INTENT_CODES

_words = st.sampled_from(
    ["stop", "calling", "ombudsman", "我", "不是", "投诉", "lawyer", "not", "pay", "破产", "ignore", "!!", "，", "."]
)
_texts = st.one_of(st.text(max_size=300), st.lists(_words, max_size=40).map(" ".join))


@settings(max_examples=300, deadline=None)
@given(text=_texts, language=st.sampled_from([None, "en", "zh"]))
def test_any_text_gives_a_bounded_well_formed_result(text: str, language: str | None) -> None:
    a = analyze_message(text, language)
    assert 0.0 <= a.complaint_risk <= 1.0
    assert set(a.intents) <= set(INTENT_CODES)
    assert list(a.intents) == sorted(set(a.intents))
    assert a.language in ("en", "zh")
    assert all(0.0 <= v <= 1.0 for v in a.signals.values())
    assert detect_language(text) in ("en", "zh")


@settings(max_examples=150, deadline=None)
@given(text=_texts)
def test_analysis_is_deterministic(text: str) -> None:
    assert analyze_message(text) == analyze_message(text)
