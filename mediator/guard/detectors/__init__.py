"""The detectors, one job each; ``build_detectors`` lists them in the order they run."""

from __future__ import annotations

from mediator.guard.data import GuardData
from mediator.guard.detectors.abuse import abuse_detector
from mediator.guard.detectors.base import Detector, Finding, PhraseDetector
from mediator.guard.detectors.citations import CitationDetector
from mediator.guard.detectors.falserep import falserep_detector
from mediator.guard.detectors.leak import LeakDetector
from mediator.guard.detectors.offers import OffersDetector
from mediator.guard.detectors.pii import PiiDetector
from mediator.guard.detectors.pressure import pressure_detector
from mediator.guard.detectors.state import StateDetector
from mediator.guard.detectors.thirdparty import ThirdPartyDetector
from mediator.guard.detectors.threat import threat_detector

__all__ = ["Detector", "Finding", "PhraseDetector", "StateDetector", "build_detectors"]


def build_detectors(data: GuardData) -> tuple[list[Detector], StateDetector]:
    pii = PiiDetector(data)
    state = StateDetector(data)
    detectors: list[Detector] = [
        threat_detector(data),
        abuse_detector(data),
        falserep_detector(data),
        pressure_detector(data),
        LeakDetector(data, pii.rules),
        ThirdPartyDetector(data),
        OffersDetector(data),
        CitationDetector(data),
        pii,
        state,
    ]
    return detectors, state
