"""Intent detection: which of the contract's ten intents a borrower message carries."""

from __future__ import annotations

from mediator.analysis.lexicon import Lexicon
from mediator.analysis.patterns import Doc, Hit


def detect_intents(doc: Doc, lexicon: Lexicon) -> dict[str, Hit]:
    """The first counted hit of every intent found in ``doc``, keyed by intent code."""
    found: dict[str, Hit] = {}
    for code, group in lexicon.intents.items():
        hits = group.hits(doc, first_only=True)
        if hits:
            found[code] = hits[0]
    return found
