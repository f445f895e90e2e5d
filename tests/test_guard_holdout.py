"""Acceptance thresholds on the independent held-out reply sets, and the detectors' speed gates.

``tests/data/replies.holdout*.jsonl`` were written blind (before the detectors were read, or
before the round of fixes that followed them), with names, amounts, creditors and wording that
are not in the dev set. Each set must keep recall of violating replies >= 0.97 and a
false-positive rate on compliant replies <= 0.03; over all held-out sets together, every code's
recall must be >= 0.9 (every code has at least 12 gold lines there).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mediator.domain import GuardContext
from mediator.guard import get_engine
from mediator.guard.data import PhraseGroup
from mediator.guard.doc import Doc
from mediator.guard.literals import required_literals

DATA = Path(__file__).parent / "data"
HOLDOUTS = sorted(DATA.glob("replies.holdout*.jsonl"))
MIN_RECALL, MAX_FPR, MIN_CODE_RECALL = 0.97, 0.03, 0.9


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def _judged(path: Path) -> tuple[tuple[dict[str, Any], bool, frozenset[str]], ...]:
    """Each gold row with whether the guard flagged it and the codes it named."""
    engine = get_engine()
    out = []
    for row in _rows(path):
        verdict = engine.check(row["reply"], GuardContext.model_validate(row["context"]))
        out.append((row, verdict.action != "pass", frozenset(v.code for v in verdict.violations)))
    return tuple(out)


def test_holdout_sets_exist_and_are_large_enough() -> None:
    assert len(HOLDOUTS) >= 2
    rows = [r for p in HOLDOUTS for r in _rows(p)]
    assert len(rows) >= 280
    codes = Counter(c for r in rows for c in r["gold"]["codes"])
    assert len(codes) == 12 and min(codes.values()) >= 12, codes
    for r in rows:
        assert r["gold"]["allowed"] == (not r["gold"]["codes"]), r["id"]


@pytest.mark.parametrize("path", HOLDOUTS, ids=lambda p: p.name)
def test_holdout_recall_and_false_positive_rate(path: Path) -> None:
    judged = _judged(path)
    violating = [(r, f) for r, f, _ in judged if not r["gold"]["allowed"]]
    compliant = [(r, f) for r, f, _ in judged if r["gold"]["allowed"]]
    missed = [r["id"] for r, f in violating if not f]
    flagged = [r["id"] for r, f in compliant if f]
    assert 1 - len(missed) / len(violating) >= MIN_RECALL, f"violating but passed: {missed}"
    assert len(flagged) / len(compliant) <= MAX_FPR, f"compliant but flagged: {flagged}"


def test_every_code_is_recalled_across_the_holdout_sets() -> None:
    hit, total = Counter(), Counter()
    for path in HOLDOUTS:
        for row, _, named in _judged(path):
            for code in row["gold"]["codes"]:
                total[code] += 1
                hit[code] += code in named
    weak = {c: f"{hit[c]}/{total[c]}" for c in total if hit[c] / total[c] < MIN_CODE_RECALL}
    assert not weak, weak


def _groups() -> list[tuple[str, PhraseGroup]]:
    engine = get_engine()
    found: list[tuple[str, PhraseGroup]] = []
    for name in ("threat", "abuse", "falserep", "pressure", "leak", "thirdparty", "offers", "pii"):
        found.extend((name, g) for g in engine.data.groups(name))
    return found


def test_literal_gates_never_hide_a_match() -> None:
    """A pattern's literal gate is a speed gate: every text the pattern matches must contain one."""
    texts = [r["reply"] for p in (DATA / "replies.dev.jsonl", *HOLDOUTS) for r in _rows(p)]
    docs = [Doc.build(t) for t in texts]
    gated = [(f, g, part) for f, g in _groups() for part in g.parts if part.gate is not None]
    assert len(gated) >= 20, "the literal gates stopped applying"
    hits = 0
    for file, group, part in gated:
        assert part.gate is not None
        for doc in docs:
            text = doc.lower if part.english else doc.text
            if part.pattern.search(text):
                hits += 1
                assert any(k in text for k in part.gate), (file, group.name, part.pattern.pattern, doc.text)
    assert hits > 50  # the check saw real matches, not only misses


@pytest.mark.parametrize(
    ("pattern", "inside", "outside"),
    [
        (r"\b(?:take|taking)\w* you (?:to|in) court\b", "taking you to court", "see you in the morning"),
        (r"\b(?:summons|subpoena)\b|\bsue\b", "we will sue", "a summary"),
        (r"老赖|滚(?:蛋|开)", "你这个老赖", "滚动还款"),
    ],
)
def test_required_literals_are_necessary_and_selective(pattern: str, inside: str, outside: str) -> None:
    found = required_literals(pattern)
    assert found is not None
    assert re.search(pattern, inside) and any(k in inside for k in found)
    assert not any(k in outside for k in found)


def test_patterns_without_a_fixed_piece_get_no_gate() -> None:
    assert required_literals(r"\w+ \d+") is None
    assert required_literals(r"(?:very )?\d+") is None
    assert required_literals(r"\w+ing you") == frozenset({"ing you"})
