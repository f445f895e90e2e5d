"""Necessary literals of a regular expression, and an index that finds them in a text.

The analyser and the guard run hundreds of regular expressions over every message and
reply, and most of them cannot match. This module derives, once when a policy is loaded,
a *necessary literal set* for each regex from its parsed form: a few strings such that
every possible match contains at least one of them ("paid" or "settled" for
``(paid|settled) off``). A regex none of whose strings occurs in the text it would run on
cannot match it, so skipping it leaves every result exactly as it was.

Why skipping is exact: the derivation only claims what the regex syntax proves.
Alternations union their branches; optional parts and repeats with a minimum of zero
claim nothing; ``.``, ``\\w``, wide or negated classes, back-references and conditionals
break a literal run; assertions consume no text, so they neither add to a run nor break
it. A regex with no provable string of two characters or more gets no set and always
runs. Case-insensitive parts are marked (``Prefilter.ignorecase``) and their strings must
be searched case-insensitively by ``re`` itself, so Unicode case folding ("ſ" is "s") is
the regex engine's own, never an approximation. The strings are only meaningful for the
exact text the regex runs on: a caller that scans a lower-cased or normalised text must
look for the strings in that same text.

``LiteralIndex`` answers "which of these strings occur in this text" exactly, without
testing them all: with one set intersection against the text's short pieces when many
indexes read one text (the analyser's pattern groups share ``text_grams``), or with one
regex pass over the text when a single index serves it (the guard's, once per reply).
``PatternFilter`` turns that into "which of these regexes may match", which is what a
caller iterates over.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any, Generic, TypeVar

Strings = frozenset[str]
MIN_FACTOR = 2
"""A single character proves too little to skip a regex on."""
GRAM = 4
"""Strings are indexed by a piece this long (or shorter), which a text's own pieces are looked up in."""
_MAX_STRINGS = 64  # a literal set larger than this costs more to test than running the regex
_MAX_CLASS = 10  # a character class of at most this many characters counts as that many literals
_MAX_EXPAND = 4  # a bounded repeat of a literal is spelt out up to this many times
_COMMON = {c: 14 - i for i, c in enumerate(" etaoinsrhldcu")}  # frequent characters make poor keys
_SELECTIVE = 6  # strings this long are rare in a text: past it, fewer strings beat longer ones
_ZERO_WIDTH = frozenset({_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT})
_REPEATS = frozenset({_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT})
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Prefilter:
    """Strings one of which every match of a regex contains; ``ignorecase``: compare caselessly."""

    strings: tuple[str, ...]
    ignorecase: bool


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


@functools.lru_cache(maxsize=16)
def parse(source: str, flags: int = 0) -> Any:
    """The parsed form of a regex (``re._parser``), for callers that read a pattern more than once.

    Cached only briefly: the guard reads each phrase pattern twice in a row (for its prefilter
    and for which patterns run alone); the parsed tree is only read, never changed.
    """
    return _sre_parse.parse(source, flags)


@functools.lru_cache(maxsize=8192)
def _derive(source: str, flags: int) -> Prefilter | None:
    # cached: every load of the same policy (tests, several analysers, the guard) derives the same sets
    parsed = parse(source, flags)
    deriver = _Deriver()
    lit = deriver.seq(parsed, bool((flags | parsed.state.flags) & re.IGNORECASE))
    need = lit.need
    if not need or len(need) > _MAX_STRINGS or min(map(len, need)) < MIN_FACTOR:
        return None
    return Prefilter(_minimal(need), deriver.ignorecase)


def text_grams(text: str) -> frozenset[str]:
    """Every piece of ``text`` from ``MIN_FACTOR`` to ``GRAM`` characters long: what a ``LiteralIndex`` looks up."""
    return frozenset(text[i : i + k] for k in range(MIN_FACTOR, GRAM + 1) for i in range(len(text) - k + 1))


def _gram(literal: str) -> str:
    """The piece of ``literal`` that indexes it: its rarest ``GRAM`` characters, by English letter frequency."""
    k = min(len(literal), GRAM)
    pieces = (literal[i : i + k] for i in range(len(literal) - k + 1))
    return min(pieces, key=lambda piece: sum(_COMMON.get(c, 0) for c in piece))


