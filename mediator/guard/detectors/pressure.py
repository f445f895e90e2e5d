"""UNFAIR_PRESSURE: false urgency, repeated demands, guilt, discouraging complaints, borrowing."""

from mediator.guard.data import GuardData
from mediator.guard.detectors.base import PhraseDetector


def pressure_detector(data: GuardData) -> PhraseDetector:
    return PhraseDetector(data, "pressure")
