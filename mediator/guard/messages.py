"""The lender's wording the guard sends or suggests: disclosures, fallbacks, alternatives,
plain-words explanations (``policies/lender/messages.yaml``)."""

from __future__ import annotations

from typing import Any

from mediator.domain import GuardContext
from mediator.policy import Policy, PolicyError


class Messages:
    def __init__(self, policy: Policy) -> None:
        doc = policy.doc("lender/messages.yaml")
        if not isinstance(doc, dict):
            raise PolicyError("lender/messages.yaml must be a mapping")
        self.doc: dict[str, Any] = doc
        for j in ("US", "UK", "CN"):
            for lang in ("en", "zh"):
                if not self._get("disclosures", j, lang):
                    raise PolicyError(f"lender/messages.yaml lacks disclosures.{j}.{lang}")
        for lang in ("en", "zh"):
            if not self._get("fallbacks", lang):
                raise PolicyError(f"lender/messages.yaml lacks fallbacks.{lang}")

    def _get(self, *keys: str) -> str:
        node: Any = self.doc
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        return " ".join(str(node).split()) if node else ""

    def disclosure(self, ctx: GuardContext) -> str:
        """The first-reply disclosure for this context.

        Before identity is verified the reader may not be the borrower, so the creditor is
        never named: the generic "the lender" / "贷款机构" keeps the disclosure free of debt facts.
        """
        defaults = self.doc.get("defaults", {})
        named = ctx.account.creditor if ctx.account and ctx.identity_verified else None
        creditor = named or defaults.get(f"creditor_{ctx.language}", "")
        collector = ctx.collector_name or defaults.get("collector", "")
        text = self._get("disclosures", ctx.jurisdiction, ctx.language)
        if ctx.language == "zh":
            text = text.replace(" ", "")
        return text.format(collector=collector, creditor=creditor)

    def fallback(self, ctx: GuardContext) -> str:
        return self._get("fallbacks", ctx.language)

    def alternative(self, situation: str, language: str) -> str:
        return self._get("alternatives", situation, language) or self._get("alternatives", "general", language)

    def explanation(self, code: str, language: str) -> str:
        return self._get("explanations", code, language) or code
