"""What every detector shares: the finding record, the detector interface, phrase matching."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from mediator.domain import GuardContext
from mediator.guard.data import GuardData, PhraseGroup
from mediator.guard.doc import Doc, Negation


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation found by a detector, with its span on the normalised text.

    ``mask`` is a safe mechanical replacement for the span (PII masking); findings without
    one cannot be repaired, except MISSING_DISCLOSURE which the engine repairs by prepending.
    """

    code: str
    rule: str
    start: int
    end: int
    detail: str
    source: str
    """Which detector group produced it ("THREAT.arrest"), recorded as the rule that fired."""
    mask: str | None = None


class Detector(Protocol):
    name: str

    def run(self, doc: Doc, ctx: GuardContext) -> list[Finding]: ...


def iter_hits(doc: Doc, group: PhraseGroup, negation: Negation) -> Iterator[re.Match[str]]:
    """Matches of a phrase group that survive negation and ``unless_near`` filters."""
    for m in group.matches(doc):
        if m.end() == m.start():
            continue
        if group.negatable and negation.negated(doc.text, m.start()):
            continue
        if group.unless is not None:
            lo, hi = doc.sentence(m.start(), m.end()) if group.unless_sentence else doc.clause(m.start(), m.end())
            if group.unless.search(doc, lo, hi):
                continue
        yield m


def has_offer(ctx: GuardContext, kind: str) -> bool:
    return any(o.kind == kind for o in ctx.approved_offers)


class PhraseDetector:
    """A detector made of phrase groups from one ``policies/guard/<file>.yaml``.

    One finding per group is enough to judge a reply; the first surviving hit is reported.
    """

    def __init__(self, data: GuardData, file: str, name: str | None = None) -> None:
        self.name = name or file
        self.groups = data.groups(file)
        self.negation = data.negation

    def run(self, doc: Doc, ctx: GuardContext) -> list[Finding]:
        out: list[Finding] = []
        for group in self.groups:
            if group.requires_no_offer and has_offer(ctx, group.requires_no_offer):
                continue
            m = next(iter_hits(doc, group, self.negation), None)
            if m is not None:
                out.append(
                    Finding(
                        code=group.code,
                        rule=group.rule(ctx.jurisdiction),
                        start=m.start(),
                        end=m.end(),
                        detail=f"{group.detail}: {doc.text[m.start() : m.end()]!r}",
                        source=f"{group.code}.{group.name}",
                    )
                )
        return out
