"""An optional learned intent model that backs up the analyser's rules on unseen wording.

The rules (``policies/analysis/intents.yaml``) are precise but only as broad as the
phrasings their authors thought of. This module adds a small linear model — one
logistic regression per intent over character n-grams (1–4) of the canonical text and
Latin word uni/bigrams — trained offline by ``python -m mediator.analysis.train`` from
the labelled messages in the repository, and shipped as readable JSON
(``policies/analysis/model.json``). It never replaces the rules: ``IntentModel.combine``
only *adds* an intent the rules missed when the model is very sure (a per-intent
threshold chosen by cross-author validation), and only when the model file says the
combination is enabled. Features are looked up in a dict and summed, so inference is
tens of microseconds and needs numpy only.

The model is off when the file is missing or unreadable, or when
``MEDIATOR_ANALYSIS_MODEL=off``; the analyser then runs on rules alone.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediator.settings import POLICIES_DIR

MODEL_FILE = "analysis/model.json"
ENV_SWITCH = "MEDIATOR_ANALYSIS_MODEL"
FORMAT = 1

_SPACE = re.compile(r"\s+")
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How text becomes features: the same object is used by training and inference."""

    char_min: int = 1
    char_max: int = 4
    word_ngrams: int = 2

    def features(self, canonical: str) -> set[str]:
        """The distinct feature names of one canonical message.

        Digits are folded to ``0`` so amounts and dates do not become features of their own.
        Character n-grams run over the text padded with spaces (word edges count); word
        n-grams carry a ``w:`` prefix so they cannot collide with character n-grams.
        """
        text = " " + _SPACE.sub(" ", _DIGITS.sub("0", canonical)).strip() + " "
        out: set[str] = set()
        n_chars = len(text)
        for n in range(self.char_min, self.char_max + 1):
            for i in range(n_chars - n + 1):
                gram = text[i : i + n]
                if gram.strip():
                    out.add(gram)
        words = _LATIN_WORD.findall(text)
        for n in range(1, self.word_ngrams + 1):
            for i in range(len(words) - n + 1):
                out.add("w:" + " ".join(words[i : i + n]))
        return out

    def to_json(self) -> dict[str, int]:
        return {"char_min": self.char_min, "char_max": self.char_max, "word_ngrams": self.word_ngrams}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> FeatureSpec:
        return cls(int(doc["char_min"]), int(doc["char_max"]), int(doc["word_ngrams"]))


@dataclass(slots=True)
class IntentModel:
    """Per-intent logistic regressions over a fixed feature vocabulary.

    ``weights`` has one row per vocabulary feature and one column per intent. A message's
    feature vector is binary and L2-normalised, so the score is the sum of its features'
    rows divided by the square root of how many features it has, plus the bias.
    """

    intents: tuple[str, ...]
    spec: FeatureSpec
    vocab: dict[str, int]
    weights: np.ndarray
    bias: np.ndarray
    add_threshold: dict[str, float] = field(default_factory=dict)
    """Add an intent the rules missed when its probability reaches this value (absent: never)."""
    enabled: bool = False
    """Whether ``combine`` may change the rules' result (set by training from the validation)."""
    meta: dict[str, Any] = field(default_factory=dict)

    def n_features(self, canonical: str) -> tuple[list[int], int]:
        """Vocabulary indices of the message's known features, and how many features it has in all."""
        feats = self.spec.features(canonical)
        vocab = self.vocab
        return [vocab[f] for f in feats if f in vocab], len(feats)

    def probabilities(self, canonical: str) -> dict[str, float]:
        """The model's probability of every intent for one canonical message."""
        idx, total = self.n_features(canonical)
        z = self.bias.astype(np.float64, copy=True)
        if idx and total:
            z += self.weights[idx].sum(axis=0, dtype=np.float64) / math.sqrt(total)
        p = 1.0 / (1.0 + np.exp(-z))
        return {code: float(p[i]) for i, code in enumerate(self.intents)}

    def additions(self, canonical: str, rule_intents: Iterable[str]) -> set[str]:
        """Intents the rules missed that the model is confident enough about to add."""
        if not self.enabled or not self.add_threshold:
            return set()
        have = set(rule_intents)
        probs = self.probabilities(canonical)
        return {c for c, t in self.add_threshold.items() if c not in have and probs.get(c, 0.0) >= t}

    def combine(self, canonical: str, rule_intents: Iterable[str]) -> tuple[str, ...]:
        """The rules' intents plus the model's confident additions, sorted."""
        have = set(rule_intents)
        return tuple(sorted(have | self.additions(canonical, have)))

    # --- serialisation -------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A readable, diffable document: one line per feature in the written file."""
        order = sorted(self.vocab, key=self.vocab.__getitem__)
        return {
            "format": FORMAT,
            "intents": list(self.intents),
            "features_spec": self.spec.to_json(),
            "enabled": self.enabled,
            "add_threshold": {k: round(v, 4) for k, v in sorted(self.add_threshold.items())},
            "bias": [round(float(b), 4) for b in self.bias],
            "meta": self.meta,
            "weights": {f: [round(float(w), 3) for w in self.weights[self.vocab[f]]] for f in order},
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> IntentModel:
        if doc.get("format") != FORMAT:
            raise ValueError(f"unsupported model format {doc.get('format')!r}")
        intents = tuple(doc["intents"])
        table: Mapping[str, Sequence[float]] = doc["weights"]
        vocab = {f: i for i, f in enumerate(table)}
        weights = np.asarray(list(table.values()), dtype=np.float32).reshape(len(vocab), len(intents))
        return cls(
            intents=intents,
            spec=FeatureSpec.from_json(doc["features_spec"]),
            vocab=vocab,
            weights=weights,
            bias=np.asarray(doc["bias"], dtype=np.float64),
            add_threshold={str(k): float(v) for k, v in (doc.get("add_threshold") or {}).items()},
            enabled=bool(doc.get("enabled", False)),
            meta=dict(doc.get("meta") or {}),
        )

    def save(self, path: Path) -> None:
        """Write the model with one feature per line, so a retrain shows up as a readable diff."""
        doc = self.to_json()
        weights = doc.pop("weights")
        head = json.dumps(doc, ensure_ascii=False, indent=1)
        rows = ",\n".join(
            f"  {json.dumps(f, ensure_ascii=False)}: {json.dumps(w, separators=(',', ':'))}" for f, w in weights.items()
        )
        path.write_text(head[:-2] + ',\n "weights": {\n' + rows + "\n }\n}\n", encoding="utf-8")


def model_switched_off() -> bool:
    """True when ``MEDIATOR_ANALYSIS_MODEL`` asks for rules only (off, 0, false, no)."""
    return os.environ.get(ENV_SWITCH, "").strip().lower() in ("off", "0", "false", "no")


def model_path(root: str | Path | None = None) -> Path:
    return Path(root or POLICIES_DIR) / MODEL_FILE


def load_model(root: str | Path | None = None) -> IntentModel | None:
    """The shipped model of a policy folder, or None (switched off, missing or unreadable)."""
    if model_switched_off():
        return None
    path = model_path(root)
    try:
        return IntentModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
