"""A borrower may ask for a person at any time. That request is honoured deterministically,
before any model is asked: a short (guard-checked) confirmation and a hand-over."""

from __future__ import annotations

import re
from functools import lru_cache

from mediator.policy import get_policy
from mediator.textnorm import normalize


@lru_cache(maxsize=1)
def _config() -> tuple[tuple[re.Pattern[str], ...], dict[str, str], dict[str, str]]:
    doc = get_policy().doc("lender/contact.yaml").get("human", {})
    patterns = tuple(re.compile(p, re.IGNORECASE) for p in doc.get("request_patterns", ()))
    return patterns, dict(doc.get("reply", {})), dict(doc.get("help", {}))


def wants_human(message: str) -> bool:
    text = normalize(message)
    return any(p.search(text) for p in _config()[0])


def handover_reply(language: str) -> str:
    replies = _config()[1]
    return replies.get(language) or replies["en"]


def human_help(language: str) -> str:
    helps = _config()[2]
    return helps.get(language) or helps["en"]