def _trie(words: Iterable[str]) -> str:
    """One regex source matching, at a position, the longest of ``words`` that starts there.

    The words share their prefixes as a trie (``ab(?:c|d)``): at each node at most one branch
    can match the next character, and a word that ends inside the trie makes the rest optional.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


class LiteralIndex(Generic[V]):
    """Which of a fixed set of strings occur in a text: exact, without testing each string.

    Each string carries a value (what the caller wants back for it: the string itself, or the
    regexes that need it). Two ways to find them, chosen by what the caller has:

    * the text's pieces (``text_grams``), when one text is checked against many indexes: a
      string is filed under one piece of at most ``GRAM`` characters (``_gram``), it can only
      be in the text if that piece is, so one set intersection finds the few strings worth an
      ``in`` test (a string no longer than a piece needs none);
    * the text alone, when one index serves a text: one regex pass yields, at each position,
      the longest string starting there, and every shorter string starting there is a prefix
      of it, so the strings present are read off without cutting the text into pieces.
    """

    __slots__ = ("_by_gram", "_keys", "_scanner", "_short", "_values")

    def __init__(self, values: Mapping[str, V]) -> None:
        by_gram: dict[str, list[tuple[str, bool, V]]] = {}
        short: list[tuple[str, V]] = []
        for lit in sorted(values):
            if len(lit) < MIN_FACTOR:  # no piece to file it under: tested directly
                short.append((lit, values[lit]))
                continue
            gram = _gram(lit)
            by_gram.setdefault(gram, []).append((lit, gram == lit, values[lit]))
        self._values = dict(values)
        self._by_gram = {gram: tuple(entries) for gram, entries in by_gram.items()}
        self._keys = frozenset(by_gram)
        self._short = tuple(short)
        self._scanner: tuple[re.Pattern[str], dict[str, frozenset[str]]] | None = None

    @classmethod
    def of(cls, literals: Iterable[str]) -> LiteralIndex[str]:
        """An index whose value for each string is the string itself."""
        return LiteralIndex({lit: lit for lit in literals})

    def lookup(self, text: str, grams: frozenset[str] | None = None) -> list[V]:
        """The values of the strings that occur in ``text`` (``grams``: its ``text_grams``, if known)."""
        if grams is None:
            return self._scan(text)
        found = [value for lit, value in self._short if lit in text] if self._short else []
        if self._keys:
            by_gram = self._by_gram
            for gram in self._keys & grams:
                for lit, is_gram, value in by_gram[gram]:
                    if is_gram or lit in text:
                        found.append(value)
        return found

    def _scan(self, text: str) -> list[V]:
        regex, prefixes = self._scanner or self._compile()
        hits = set(regex.findall(text))
        present = set().union(*map(prefixes.__getitem__, hits)) if hits else set()
        values = self._values
        if "" in values:  # the empty string is in every text
            present.add("")
        return [values[lit] for lit in present]

    def _compile(self) -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
        words = {lit for lit in self._values if lit}
        first = "".join(sorted({re.escape(w[0]) for w in words}))
        regex = re.compile(f"(?=[{first}])(?=({_trie(words)}))") if words else re.compile(r"(?!)")
        # each string's prefixes that are strings of the index: O(total length), not O(strings squared)
        prefixes = {w: frozenset(w[:k] for k in range(1, len(w) + 1) if w[:k] in words) for w in words}
        self._scanner = (regex, prefixes)
        return self._scanner


class PatternFilter(LiteralIndex[tuple[int, ...]]):
    """Which regexes of a list may match a text, from their prefilters (None: always runs).

    Each case-sensitive string is indexed with the regexes that need it; a regex with
    case-insensitive parts is tested with a caseless search for its strings, done by ``re``.
    """

    __slots__ = ("_always", "_caseless")

    def __init__(self, prefilters: Iterable[Prefilter | None]) -> None:
        always: list[int] = []
        owners: dict[str, list[int]] = {}
        caseless: list[tuple[int, re.Pattern[str]]] = []
        for idx, pf in enumerate(prefilters):
            if pf is None:
                always.append(idx)
            elif pf.ignorecase:
                caseless.append((idx, re.compile("|".join(map(re.escape, pf.strings)), re.IGNORECASE)))
            else:
                for lit in pf.strings:
                    owners.setdefault(lit, []).append(idx)
        super().__init__({lit: tuple(idxs) for lit, idxs in owners.items()})
        self._always = tuple(always)
        self._caseless = tuple(caseless)

    def candidates(self, text: str, grams: frozenset[str] | None = None) -> Sequence[int]:
        """The regexes that may match ``text``, in list order; the others cannot match it."""
        live: list[int] = []
        for idxs in self.lookup(text, grams):
            live.extend(idxs)
        live.extend(idx for idx, searcher in self._caseless if searcher.search(text))
        if not live:
            return self._always
        return sorted({*live, *self._always})
