"""The guard's literal prefilter never changes a finding.

Every phrase part (a pattern run alone, or a language's alternation) is skipped when none of the
necessary literals of ``mediator.regex_prefilter`` occurs in the text it would scan, and a whole
group is passed over when none of its parts can run. That is only sound if the literals are
exact for the very text the part scans (``doc.lower`` for English, ``doc.text`` for Chinese), so
the guard is built twice, with the prefilter and without it (the same parts, no gates: every
part runs), and must give the same findings and verdicts on every reply of the data sets and on
generated replies; its phrase groups must give the same matches. The shared literal index is
checked against testing every string.
"""

from __future__ import annotations

import json
import re
from dataclasses import astuple, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediator.domain import GuardContext
from mediator.guard import GuardEngine, get_engine
from mediator.guard.data import GatedPattern, GuardData, PhraseGroup, literal_gate, runs_alone
from mediator.guard.doc import Doc
from mediator.policy import get_policy
from mediator.regex_prefilter import LiteralIndex, PatternFilter, Prefilter, necessary_literals, text_grams

DATA = Path(__file__).parent / "data"
SETTINGS = settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@lru_cache(maxsize=1)
def _engines() -> tuple[GuardEngine, GuardEngine]:
    """The guard as it runs, and the same guard with the prefilter disabled."""
    return get_engine(), GuardEngine(get_policy(), prefilter=False)


def _group_files() -> list[str]:
    policy = get_policy()
    return sorted(
        path.removeprefix("guard/").removesuffix(".yaml")
        for path, doc in policy.documents.items()
        if path.startswith("guard/") and isinstance(doc, dict) and doc.get("groups")
    )


@lru_cache(maxsize=1)
def _group_pairs() -> list[tuple[PhraseGroup, PhraseGroup]]:
    """Every phrase group of the policy, built with and without the prefilter."""
    fast, slow = GuardData(get_policy()), GuardData(get_policy(), prefilter=False)
    pairs = [pair for name in _group_files() for pair in zip(fast.groups(name), slow.groups(name), strict=True)]
    assert pairs
    return pairs


def _rows() -> list[dict[str, Any]]:
    rows = []
    for path in sorted(DATA.glob("replies.*.jsonl")):
        rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return rows


@lru_cache(maxsize=1)
def _contexts() -> list[GuardContext]:
    """Distinct contexts of the data sets (jurisdictions, languages, offers, flags)."""
    seen: dict[str, GuardContext] = {}
    for row in _rows():
        ctx = row.get("context") or {}
        seen.setdefault(json.dumps(ctx, sort_keys=True), GuardContext.model_validate(ctx))
    return list(seen.values())


def _outcome(engine: GuardEngine, text: str, ctx: GuardContext) -> tuple[Any, ...]:
    """Everything the guard decides about ``text``, without the timings."""
    _, found, _ = engine.findings(text, ctx)
    verdict = engine.check(text, ctx)
    return tuple(found), astuple(replace(verdict, timings_us={}))


def _matches(group: PhraseGroup, doc: Doc) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.re.pattern) for m in group.matches(doc)]


def _assert_same(text: str, ctx: GuardContext) -> bool:
    """Same findings, verdict and group matches with and without the prefilter; whether any matched."""
    fast, slow = _engines()
    outcome = _outcome(fast, text, ctx)
    assert outcome == _outcome(slow, text, ctx), text
    doc = Doc.build(text)
    for with_gates, without in _group_pairs():
        assert _matches(with_gates, doc) == _matches(without, doc), (with_gates.code, with_gates.name, text)
    return bool(outcome[0])


# --- the prefilter applies, and disabling it keeps the same parts ------------------------------


def test_disabled_prefilter_keeps_the_parts_without_gates() -> None:
    pairs = _group_pairs()
    for with_gates, without in pairs:
        assert [(p.pattern, p.english) for p in with_gates.parts] == [(p.pattern, p.english) for p in without.parts]
        assert all(p.gate is None and p.index is None for p in without.parts)
        for english in (False, True):  # no language passed over, unless the group has no part in it
            languages = {p.english for p in without.parts}
            assert without.gates[english] is None or (not without.gates[english] and english not in languages)
    parts = [p for with_gates, _ in pairs for p in with_gates.parts]
    assert sum(p.gate is not None for p in parts) >= 0.9 * len(parts)  # the speed-up relies on most parts
    assert all(p.index is not None for p in parts if p.gate is not None)
    assert sum(g.gates[True] is not None for g, _ in pairs) >= 0.8 * len(pairs)  # groups passed over at once


