"""THREAT: threatened arrest, jail, visits, seizure, harm to family, deportation."""

from mediator.guard.data import GuardData
from mediator.guard.detectors.base import PhraseDetector


def threat_detector(data: GuardData) -> PhraseDetector:
    return PhraseDetector(data, "threat")
