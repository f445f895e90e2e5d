"""Shared harness for the guard's paraphrase sweeps: each sweep rewrites development lines in
new words and checks them in the source line's own context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mediator.domain import VIOLATION_CODES, GuardContext
from mediator.guard import get_engine

ENGINE = get_engine()
DEV = Path(__file__).parent / "data" / "replies.dev.jsonl"
CONTEXTS = {
    row["id"]: row["context"] for row in (json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines())
}
TH, AB, FR, TP = "THREAT", "ABUSIVE_LANGUAGE", "FALSE_REPRESENTATION", "THIRD_PARTY_DISCLOSURE"
UO, UC, PII, CV = "UNAUTHORIZED_OFFER", "UNVERIFIED_CITATION", "PII_LEAK", "CEASE_VIOLATION"
UP, DI, MD, SL = "UNFAIR_PRESSURE", "DISPUTE_IGNORED", "MISSING_DISCLOSURE", "SYSTEM_LEAK"

Violating = list[tuple[str, tuple[str, ...], tuple[str, ...]]]
Compliant = list[tuple[str, str, tuple[str, ...]]]


def dev_context(dev_id: str) -> GuardContext:
    return GuardContext.model_validate(CONTEXTS[f"d-r-{dev_id}"])


def codes_of(text: str, dev_id: str) -> set[str]:
    return {v.code for v in ENGINE.check(text, dev_context(dev_id)).violations}


def violating_cases(violating: Violating, known_gaps: frozenset[tuple[str, str]] = frozenset()) -> list[Any]:
    gap = pytest.mark.xfail(strict=True, reason="known gap, kept visible")
    return [pytest.param(dev_id, codes, text, id=f"{dev_id}-{i}", marks=[gap] if (dev_id, text) in known_gaps else [])
            for dev_id, codes, texts in violating for i, text in enumerate(texts)]


def compliant_cases(compliant: Compliant) -> list[Any]:
    return [pytest.param(dev_id, text, id=f"{dev_id}-{kind[:12]}-{i}")
            for dev_id, kind, texts in compliant for i, text in enumerate(texts)]


def assert_keeps_codes(dev_id: str, codes: tuple[str, ...], text: str) -> None:
    verdict = ENGINE.check(text, dev_context(dev_id))
    found = {v.code for v in verdict.violations}
    assert verdict.action != "pass" and set(codes) <= found, f"missing {set(codes) - found}, found {found}"


def assert_passes(dev_id: str, text: str) -> None:
    verdict = ENGINE.check(text, dev_context(dev_id))
    assert verdict.action == "pass", [(v.code, v.detail) for v in verdict.violations]


def assert_covers_every_code(violating: Violating, lines_per_code: int = 5) -> None:
    per_code: dict[str, set[str]] = {}
    for dev_id, codes, texts in violating:
        assert len(texts) == 3
        for code in codes:
            per_code.setdefault(code, set()).add(dev_id)
    assert set(per_code) == set(VIOLATION_CODES)
    assert all(len(ids) >= lines_per_code for ids in per_code.values()), per_code
