"""SYSTEM_LEAK: prompts, staff rules, internal scores, credentials, other borrowers' data.

Another borrower's identifiable data is also a PII_LEAK; the ``other_borrower`` group reports
both codes so neither is lost.
"""

from __future__ import annotations

from mediator.domain import GuardContext
from mediator.guard.data import GuardData
from mediator.guard.detectors.base import Finding, PhraseDetector
from mediator.guard.doc import Doc


class LeakDetector(PhraseDetector):
    def __init__(self, data: GuardData, pii_rules: dict[str, str]) -> None:
        super().__init__(data, "leak")
        self.pii_rules = pii_rules

    def run(self, doc: Doc, ctx: GuardContext) -> list[Finding]:
        out = super().run(doc, ctx)
        for f in list(out):
            if f.source.endswith(".other_borrower"):
                out.append(
                    Finding(
                        code="PII_LEAK",
                        rule=self.pii_rules.get(ctx.jurisdiction, f.rule),
                        start=f.start,
                        end=f.end,
                        detail="another borrower's personal data",
                        source="PII_LEAK.other_borrower",
                    )
                )
        return out
