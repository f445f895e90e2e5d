"""The analyser's entry points: one borrower message, one conversation, its alerts.

Pure functions over the data loaded once from ``policies/analysis``: text in, results
out, deterministic, no I/O after the first call. Intents come from the rules; the
optional learned model (``policies/analysis/model.json``) may add an intent the rules
missed when it is very sure, and is skipped when missing or ``MEDIATOR_ANALYSIS_MODEL=off``.
"""

from __future__ import annotations

from functools import lru_cache

from mediator.analysis.alerts import AlertPolicy, AlertTrigger
from mediator.analysis.intents import detect_intents
from mediator.analysis.language import detect_language
from mediator.analysis.lexicon import Lexicon, get_lexicon
from mediator.analysis.model import IntentModel, load_model
from mediator.analysis.risk import (
    ConversationFeatures,
    ConversationRiskModel,
    MessageRiskModel,
    RiskAssessment,
)
from mediator.domain import MessageAnalysis


class Analyzer:
    """Intents, complaint risk and alerts from one compiled ``Lexicon`` (plus the optional model)."""

    def __init__(self, lexicon: Lexicon, model: IntentModel | None = None) -> None:
        self.lexicon = lexicon
        self.model = model
        self._message_risk = MessageRiskModel(lexicon)
        self._conversation_risk = ConversationRiskModel(lexicon.risk.get("conversation") or {})
        self._alerts = AlertPolicy(lexicon.risk.get("alerts") or {})

    def analyze(self, text: str, language: str | None = None) -> MessageAnalysis:
        text = text if isinstance(text, str) else str(text)
        lang = language if language in ("en", "zh") else detect_language(text)
        doc = self.lexicon.doc(text)
        hits = detect_intents(doc, self.lexicon)
        intents = tuple(sorted(hits)) if self.model is None else self.model.combine(doc.text, hits)
        risk = self._message_risk.score(doc, frozenset(intents), text)
        return MessageAnalysis(
            intents=intents,
            complaint_risk=risk.score,
            language=lang,  # type: ignore[arg-type]
            reasons=risk.reasons,
            signals=risk.signals,
        )

    def conversation_risk(self, f: ConversationFeatures) -> RiskAssessment:
        return self._conversation_risk.assess(f)

    def alert_triggers(
        self, a: MessageAnalysis, conv: RiskAssessment, threshold: float, guardrail_blocked: bool = False
    ) -> list[AlertTrigger]:
        return self._alerts.triggers(a, conv, threshold, guardrail_blocked)


@lru_cache(maxsize=4)
def get_analyzer(root: str | None = None) -> Analyzer:
    """The analyser for a policy folder, built once (with its model unless switched off)."""
    return Analyzer(get_lexicon(root), load_model(root))


def analyze_message(text: str, language: str | None = None) -> MessageAnalysis:
    """Intents (sorted contract codes), complaint risk in [0, 1], language, reasons, signals."""
    return get_analyzer().analyze(text, language)


def conversation_risk(f: ConversationFeatures) -> RiskAssessment:
    """A conversation's complaint risk from its messages and features, with reasons."""
    return get_analyzer().conversation_risk(f)


def alert_triggers(
    a: MessageAnalysis, conv: RiskAssessment, threshold: float, guardrail_blocked: bool = False
) -> list[AlertTrigger]:
    """The alerts a message raises: hard triggers first, then the risk threshold."""
    return get_analyzer().alert_triggers(a, conv, threshold, guardrail_blocked)
