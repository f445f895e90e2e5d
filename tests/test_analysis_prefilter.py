"""The literal prefilter of the pattern groups: what it proves, and that it never changes a result.

A pattern is skipped when none of its necessary literals occurs in the text. That is
only sound if every match of the regex really contains one of them, so the derivation
is checked on hand-picked regexes, on generated regexes against generated texts, and
the real analyser data is run with and without the prefilter on every message of the
data sets and on generated messages: the hits must be identical.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mediator.analysis.lexicon import INTENTS_DOC, TEXT_DOC, get_lexicon
from mediator.analysis.patterns import Doc, Negation, PatternGroup
from mediator.policy import get_policy
from mediator.regex_prefilter import Prefilter, necessary_literals

DATA = Path(__file__).parent / "data"
SETTINGS = settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def literals(pattern: str) -> Prefilter | None:
    return necessary_literals(re.compile(pattern))


# --- (a) the derivation on hand-picked regexes ---------------------------------------------


def test_plain_words_are_their_own_literal() -> None:
    assert literals(r"\bi do not owe\b") == Prefilter(("i do not owe",), False)


def test_alternation_is_the_union_of_its_branches() -> None:
    pf = literals(r"\b(paid|settled) off\b")
    assert pf is not None
    assert set(pf.strings) == {"paid off", "settled off"}


def test_alternation_with_a_branch_without_literal_proves_nothing() -> None:
    assert literals(r"(paid|\d+)") is None
    assert literals(r"a|bc") is None  # "a" is a single character: too weak to skip on


def test_optional_group_joins_both_spellings_into_the_run() -> None:
    pf = literals(r"\bpay (it )?off\b")
    assert pf is not None
    assert set(pf.strings) == {"pay off", "pay it off"}


def test_empty_alternative_keeps_the_shorter_string_only() -> None:
    pf = literals(r"(foo|)bar")
    assert pf is not None
    assert pf.strings == ("bar",)  # "foobar" contains "bar": testing "bar" is enough


def test_unbounded_optional_repeat_breaks_the_run() -> None:
    pf = literals(r"xy(ab)*cde")
    assert pf is not None
    assert pf.strings == ("cde",)


def test_repeat_with_a_minimum_needs_its_item() -> None:
    assert literals(r"(?:ab){2}") == Prefilter(("abab",), False)
    pf = literals(r"(?:hello)+ [0-9]")
    assert pf is not None
    assert pf.strings == ("hello",)


def test_small_character_class_multiplies_the_run() -> None:
    pf = literals(r"\bs7[78]\b")
    assert pf is not None
    assert set(pf.strings) == {"s77", "s78"}


def test_past_a_few_characters_one_string_beats_several_longer_ones() -> None:
    # "authori" is rare enough; testing one string is cheaper than testing two
    assert literals(r"\bauthori[sz]ation\b") == Prefilter(("authori",), False)


def test_wide_or_negated_classes_break_the_run() -> None:
    assert literals(r"[^a]bc") == Prefilter(("bc",), False)
    assert literals(r"\w+ \d+") is None
    assert literals(r"[a-z]{3,}") is None


def test_lookaround_adds_no_text() -> None:
    # the lookbehind's "not " is not part of the match, so it must not be required
    assert literals(r"(?<!not )\bpaid\b") == Prefilter(("paid",), False)
    # a lookahead between two literals does not break the run: the match is "abde"
    assert literals(r"ab(?!c)de") == Prefilter(("abde",), False)
    assert literals(r"(?=refund)\w+") is None


def test_inline_ignorecase_is_searched_caselessly() -> None:
    assert literals(r"(?i)\brefund\b") == Prefilter(("refund",), True)
    assert literals(r"x(?i:abc)") == Prefilter(("xabc",), True)
    assert literals(r"abc") == Prefilter(("abc",), False)


def test_chinese_literals() -> None:
    pf = literals(r"(早就|已经)(全部)?(还清|结清)")
    assert pf is not None
    assert set(pf.strings) == {"早就", "已经"}  # as selective as "还清"|"结清": the first factor is kept
    pf = literals(r"(还|付)(清|完)了")
    assert pf is not None
    # a run may start inside the sequence: "清了"|"完了" is rare enough and half as many strings
    assert set(pf.strings) == {"清了", "完了"}


def test_too_many_strings_fall_back_to_a_smaller_factor() -> None:
    # 10 x 10 x 10 spellings is too many to test; the fixed word in the middle is enough
    pf = literals(r"[0-9][0-9][0-9] pounds [0-9]")
    assert pf is not None
    assert pf.strings == (" pounds ",)


# --- groups: a pattern without a factor always runs; caseless matches are not lost -----------


NEGATION = Negation({"clause_break": r"[.!?;,]", "en_cues": r"\bnot\b", "zh_cues": "不"})


def group(*patterns: Any, prefilter: bool = True) -> PatternGroup:
    return PatternGroup("T", patterns, (), NEGATION, prefilter=prefilter)


def spans(g: PatternGroup, text: str) -> list[tuple[int, int]]:
    return [h.span for h in g.hits(Doc(text, NEGATION.clause_break))]


def test_pattern_without_factor_always_runs() -> None:
    g = group(r"\d{3}", r"\bowe\b")
    assert g.prefilters[0] is None
    assert g.prefilters[1] is not None
    assert spans(g, "ref 123 today") == [(4, 7)]
    assert spans(g, "i owe 123") == [(6, 9), (2, 5)]


def test_skipped_only_when_no_literal_occurs() -> None:
    g = group(r"\b(paid|settled) off\b")
    assert spans(g, "i settled off the loan") == [(2, 13)]
    assert spans(g, "i settled it") == []


def test_caseless_pattern_keeps_unicode_case_folding() -> None:
    # "ſ" (long s) and "K" (Kelvin sign) match "s" and "k" under IGNORECASE; lower() would miss them
    g = group(r"(?i)\bsue\b", r"(?i)kick")
    assert spans(g, "I will ſue you") == [(7, 10)]
    assert spans(g, "KICK \u212aick") == [(0, 4), (5, 9)]
    assert spans(g, "I will settle") == []


def test_unless_guard_still_vetoes() -> None:
    g = group({"re": r"\bnever heard of\b", "unless": r"\bwrong number\b"})
    assert spans(g, "never heard of you") == [(0, 14)]
    assert spans(g, "never heard of you, wrong number") == []


# --- the derivation is sound on generated regexes ---------------------------------------------

ATOMS = ["a", "b", "c", "ab", "abc", "ba", "[ab]", "[^a]", "[^ab]", ".", r"\b", r"\w", r"\d", "ſ", "A", " "]
ATOMS += ["(?<=a)", "$"]
QUANTIFIERS = ["?", "*", "+", "{2}", "{0,2}", "{1,3}", "+?", "{2,}", "??"]


def _wrapped(seq: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One construct around generated sub-sequences: alternation, repeat, lookaround, flags, groups."""
    return st.one_of(
        st.lists(seq, min_size=2, max_size=3).map(lambda xs: "(?:" + "|".join(xs) + ")"),
        st.tuples(seq, st.sampled_from(QUANTIFIERS)).map(lambda t: f"(?:{t[0]}){t[1]}"),
        st.tuples(st.sampled_from(["(?=", "(?!", "(?i:", "(", "(?>", "(?:"]), seq).map(lambda t: f"{t[0]}{t[1]})"),
    )


