"""Complaint risk per message and per conversation, with the reasons behind each figure.

Weights, caps and reasons are data (``policies/analysis/risk.yaml``); this module only
combines them. Causes combine as independent chances (noisy-OR), so every figure stays
in [0, 1] and never falls when a signal or a feature grows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mediator.analysis.lexicon import Lexicon
from mediator.analysis.patterns import Doc, PatternGroup
from mediator.policy import PolicyError

_WORDS = re.compile(r"[A-Za-z]+")


def noisy_or(chances: Sequence[float]) -> float:
    """The chance that at least one of several independent causes fires."""
    remaining = 1.0
    for c in chances:
        remaining *= 1.0 - min(1.0, max(0.0, c))
    return 1.0 - remaining


def _top_reasons(contributions: Sequence[tuple[float, str]], limit: int) -> tuple[str, ...]:
    ranked = sorted((c for c in contributions if c[0] > 0), key=lambda c: (-c[0], c[1]))
    return tuple(dict.fromkeys(reason for _, reason in ranked))[:limit]


@dataclass(frozen=True, slots=True)
class _Signal:
    name: str
    hard: bool
    weight: float
    reason: str
    saturate: float
    from_intent: str | None
    group: PatternGroup | None
    shouting: bool


@dataclass(frozen=True, slots=True)
class MessageRisk:
    """One message's risk, its signal strengths and the top reasons."""

    score: float
    signals: dict[str, float]
    reasons: tuple[str, ...]


class Shouting:
    """Upper-case shouting: the share of long words written in capitals."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._min_len = int(spec.get("min_word_length", 4))
        self._min_words = int(spec.get("min_words", 3))
        self._min_share = float(spec.get("min_share", 0.5))

    def __call__(self, original: str) -> bool:
        words = [w for w in _WORDS.findall(original) if len(w) >= self._min_len]
        if len(words) < self._min_words:
            return False
        loud = sum(w.isupper() for w in words)
        return loud >= self._min_words and loud / len(words) >= self._min_share


class MessageRiskModel:
    """Scores one message from its intents and the signals of ``risk.yaml``."""

    def __init__(self, lexicon: Lexicon) -> None:
        spec = lexicon.risk["message"]
        self._base = float(spec.get("base", 0.0))
        self._soft_cap = float(spec.get("soft_cap", 1.0))
        self._top = int(spec.get("top_reasons", 3))
        self._shouting = Shouting(lexicon.risk.get("shouting") or {})
        self._signals: list[_Signal] = []
        for name, s in (spec.get("signals") or {}).items():
            if s.get("kind") not in ("hard", "soft"):
                raise PolicyError(f"risk signal {name}: kind must be hard or soft")
            has_patterns = bool(s.get("patterns"))
            self._signals.append(
                _Signal(
                    name=name,
                    hard=s["kind"] == "hard",
                    weight=float(s["weight"]),
                    reason=str(s.get("reason", name)),
                    saturate=float(s.get("saturate", 1)),
                    from_intent=s.get("from_intent"),
                    group=lexicon.group(name, s) if has_patterns else None,
                    shouting=bool(s.get("builtin_shouting", False)),
                )
            )

    def _strength(self, sig: _Signal, doc: Doc, intents: frozenset[str], original: str) -> float:
        count = 0
        if sig.from_intent is not None and sig.from_intent in intents:
            count += 1
        if sig.group is not None:
            count += len(sig.group.hits(doc, first_only=sig.saturate <= 1))
        if sig.shouting and self._shouting(original):
            count += 1
        return min(1.0, count / sig.saturate) if count else 0.0

    def score(self, doc: Doc, intents: frozenset[str], original: str) -> MessageRisk:
        signals: dict[str, float] = {}
        hard: list[float] = []
        soft: list[float] = []
        contributions: list[tuple[float, str]] = []
        for sig in self._signals:
            strength = self._strength(sig, doc, intents, original)
            signals[sig.name] = strength
            if not strength:
                continue
            chance = sig.weight * strength
            (hard if sig.hard else soft).append(chance)
            contributions.append((chance + (1.0 if sig.hard else 0.0), sig.reason))
        total = noisy_or([self._base, noisy_or(hard), min(self._soft_cap, noisy_or(soft))])
        return MessageRisk(round(total, 6), signals, _top_reasons(contributions, self._top))


@dataclass(slots=True)
class ConversationFeatures:
    """What the service knows about a conversation so far (borrower messages oldest first)."""

    message_intents: list[tuple[str, ...]] = field(default_factory=list)
    message_risks: list[float] = field(default_factory=list)
    guardrail_blocks: int = 0
    handover_wait_s: float = 0.0
    unresolved_dispute_turns: int = 0
    borrower_messages: int = 0


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """A conversation's complaint risk in [0, 1] and the top reasons behind it."""

    score: float
    reasons: tuple[str, ...] = ()


def _count(intents: Sequence[tuple[str, ...]], code: str) -> int:
    return sum(code in message for message in intents)


class ConversationRiskModel:
    """Combines message risks with conversation features (``risk.yaml`` ``conversation``)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._components = dict(spec.get("components") or {})
        self._top = int(spec.get("top_reasons", 3))

    def _saturating(self, name: str, x: float) -> float:
        c = self._components.get(name)
        if not c:
            return 0.0
        excess = max(0.0, x - float(c.get("offset", 0)))
        return float(c["weight"]) * (1.0 - math.exp(-excess / float(c.get("scale", 1.0))))

    def _features(self, f: ConversationFeatures) -> dict[str, float]:
        risks = [min(1.0, max(0.0, float(r))) for r in f.message_risks if not math.isnan(float(r))]
        peak = self._components.get("peak_message") or {}
        recent = self._components.get("recent_messages") or {}
        window = risks[-int(recent.get("window", 3)) :] if risks else []
        return {
            "peak_message": float(peak.get("weight", 1.0)) * max(risks, default=0.0),
            "recent_messages": float(recent.get("weight", 0.0)) * (sum(window) / len(window) if window else 0.0),
            "repeated_complaint": self._saturating(
                "repeated_complaint", _count(f.message_intents, "COMPLAINT_THREAT")
            ),
            "repeated_dispute": self._saturating("repeated_dispute", _count(f.message_intents, "DISPUTE")),
            "repeated_cease": self._saturating("repeated_cease", _count(f.message_intents, "CEASE_CONTACT")),
            "unresolved_dispute_turns": self._saturating(
                "unresolved_dispute_turns", max(0, f.unresolved_dispute_turns)
            ),
            "guardrail_blocks": self._saturating("guardrail_blocks", max(0, f.guardrail_blocks)),
            "handover_wait_s": self._saturating("handover_wait_s", _finite(f.handover_wait_s)),
            "borrower_messages": self._saturating(
                "borrower_messages", max(0, f.borrower_messages, len(f.message_intents), len(risks))
            ),
        }

    def assess(self, f: ConversationFeatures) -> RiskAssessment:
        parts = self._features(f)
        score = min(1.0, max(0.0, noisy_or(list(parts.values()))))
        contributions = [
            (value, str((self._components.get(name) or {}).get("reason", name))) for name, value in parts.items()
        ]
        return RiskAssessment(round(score, 6), _top_reasons(contributions, self._top))


def _finite(x: float) -> float:
    x = float(x)
    if math.isnan(x) or x < 0:
        return 0.0
    return x
