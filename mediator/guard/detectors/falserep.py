"""FALSE_REPRESENTATION by wording: posing as authorities, invented legal action, "it's a crime".

Wrong balances and days past due are caught by the figure checker in ``offers.py``.
"""

from mediator.guard.data import GuardData
from mediator.guard.detectors.base import PhraseDetector


def falserep_detector(data: GuardData) -> PhraseDetector:
    return PhraseDetector(data, "falserep")
