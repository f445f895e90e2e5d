"""ABUSIVE_LANGUAGE: profanity and insulting labels ("deadbeat", "老赖")."""

from mediator.guard.data import GuardData
from mediator.guard.detectors.base import PhraseDetector


def abuse_detector(data: GuardData) -> PhraseDetector:
    return PhraseDetector(data, "abuse")
