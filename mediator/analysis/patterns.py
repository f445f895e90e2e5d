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
and is not run (nor its ``unless`` guard), which leaves the results exactly as they were:
the derivation only claims what the regex syntax proves (alternations union their
branches, optional parts and repeats with a minimum of zero claim nothing, ``.``,
``\\w``, wide or negated classes, back-references and the like break a literal run,
assertions match no text), and a pattern with no provable string of two characters or
more always runs. A pattern with case-insensitive parts has its strings searched
case-insensitively by ``re`` itself, so Unicode case folding ("ſ" is "s") is the regex
engine's own, not an approximation. Each literal is indexed by a piece of at most four
characters, so a message finds the literals it may contain with one set intersection
per group instead of testing them all.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any, Literal

from mediator.policy import PolicyError

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
        """Every substring of the text from 2 to ``_GRAM`` characters long (the prefilter's keys)."""
        if self._grams is None:
            text = self.text
            self._grams = frozenset(
                text[i : i + k] for k in range(_MIN_FACTOR, _GRAM + 1) for i in range(len(text) - k + 1)
            )
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


Strings = frozenset[str]
_MAX_STRINGS = 64  # a literal set larger than this costs more to test than running the regex
_MIN_FACTOR = 2  # a single character proves too little to skip a pattern on
_MAX_CLASS = 10  # a character class of at most this many characters counts as that many literals
_MAX_EXPAND = 4  # a bounded repeat of a literal is spelt out up to this many times
_GRAM = 4  # literals are indexed by a piece this long, which a message's own pieces are looked up in
_COMMON = {c: 14 - i for i, c in enumerate(" etaoinsrhldcu")}  # frequent characters make poor keys
_SELECTIVE = 6  # strings this long are rare in a message: past it, fewer strings beat longer ones
_ZERO_WIDTH = frozenset({_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT})
_REPEATS = frozenset({_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT})


@dataclass(frozen=True, slots=True)
class _Lit:
    """What a regex node proves about the text it matches.

    ``exact``: the node matches exactly one of these strings (None: unknown or too many);
    ``need``: every match of the node contains one of these strings (None: nothing proven).
    """

    exact: Strings | None
    need: Strings | None


_NOTHING = _Lit(None, None)
_EMPTY = _Lit(frozenset({""}), None)


def _score(strings: Strings | None) -> tuple[int, int]:
    """How selective a necessary set is: its shortest string first, then how few strings.

    Length is counted in UTF-8 bytes, so a Chinese character weighs like a few letters: "还清"
    is as rare in a message as a six-letter English word.
    """
    if not strings:
        return (-1, 0)
    return (min(min(map(len, map(str.encode, strings))), _SELECTIVE), -len(strings))


def _better(a: Strings | None, b: Strings | None) -> Strings | None:
    if not b or a is b:
        return a
    if not a:
        return b
    return b if _score(b) > _score(a) else a


def _product(a: Strings, b: Strings) -> Strings | None:
    """Every string of ``a`` followed by every string of ``b`` (None if that is too many)."""
    if len(a) * len(b) > _MAX_STRINGS:
        return None
    return frozenset(x + y for x, y in itertools.product(a, b))


def _power(e: Strings, lo: int, hi: int) -> Strings | None:
    """The strings of ``e`` repeated ``lo`` to ``hi`` times (None if too many)."""
    out: set[str] = set()
    cur: Strings | None = frozenset({""})
    for k in range(hi + 1):
        if cur is None:
            return None
        if k >= lo:
            out |= cur
        cur = _product(cur, e) if k < hi else cur
    return frozenset(out) if len(out) <= _MAX_STRINGS else None


def _class(items: Sequence[tuple[Any, Any]], ignorecase: bool) -> Strings | None:
    """The characters of a small positive class (``[sz]``), or None."""
    chars: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            chars.add(chr(av))
        elif op is _sre.RANGE and not ignorecase and av[1] - av[0] < _MAX_CLASS:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:  # NEGATE, CATEGORY (\d, \w), a wide or case-folded range
            return None
    return frozenset(chars) if 0 < len(chars) <= _MAX_CLASS else None