def _regexes() -> st.SearchStrategy[str]:
    """Sequences of atoms and of constructs nested two deep (flat enough to cover every construct)."""
    atom = st.sampled_from(ATOMS)
    inner = st.lists(atom, min_size=1, max_size=3).map("".join)
    middle = st.lists(st.one_of(atom, _wrapped(inner)), min_size=1, max_size=3).map("".join)
    return st.lists(st.one_of(atom, _wrapped(middle)), min_size=1, max_size=4).map("".join)


def _contains(pf: Prefilter, matched: str) -> bool:
    flags = re.IGNORECASE if pf.ignorecase else 0
    return any(re.search(re.escape(s), matched, flags) for s in pf.strings)


# texts made of the atoms' own letters and pieces, and texts the regex itself matches
TEXT = st.lists(st.sampled_from(["a", "b", "c", "ab", "abc", "ba", "A", "B", "ſ", " ", "1", "\n"]), max_size=12)


@SETTINGS
@given(pattern=_regexes(), data=st.data())
def test_every_match_contains_a_necessary_literal(pattern: str, data: st.DataObject) -> None:
    try:
        regex = re.compile(pattern)
    except re.error:
        assume(False)
        raise
    pf = necessary_literals(regex)
    if pf is None:
        return
    assert min(map(len, pf.strings)) >= 2
    texts = data.draw(st.lists(st.one_of(st.from_regex(regex), TEXT.map("".join)), min_size=1, max_size=3))
    for text in texts:
        for m in regex.finditer(text):
            assert _contains(pf, m.group(0)), (pattern, text, m.group(0), pf)


