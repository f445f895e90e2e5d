"""Canonical form of borrower text, so one pattern covers many ways of writing a thing.

Borrowers write "dont", "im", "pls", "payed", "harrasment", mix Chinese and English
without spaces, and use full-width or look-alike letters. The patterns in
``policies/analysis`` are written once, against the canonical form produced here:
normalised (``mediator.textnorm``), lower case, contractions expanded, chat spellings
and known typos folded, and near-miss spellings of key words corrected. A second
step (``CodeSwitch``) glosses the minority language's key words in mixed
English/Chinese text into the dominant one. All rules live in
``policies/analysis/text.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from mediator.textnorm import normalize

_TOKEN = re.compile(r"[a-z]+")


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class FuzzyCorrector:
    """Corrects a misspelt key word ("ombudsmen", "bankrupcty") to its canonical spelling.

    A symmetric-delete index (one deletion on each side) finds words one edit away, plus
    most transpositions, with a handful of dictionary look-ups per token, so it costs
    microseconds. It never touches a listed real word nor an inflection of a key word.
    """

    def __init__(self, keywords: Iterable[str], never_correct: Iterable[str], min_length: int) -> None:
        self._keywords = frozenset(keywords)
        self._keep = frozenset(never_correct) | self._keywords
        self._min = min_length
        index: dict[str, list[str]] = {}
        for kw in sorted(self._keywords):
            for variant in {kw} | _deletes(kw):
                index.setdefault(variant, []).append(kw)
        self._index = index

    def correct(self, token: str) -> str:
        if len(token) < self._min or token in self._keep:
            return token
        candidates: set[str] = set()
        for variant in {token} | _deletes(token):
            candidates.update(self._index.get(variant, ()))
        for kw in sorted(candidates):
            if kw[0] != token[0] or abs(len(kw) - len(token)) > 1:
                continue
            if token.startswith(kw) or kw.startswith(token):
                continue  # an inflection ("ignored", "attorneys") or a clipped word: leave it
            return kw
        return token

    def __call__(self, text: str) -> str:
        return _TOKEN.sub(lambda m: self.correct(m.group(0)), text)


_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]+")
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")
_SPACES = re.compile(r" {2,}")


class CodeSwitch:
    """Rewrites key words of the minority language into the dominant one in mixed text.

    "这个loan我已经pay off了" then reads "这个贷款我已经还清了" and "I'm his 老婆" reads
    "I'm his wife", so one set of patterns per language also covers code-switched
    messages. Text in one script only is returned unchanged.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._to_zh = [(re.compile(pat), str(repl)) for pat, repl in (spec.get("to_zh") or {}).items()]
        self._to_en = [(re.compile(pat), f" {repl} ") for pat, repl in (spec.get("to_en") or {}).items()]

    def __call__(self, text: str) -> str:
        han = len(_HAN.findall(text))
        words = len(_LATIN_WORD.findall(text))
        if not han or not words:
            return text
        if han >= words:
            for pattern, repl in self._to_zh:
                text = pattern.sub(repl, text)
            return _HAN_GAP.sub("", text)
        for pattern, repl in self._to_en:
            text = pattern.sub(repl, text)
        return _SPACES.sub(" ", text)


class Canonicaliser:
    """Turns raw borrower text into the canonical form the patterns are written for."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self._rewrites = [(re.compile(pat), repl) for pat, repl in doc.get("rewrite", ())]
        fuzzy = doc.get("fuzzy") or {}
        self._fuzzy = FuzzyCorrector(
            fuzzy.get("keywords", ()), fuzzy.get("never_correct", ()), int(fuzzy.get("min_length", 7))
        )

    def __call__(self, text: str) -> str:
        out = normalize(text).lower()
        for pattern, repl in self._rewrites:
            out = pattern.sub(repl, out)
        return self._fuzzy(out).strip()
