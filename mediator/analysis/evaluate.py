"""Scores analyser output against a labelled set, with the definitions of tests/data/score.py.

Per-intent recall and precision, intent micro-F1, and complaint alerts at
``complaint_risk >= 0.5`` against gold ``complaint_high``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALERT_AT = 0.5


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


@dataclass
class AnalyzeScore:
    """Counts and figures of one evaluation run."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    alert_tp: int = 0
    alert_fp: int = 0
    alert_fn: int = 0
    missing: int = 0
    n: int = 0
    errors: list[str] = field(default_factory=list)
    """Ids of lines whose prediction differs from the gold (for tuning and reports)."""

    def recall(self, code: str) -> float:
        return _ratio(self.tp[code], self.tp[code] + self.fn[code])

    def precision(self, code: str) -> float:
        return _ratio(self.tp[code], self.tp[code] + self.fp[code])

    @property
    def codes(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn))

    @property
    def micro_f1(self) -> float:
        t, p, n = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        return _ratio(2 * t, 2 * t + p + n)

    @property
    def alert_recall(self) -> float:
        return _ratio(self.alert_tp, self.alert_tp + self.alert_fn)

    @property
    def alert_precision(self) -> float:
        return _ratio(self.alert_tp, self.alert_tp + self.alert_fp)

    def lines(self) -> list[str]:
        out = [f"{'intent':24} {'recall':>8} {'precision':>10}"]
        out += [f"{c:24} {self.recall(c):8.2f} {self.precision(c):10.2f}" for c in self.codes]
        out.append(
            f"analyze: intent_micro_f1={self.micro_f1:.3f} alert_recall={self.alert_recall:.3f} "
            f"alert_precision={self.alert_precision:.3f} missing={self.missing} n={self.n}"
        )
        return out


def score(gold: Iterable[Mapping[str, Any]], pred: Mapping[Any, Mapping[str, Any]]) -> AnalyzeScore:
    """Score predictions (by id) against gold lines carrying ``gold.intents`` and ``gold.complaint_high``."""
    s = AnalyzeScore()
    for g in gold:
        s.n += 1
        p = pred.get(g.get("id"))
        if p is None or "error" in p:
            s.missing += 1
            continue
        want, got = set(g["gold"]["intents"]), set(p.get("intents", []))
        for c in want | got:
            s.tp[c] += c in want and c in got
            s.fp[c] += c in got and c not in want
            s.fn[c] += c in want and c not in got
        alert = float(p.get("complaint_risk", 0)) >= ALERT_AT
        high = bool(g["gold"].get("complaint_high"))
        s.alert_tp += alert and high
        s.alert_fp += alert and not high
        s.alert_fn += high and not alert
        if want != got or alert != high:
            s.errors.append(str(g.get("id")))
    return s
