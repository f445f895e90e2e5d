"""Borrower-message analysis: intents, complaint risk and supervisor alert triggers.

Pure and deterministic: rules and lexicons are data in ``policies/analysis``, loaded
and compiled once.
"""

from mediator.analysis.alerts import ALERT_KINDS, AlertTrigger
from mediator.analysis.analyzer import (
    Analyzer,
    alert_triggers,
    analyze_message,
    conversation_risk,
    get_analyzer,
)
from mediator.analysis.language import detect_language
from mediator.analysis.risk import ConversationFeatures, RiskAssessment

__all__ = [
    "ALERT_KINDS",
    "AlertTrigger",
    "Analyzer",
    "ConversationFeatures",
    "RiskAssessment",
    "alert_triggers",
    "analyze_message",
    "conversation_risk",
    "detect_language",
    "get_analyzer",
]