class _Deriver:
    """Walks a parsed regex (``re._parser``) and proves a necessary literal set for it."""

    def __init__(self) -> None:
        self.ignorecase = False  # some literal was read under a case-insensitive flag

    def seq(self, nodes: Iterable[tuple[Any, Any]], ignorecase: bool) -> _Lit:
        """A concatenation: every run of consecutive exact parts, and every part, is a candidate.

        A run is the product of its parts' strings ("pay " then "it"|"this" gives "pay it",
        "pay this"); a run that would grow past ``_MAX_STRINGS`` ends there. Runs start at the
        first part and after every part with several strings: one starting after a part with a
        single string would only be a shorter copy of the run through that part.
        """
        runs: list[Strings] = [frozenset({""})]  # runs[0] is the whole sequence so far while whole
        whole = True
        best: Strings | None = None
        single = False  # the previous part had exactly one string
        for lit in self._parts(nodes, ignorecase):
            best = _better(best, lit.need)
            exact = lit.exact
            if exact is None or len(exact) > 1:
                for run in runs:  # the runs as they stand are candidates before they end or multiply
                    best = _better(best, run)
            if exact is None:
                runs, whole, single = [], False, False
                continue
            extended = [_product(run, exact) for run in runs]
            whole = whole and extended[0] is not None
            runs = [run for run in extended if run is not None]
            if not single:
                runs.append(exact)
            single = len(exact) == 1
        for run in runs:
            best = _better(best, run)
        return _Lit(runs[0] if whole else None, best)

    def _parts(self, nodes: Iterable[tuple[Any, Any]], ignorecase: bool) -> Iterable[_Lit]:
        """The parts of a sequence, with consecutive literal characters read as one string."""
        chars: list[str] = []
        for op, av in getattr(nodes, "data", nodes):  # a parsed SubPattern's list: faster to walk
            if op is _sre.LITERAL:
                chars.append(chr(av))
                continue
            if chars:
                yield self._string("".join(chars), ignorecase)
                chars = []
            yield self.node(op, av, ignorecase)
        if chars:
            yield self._string("".join(chars), ignorecase)

    def _string(self, text: str, ignorecase: bool) -> _Lit:
        self.ignorecase |= ignorecase
        strings = frozenset({text})
        return _Lit(strings, strings)

    def node(self, op: Any, av: Any, ignorecase: bool) -> _Lit:
        if op is _sre.LITERAL:
            return self._string(chr(av), ignorecase)
        if op is _sre.IN:
            self.ignorecase |= ignorecase
            chars = _class(av, ignorecase)
            return _Lit(chars, chars) if chars else _NOTHING
        if op in _ZERO_WIDTH:
            return _EMPTY  # an assertion consumes no text: it neither adds to nor breaks a run
        if op is _sre.SUBPATTERN:
            _, add, remove, sub = av
            return self.seq(sub, (ignorecase or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE)
        if op is _sre.ATOMIC_GROUP:
            return self.seq(av, ignorecase)
        if op is _sre.BRANCH:
            return self.branch(av[1], ignorecase)
        if op in _REPEATS:
            return self.repeat(*av, ignorecase)
        return _NOTHING  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, conditionals: anything may match

    def branch(self, alternatives: Sequence[Any], ignorecase: bool) -> _Lit:
        """An alternation: each match matches one alternative, so the union of theirs is needed."""
        parts = [self._alternative(alt, ignorecase) for alt in alternatives]
        exact: Strings | None = None
        if all(p.exact is not None for p in parts):
            exact = frozenset().union(*(p.exact for p in parts if p.exact is not None))
        needs = [p.need for p in parts]
        need: Strings | None = None
        if all(needs):
            need = frozenset().union(*(n for n in needs if n))
        return _Lit(
            exact if exact is not None and len(exact) <= _MAX_STRINGS else None,
            need if need is not None and len(need) <= _MAX_STRINGS else None,
        )

    def _alternative(self, nodes: Any, ignorecase: bool) -> _Lit:
        """One alternative; a plain word (most of a vocabulary list) without walking it as a sequence."""
        data = getattr(nodes, "data", nodes)
        if data and all(op is _sre.LITERAL for op, _ in data):
            return self._string("".join(chr(av) for _, av in data), ignorecase)
        return self.seq(nodes, ignorecase)

    def repeat(self, lo: int, hi: int, item: Any, ignorecase: bool) -> _Lit:
        """``x{lo,hi}``: with ``lo >= 1`` every match holds ``lo`` matches of ``x`` in a row."""
        inner = self.seq(item, ignorecase)
        e = inner.exact
        exact = _power(e, lo, hi) if e is not None and hi <= _MAX_EXPAND else None
        if lo == 0:
            return _Lit(exact, None)
        need = _better(inner.need, _power(e, lo, lo) if e is not None and lo <= _MAX_EXPAND else None)
        return _Lit(exact, _better(need, exact))


def _gram(literal: str) -> str:
    """The piece of ``literal`` that indexes it: its rarest ``_GRAM`` characters, by English letter frequency."""
    k = min(len(literal), _GRAM)
    pieces = (literal[i : i + k] for i in range(len(literal) - k + 1))
    return min(pieces, key=lambda piece: sum(_COMMON.get(c, 0) for c in piece))


@dataclass(frozen=True, slots=True)
class Prefilter:
    """Strings one of which every match of a pattern contains; ``ignorecase``: compare caselessly."""

    strings: tuple[str, ...]
    ignorecase: bool


def _minimal(strings: Strings) -> tuple[str, ...]:
    """Drop a string that contains another of the set: the shorter one occurs whenever it does."""
    ordered = sorted(strings, key=lambda s: (len(s), s))
    kept: list[str] = []
    for s in ordered:
        if not any(k in s for k in kept):
            kept.append(s)
    return tuple(kept)


def necessary_literals(regex: re.Pattern[str]) -> Prefilter | None:
    """A set of strings every match of ``regex`` contains, or None when none can be proven."""
    return _derive(regex.pattern, regex.flags)


@functools.lru_cache(maxsize=8192)
def _derive(source: str, flags: int) -> Prefilter | None:
    # cached: every load of the same policy (tests, several analysers) derives the same sets
    parsed = _sre_parse.parse(source, flags)
    deriver = _Deriver()
    lit = deriver.seq(parsed, bool((flags | parsed.state.flags) & re.IGNORECASE))
    need = lit.need
    if not need or len(need) > _MAX_STRINGS or min(map(len, need)) < _MIN_FACTOR:
        return None
    return Prefilter(_minimal(need), deriver.ignorecase)


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
        """Index the patterns by their literals, and the literals by one short piece ("gram") each.

        A literal can only be in the text if its gram is among the text's grams, so one set
        intersection per message finds the few literals worth an ``in`` test; a literal no
        longer than a gram is its own gram and needs no test at all.
        """
        always: list[int] = []
        by_literal: dict[str, list[int]] = {}
        caseless: list[tuple[int, re.Pattern[str]]] = []
        for idx, pat in enumerate(self._patterns):
            pf = pat.prefilter
            if pf is None:
                always.append(idx)
            elif pf.ignorecase:
                caseless.append((idx, re.compile("|".join(map(re.escape, pf.strings)), re.IGNORECASE)))
            else:
                for lit in pf.strings:
                    by_literal.setdefault(lit, []).append(idx)
        by_gram: dict[str, list[tuple[str, bool, tuple[int, ...]]]] = {}
        for lit, idxs in by_literal.items():
            gram = _gram(lit)
            by_gram.setdefault(gram, []).append((lit, gram == lit, tuple(idxs)))
        self._always = tuple(always)
        self._by_gram = {gram: tuple(entries) for gram, entries in by_gram.items()}
        self._gram_keys = frozenset(by_gram)
        self._caseless = tuple(caseless)

    @property
    def prefilters(self) -> list[Prefilter | None]:
        """Each pattern's necessary literals (None: it always runs), for tests and diagnostics."""
        return [pat.prefilter for pat in self._patterns]

    def _candidates(self, doc: Doc) -> Sequence[int]:
        """The patterns that may match ``doc``, in their order; the others cannot match it."""
        live: list[int] = []
        if self._gram_keys:
            text = doc.text
            for gram in self._gram_keys & doc.grams:
                for lit, is_gram, idxs in self._by_gram[gram]:
                    if is_gram or lit in text:
                        live.extend(idxs)
        live.extend(idx for idx, searcher in self._caseless if searcher.search(doc.text))
        if not live:
            return self._always
        return sorted({*live, *self._always})

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