def test_gates_are_the_shared_necessary_literals() -> None:
    """A pattern run alone is gated by its own literals; an alternation by its members' together."""
    alone = joined = 0
    for with_gates, _ in _group_pairs():
        for part in with_gates.parts:
            if runs_alone(part.pattern):
                assert part.gate == literal_gate(part.pattern), part.pattern.pattern
                alone += 1
            else:
                joined += part.gate is not None
    assert alone > 200
    assert joined > 20  # the alternations, which always ran before, are gated too


def test_a_caseless_pattern_gets_no_gate() -> None:
    """The guard's patterns are case-sensitive (English runs lower-cased); a caseless one always runs."""
    pattern = re.compile(r"\b(?i:sue) you\b")
    found = necessary_literals(pattern)
    assert found is not None and found.ignorecase
    assert literal_gate(pattern) is None
    assert GatedPattern.of(pattern, english=True).gate is None
    assert literal_gate(re.compile(r"\bsue you\b")) == frozenset({"sue you"})


# --- identical findings and verdicts -------------------------------------------------------------


def test_same_findings_on_every_data_set_reply() -> None:
    rows = _rows()
    assert len(rows) > 1000
    flagged = sum(_assert_same(row["reply"], GuardContext.model_validate(row.get("context") or {})) for row in rows)
    assert flagged > len(rows) / 3  # the comparison covers violating replies, not only clean ones


@lru_cache(maxsize=1)
def _words() -> list[str]:
    """What the gates look for, and clauses of real replies (so generated texts do match)."""
    words: set[str] = set()
    for with_gates, _ in _group_pairs():
        for part in with_gates.parts:
            words.update(part.gate or ())
    for row in _rows()[::7]:
        words.update(c for c in re.split(r"(?<=[,.!?;，。！？；])\s*", row["reply"]) if c)
    words.update(["not ", "don't ", "if you ", "we will ", "不会", "不是", "如果", "我们", "WE WILL ", "Your "])
    return sorted(words)


def _replies() -> st.SearchStrategy[str]:
    token = st.one_of(st.sampled_from(_words()), st.text(max_size=5))
    part = st.tuples(token, st.sampled_from(["", " ", " ", ", ", ". ", "，"]))
    text = st.lists(part, min_size=1, max_size=10).map(lambda parts: "".join(t + sep for t, sep in parts))
    return st.tuples(text, st.sampled_from([str, str.upper, str.title])).map(lambda t: t[1](t[0]))


@SETTINGS
@given(text=st.deferred(_replies), index=st.integers(min_value=0))  # deferred: the policy loads at run time
def test_same_findings_on_generated_replies(text: str, index: int) -> None:
    contexts = _contexts()
    _assert_same(text, contexts[index % len(contexts)])


# --- the shared literal index is exact ----------------------------------------------------------

ALPHABET = "abc你好 ſK"


@SETTINGS
@given(
    words=st.lists(st.text(alphabet=ALPHABET, max_size=6), max_size=12),
    text=st.text(alphabet=ALPHABET + "x", max_size=40),
)
def test_both_lookups_find_exactly_the_strings_present(words: list[str], text: str) -> None:
    index = LiteralIndex.of(words)
    want = {w for w in words if w in text}
    assert set(index.lookup(text)) == want  # one regex pass over the text
    assert set(index.lookup(text, text_grams(text))) == want  # the text's pieces, shared by many indexes


@SETTINGS
@given(
    sets=st.lists(
        st.one_of(
            st.none(),
            st.builds(
                Prefilter,
                st.lists(st.text(alphabet=ALPHABET, min_size=2, max_size=5), min_size=1, max_size=4).map(tuple),
                st.booleans(),
            ),
        ),
        max_size=8,
    ),
    text=st.text(alphabet=ALPHABET + "ABx", max_size=40),
)
def test_pattern_filter_keeps_every_pattern_whose_literal_is_present(sets: list[Prefilter | None], text: str) -> None:
    flags = [re.IGNORECASE if pf is not None and pf.ignorecase else 0 for pf in sets]
    want = [
        i for i, pf in enumerate(sets) if pf is None or any(re.search(re.escape(s), text, flags[i]) for s in pf.strings)
    ]
    filtered = PatternFilter(sets)
    assert list(filtered.candidates(text)) == want
    assert list(filtered.candidates(text, text_grams(text))) == want
