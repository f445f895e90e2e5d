"""One-time load of ``policies/analysis``: canonicaliser, intent groups, risk data.

Everything is compiled once per policy folder and cached, so analysing a message does
no I/O and compiles nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mediator.analysis.canon import Canonicaliser, CodeSwitch
from mediator.analysis.patterns import Doc, Negation, PatternGroup, Vocabulary
from mediator.domain import INTENT_CODES
from mediator.policy import PolicyError, get_policy

TEXT_DOC = "analysis/text.yaml"
INTENTS_DOC = "analysis/intents.yaml"
RISK_DOC = "analysis/risk.yaml"


@dataclass(frozen=True)
class Lexicon:
    """The compiled analyser data of one policy version."""

    version: str
    canonicalise: Canonicaliser
    code_switch: CodeSwitch
    negation: Negation
    intents: dict[str, PatternGroup]
    risk: Mapping[str, Any]
    vocab: Vocabulary

    def doc(self, text: str) -> Doc:
        """Canonicalise ``text`` (and gloss code-switched words) once for every group that will read it."""
        return Doc(self.code_switch(self.canonicalise(text)), self.negation.clause_break)

    def group(self, name: str, spec: Mapping[str, Any]) -> PatternGroup:
        return PatternGroup(name, spec.get("patterns", ()), spec.get("exclude", ()), self.negation, self.vocab)


def _intent_groups(doc: Mapping[str, Any], negation: Negation, vocab: Vocabulary) -> dict[str, PatternGroup]:
    specs = doc.get("intents") or {}
    unknown = set(specs) - set(INTENT_CODES)
    if unknown:
        raise PolicyError(f"{INTENTS_DOC}: unknown intent codes {sorted(unknown)}")
    return {
        code: PatternGroup(code, specs[code].get("patterns", ()), specs[code].get("exclude", ()), negation, vocab)
        for code in INTENT_CODES
        if code in specs
    }


@lru_cache(maxsize=4)
def get_lexicon(root: str | None = None) -> Lexicon:
    """The analyser data for the policy folder ``root`` (default: the project's)."""
    policy = get_policy(root)
    text = policy.doc(TEXT_DOC)
    negation = Negation(text["negation"])
    vocab = Vocabulary(text.get("vocab"))
    return Lexicon(
        version=policy.version,
        canonicalise=Canonicaliser(text),
        code_switch=CodeSwitch(text.get("code_switch") or {}),
        negation=negation,
        intents=_intent_groups(policy.doc(INTENTS_DOC), negation, vocab),
        risk=policy.doc(RISK_DOC),
        vocab=vocab,
    )
