"""Which language dominates a message: Simplified Chinese or English."""

from __future__ import annotations

import re

from mediator.domain import Language

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")

# One Chinese character carries roughly what one English word does; a few English
# words inside a Chinese sentence ("我的 lawyer 说") leave it Chinese.
_HAN_PER_WORD = 1.0


def detect_language(text: str) -> Language:
    """'zh' when Chinese characters outweigh English words, else 'en' (also for no letters)."""
    han = len(_HAN.findall(text))
    if not han:
        return "en"
    words = len(_LATIN_WORD.findall(text))
    return "zh" if han * _HAN_PER_WORD >= words else "en"
