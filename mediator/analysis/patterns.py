"""Pattern groups with negation and exclusion guards: the matching engine of the analyser.

An intent or a risk signal is a group of regular expressions (data in
``policies/analysis``). A hit counts unless a negation cue comes just before it in the
same clause ("I am *not going to* complain", "我*不是要*投诉") or an exclusion of the
group matches over it, or in the same clause when the exclusion says so ("the lawyer
*on the radio*", "*my brother* went bankrupt"). A pattern may also carry an ``unless``
guard that vetoes it when the guard matches anywhere in the message ("you have the
wrong person" is a third party, unless the writer also says the debt is not theirs).
Patterns written with Chinese characters only run on text that has some, patterns
with Latin letters only on text with Latin letters, and patterns with neither
(quotes, punctuation, digits) on every text, so each message pays only for the
scripts it uses.

Patterns may name a shared concept as ``{relative}``: the vocabulary (``text.yaml``
``vocab``) expands it to an alternation, so one list of words (relatives, contact
verbs, proof documents...) serves every pattern that needs the concept, and adding a
synonym there broadens all of them at once.

Most patterns do not match most messages, so each pattern also gets, once when the
policy is loaded, a *necessary literal set* derived from its parsed regex: a few strings
such that every possible match contains at least one of them ("paid" or "settled" for
``(paid|settled) off``). A pattern none of whose strings occurs in the text cannot match
and is not run (nor its ``unless`` guard), which leaves the results exactly as they were.
The derivation and the index that finds a message's literals with one set intersection
per group live in ``mediator.regex_prefilter``, shared with the guard; its docstring says
why skipping is exact.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mediator.policy import PolicyError
from mediator.regex_prefilter import PatternFilter, Prefilter, necessary_literals, text_grams

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_MACRO = re.compile(r"\{([a-z_]+)\}")
# Canonical text is NFKC-normalised, which turns full-width punctuation into ASCII; a
# pattern written with "，" or "？" must therefore look for "," and a literal "?".
_FULLWIDTH = str.maketrans({"，": ",", "？": r"\?", "！": "!", "：": ":", "；": ";", "（": r"\(", "）": r"\)"})
_LATIN = re.compile(r"[a-z]")
_ESCAPE = re.compile(r"\\.")
Script = Literal["cjk", "latin", "any"]
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Hit:
    """One counted match: which group, which pattern, where, and the words matched."""

    group: str
    pattern: int
    span: tuple[int, int]
    text: str


class Doc:
    """A canonical message plus what every group needs to know about it, computed once."""

    __slots__ = ("_break_ends", "_break_starts", "_grams", "has_cjk", "has_latin", "text")

    def __init__(self, text: str, clause_break: re.Pattern[str]) -> None:
        self.text = text
        self.has_cjk = bool(_CJK.search(text))
        self.has_latin = bool(_LATIN.search(text))
        breaks = [m.span() for m in clause_break.finditer(text)]
        self._break_starts = [s for s, _ in breaks]
        self._break_ends = [e for _, e in breaks]
        self._grams: frozenset[str] | None = None

    @property
    def grams(self) -> frozenset[str]:
        """The text's short pieces (``text_grams``), computed once for every group's prefilter."""
        if self._grams is None:
            self._grams = text_grams(self.text)
        return self._grams

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """The bounds of the clause around ``[start, end)``."""
        i = bisect.bisect_right(self._break_ends, start)
        left = self._break_ends[i - 1] if i else 0
        j = bisect.bisect_left(self._break_starts, end)
        right = self._break_starts[j] if j < len(self._break_starts) else len(self.text)
        return left, max(right, end)


class Negation:
    """Decides whether a hit is negated by a cue just before it in its clause."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.clause_break = re.compile(doc["clause_break"])
        self._en = re.compile(doc["en_cues"])
        self._zh = re.compile(doc["zh_cues"])
        self._en_words = int(doc.get("en_window_words", 4))
        near = doc.get("en_near_cues")
        self._en_near = re.compile(near) if near else None
        # hedges that look like negation but are not ("I don't think the FCA would be impressed")
        hedges = doc.get("en_hedges")
        self._en_hedges = re.compile(hedges) if hedges else None
        self._en_near_words = int(doc.get("en_near_window_words", 1))
        self._zh_chars = int(doc.get("zh_window_chars", 5))

    def negated(self, doc: Doc, start: int, end: int) -> bool:
        left, _ = doc.clause(start, end)
        before = doc.text[left:start]
        if not before:
            return False
        if _CJK.search(doc.text[start:end]):
            return bool(self._zh.search(before[-self._zh_chars :]))
        words = _WORD.findall(before)
        if not words:
            return False
        window = " ".join(words[-self._en_words :])
        if self._en_hedges is not None:
            window = self._en_hedges.sub(" ", window)
        if self._en.search(window):
            return True
        return self._en_near is not None and bool(self._en_near.search(" ".join(words[-self._en_near_words :])))