# --- (b) the real analyser data: identical hits with and without the prefilter --------------


@lru_cache(maxsize=1)
def _groups() -> list[tuple[PatternGroup, PatternGroup]]:
    """Every intent and risk-signal group, built twice: with the prefilter and without it."""
    lexicon = get_lexicon()
    specs: dict[str, Any] = dict((get_policy().doc(INTENTS_DOC).get("intents") or {}).items())
    for name, spec in (lexicon.risk["message"].get("signals") or {}).items():
        if spec.get("patterns"):
            specs[f"risk:{name}"] = spec
    pairs = []
    for name, spec in specs.items():
        built = [
            PatternGroup(
                name, spec.get("patterns", ()), spec.get("exclude", ()), lexicon.negation, lexicon.vocab, prefilter=on
            )
            for on in (True, False)
        ]
        pairs.append((built[0], built[1]))
    return pairs


def _assert_same_hits(doc: Doc) -> None:
    for fast, slow in _groups():
        assert fast.hits(doc) == slow.hits(doc), (fast.name, doc.text)
        assert fast.hits(doc, first_only=True) == slow.hits(doc, first_only=True), (fast.name, doc.text)


def _messages() -> Iterator[str]:
    for path in sorted(DATA.glob("messages.*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                message = json.loads(line).get("message")
                if isinstance(message, str):
                    yield message


def test_the_groups_are_prefiltered() -> None:
    pairs = _groups()
    assert len(pairs) >= 10
    with_literals = sum(pf is not None for fast, _ in pairs for pf in fast.prefilters)
    total = sum(len(fast.prefilters) for fast, _ in pairs)
    assert with_literals >= 0.9 * total  # the speed-up relies on most patterns having literals
    assert all(pf is None for _, slow in pairs for pf in slow.prefilters)


def test_same_hits_on_every_data_set_message() -> None:
    lexicon = get_lexicon()
    messages = list(_messages())
    assert len(messages) > 500
    hits = 0
    for message in messages:
        doc = lexicon.doc(message)
        _assert_same_hits(doc)
        hits += sum(bool(fast.hits(doc, first_only=True)) for fast, _ in _groups())
    assert hits > len(messages) / 2  # the comparison covers matching texts, not only silent ones


@lru_cache(maxsize=1)
def _words() -> list[str]:
    """Words the patterns look for: the vocabulary lists and every necessary literal."""
    words: set[str] = set()
    for items in (get_policy().doc(TEXT_DOC).get("vocab") or {}).values():
        words.update(str(w) for w in (items if isinstance(items, list) else [items]))
    for fast, _ in _groups():
        for pf in fast.prefilters:
            if pf is not None:
                words.update(pf.strings)
    words.update(["not", "never", "i", "my", "you", "不", "没", "我", ".", ",", "?", "!"])
    return sorted(words)


def _message_texts() -> st.SearchStrategy[str]:
    token = st.one_of(st.sampled_from(_words()), st.text(max_size=6))
    part = st.tuples(token, st.sampled_from([" ", " ", "", ", ", ". "]))
    return st.lists(part, min_size=1, max_size=12).map(lambda parts: "".join(t + sep for t, sep in parts))


@SETTINGS
@given(text=st.deferred(_message_texts))  # deferred: the policy loads when the test runs, not at import
def test_same_hits_on_generated_messages(text: str) -> None:
    lexicon = get_lexicon()
    _assert_same_hits(lexicon.doc(text))  # canonical text, as the analyser sees it
    _assert_same_hits(Doc(text, lexicon.negation.clause_break))  # raw text: upper case, odd characters