class Vocabulary:
    """Named word lists that patterns reference as ``{name}`` (one concept, one list)."""

    def __init__(self, lists: Mapping[str, Any] | None = None) -> None:
        self._alts: dict[str, str] = {}
        for name, words in (lists or {}).items():
            items = [str(w) for w in (words if isinstance(words, list) else [words])]
            # longest first, so "grandmother" wins over "grand" inside the alternation
            self._alts[str(name)] = "(?:" + "|".join(sorted(items, key=len, reverse=True)) + ")"

    def expand(self, source: str, where: str) -> str:
        def sub(m: re.Match[str]) -> str:
            alt = self._alts.get(m.group(1))
            if alt is None:
                raise PolicyError(f"{where}: unknown vocabulary name {{{m.group(1)}}} in {source!r}")
            return alt

        return _MACRO.sub(sub, source)


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: re.Pattern[str]
    negatable: bool
    script: Script
    unless: re.Pattern[str] | None
    prefilter: Prefilter | None


@dataclass(frozen=True, slots=True)
class _Exclusion:
    regex: re.Pattern[str]
    scope: Literal["overlap", "clause"]
    script: Script


def _compile(source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source.translate(_FULLWIDTH))
    except re.error as exc:
        raise PolicyError(f"{where}: bad pattern {source!r}: {exc}") from exc


def _script(source: str) -> Script:
    """Which texts a pattern can match: Chinese, Latin, or any (punctuation, digits, quotes)."""
    if _CJK.search(source):
        return "cjk"
    return "latin" if _LATIN.search(_ESCAPE.sub("", source).lower()) else "any"


def _runs(script: Script, doc: Doc) -> bool:
    if script == "any":
        return True
    return doc.has_cjk if script == "cjk" else doc.has_latin


class PatternGroup:
    """The compiled patterns and exclusions of one intent or signal."""

    def __init__(
        self,
        name: str,
        patterns: Iterable[Any],
        exclude: Iterable[Any],
        negation: Negation,
        vocab: Vocabulary | None = None,
        prefilter: bool = True,
    ) -> None:
        self.name = name
        self._negation = negation
        self._vocab = vocab or Vocabulary()
        self._prefilter = prefilter
        self._patterns = [self._pattern(p) for p in patterns]
        self._exclusions = [self._exclusion(e) for e in exclude]
        self._index_literals()

    def _index_literals(self) -> None:
        """Index the patterns by their necessary literals (``PatternFilter``), once per load."""
        self._filter = PatternFilter(pat.prefilter for pat in self._patterns)

    @property
    def prefilters(self) -> list[Prefilter | None]:
        """Each pattern's necessary literals (None: it always runs), for tests and diagnostics."""
        return [pat.prefilter for pat in self._patterns]

    def _candidates(self, doc: Doc) -> Sequence[int]:
        """The patterns that may match ``doc``, in their order; the others cannot match it."""
        return self._filter.candidates(doc.text, doc.grams)

    def _source(self, spec: Mapping[str, Any], key: str = "re") -> str:
        return self._vocab.expand(str(spec[key]), self.name)

    def _pattern(self, item: Any) -> _Pattern:
        spec = item if isinstance(item, dict) else {"re": item}
        source = self._source(spec)
        unless = _compile(self._source(spec, "unless"), self.name) if spec.get("unless") else None
        regex = _compile(source, self.name)
        prefilter = necessary_literals(regex) if self._prefilter else None
        return _Pattern(regex, bool(spec.get("negatable", True)), _script(source), unless, prefilter)

    def _exclusion(self, item: Any) -> _Exclusion:
        spec = item if isinstance(item, dict) else {"re": item}
        source = self._source(spec)
        scope = spec.get("scope", "overlap")
        if scope not in ("overlap", "clause"):
            raise PolicyError(f"{self.name}: exclusion scope must be overlap or clause, not {scope!r}")
        return _Exclusion(_compile(source, self.name), scope, _script(source))

    def _excluded_spans(self, doc: Doc) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for ex in self._exclusions:
            if not _runs(ex.script, doc):
                continue
            for m in ex.regex.finditer(doc.text):
                spans.append(doc.clause(*m.span()) if ex.scope == "clause" else m.span())
        return spans

    def hits(self, doc: Doc, first_only: bool = False) -> list[Hit]:
        """Every counted hit (or just the first one) of this group in ``doc``."""
        found: list[Hit] = []
        excluded: list[tuple[int, int]] | None = None
        for idx in self._candidates(doc):
            pat = self._patterns[idx]
            if not _runs(pat.script, doc):
                continue
            if pat.unless is not None and pat.unless.search(doc.text):
                continue
            for m in pat.regex.finditer(doc.text):
                start, end = m.span()
                if end == start:
                    continue
                if pat.negatable and self._negation.negated(doc, start, end):
                    continue
                if excluded is None:
                    excluded = self._excluded_spans(doc)
                if any(s < end and start < e for s, e in excluded):
                    continue
                found.append(Hit(self.name, idx, (start, end), m.group(0)))
                if first_only:
                    return found
        return found
