"""Detector data from ``policies/guard/*.yaml``, compiled once per policy version.

The YAML files are the single source of every lexicon and pattern; this module only turns
them into compiled regular expressions and small typed records the detectors use.
Patterns are NFKC-normalised like the text they run on, so full-width punctuation written
in a pattern ("，") matches the folded text (",").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mediator import regex_prefilter
from mediator.guard.doc import Doc, Negation
from mediator.guard.literals import required_literals
from mediator.policy import Policy, PolicyError

RuleMap = dict[str, str]


def _norm(pattern: str) -> str:
    return unicodedata.normalize("NFKC", pattern)


def _lower_literals(pattern: str) -> str:
    """Lower-case a pattern's letters but not its escapes (\\S stays \\S)."""
    out, escaped = [], False
    for ch in pattern:
        out.append(ch if escaped else ch.lower())
        escaped = ch == "\\" and not escaped
    return "".join(out)


def compile_en(patterns: str | list[str] | None) -> re.Pattern[str] | None:
    """English patterns as one alternation, matched against the lower-cased text.

    Lower-casing the text once and the patterns here is about three times faster than
    ``re.IGNORECASE`` on every search, which keeps the whole check under a millisecond.
    """
    if not patterns:
        return None
    items = [patterns] if isinstance(patterns, str) else list(patterns)
    return re.compile(_lower_literals("|".join(f"(?:{_norm(p)})" for p in items)))


def compile_zh(patterns: str | list[str] | None) -> re.Pattern[str] | None:
    if not patterns:
        return None
    items = [patterns] if isinstance(patterns, str) else list(patterns)
    return re.compile("|".join(f"(?:{_norm(p)})" for p in items))


def compile_cs(pattern: str) -> re.Pattern[str]:
    """A case-sensitive pattern (identity names need their capital letters)."""
    return re.compile(_norm(pattern))


@dataclass(frozen=True, slots=True)
class Lex:
    """An English and a Chinese pattern for one cue; English runs on ``doc.lower``."""

    en: re.Pattern[str] | None
    zh: re.Pattern[str] | None

    @classmethod
    def of(cls, node: dict[str, Any] | None) -> Lex:
        node = node or {}
        return cls(compile_en(node.get("en")), compile_zh(node.get("zh")))

    def finditer(self, doc: Doc, lo: int = 0, hi: int | None = None) -> Iterator[re.Match[str]]:
        end = len(doc.text) if hi is None else hi
        if self.en is not None and doc.has_latin:
            yield from self.en.finditer(doc.lower, lo, end)
        if self.zh is not None and doc.has_cjk:
            yield from self.zh.finditer(doc.text, lo, end)

    def search(self, doc: Doc, lo: int = 0, hi: int | None = None) -> re.Match[str] | None:
        return next(self.finditer(doc, lo, hi), None)

    def search_str(self, text: str) -> bool:
        """For short slices (anchored cues like "about" before a figure)."""
        return bool(
            (self.en is not None and self.en.search(text.lower())) or (self.zh is not None and self.zh.search(text))
        )


class LiteralIndex:
    """Which gate literals a reply contains, found once per reply for every phrase group.

    The lookup is ``mediator.regex_prefilter.LiteralIndex`` (the analyser's too), run over the
    very text the patterns scan: ``doc.lower`` for English, ``doc.text`` for Chinese. Built
    lazily once all detectors have registered their gates.
    """

    def __init__(self) -> None:
        self._literals: dict[bool, set[str]] = {True: set(), False: set()}
        self._built: dict[bool, regex_prefilter.LiteralIndex[str]] = {}

    def add(self, literals: Iterable[str], english: bool) -> None:
        self._literals[english].update(literals)
        self._built.pop(english, None)

    def present(self, doc: Doc, english: bool) -> frozenset[str]:
        key = "literals:en" if english else "literals:zh"
        found = doc.cache.get(key)
        if found is None:
            index = self._built.get(english)
            if index is None:
                index = self._built[english] = regex_prefilter.LiteralIndex.of(self._literals[english])
            found = doc.cache[key] = frozenset(index.lookup(doc.lower if english else doc.text))
        return found  # type: ignore[return-value]


def literal_gate(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The strings one of which every match of ``pattern`` contains (``regex_prefilter``), or None.

    A pattern with case-insensitive parts gets no gate: its strings would only hold
    caselessly, and the guard's patterns never need it (English runs on lower-cased text).
    """
    found = regex_prefilter.necessary_literals(pattern)
    return None if found is None or found.ignorecase else frozenset(found.strings)


@dataclass(frozen=True, slots=True)
class GatedPattern:
    """One pattern of a phrase group with the literals every match of it contains.

    A substring test costs nanoseconds and a regex scan microseconds, so the pattern runs only
    when the reply contains one of ``gate``: the pattern's necessary literals (``literal_gate``),
    or for a language's alternation its members' together, derived from the patterns so they
    can never disagree with them. ``gate`` None: always run.
    """

    pattern: re.Pattern[str]
    gate: frozenset[str] | None
    english: bool
    """English patterns run on ``doc.lower`` and only when the reply has Latin letters."""
    index: LiteralIndex | None = None
    """Where the reply's literals are looked up in one pass; without one, each is tested."""

    @classmethod
    def of(cls, pattern: re.Pattern[str], english: bool, index: LiteralIndex | None = None) -> GatedPattern:
        return _gated(pattern, literal_gate(pattern), english, index)

    def runs_on(self, doc: Doc) -> str | None:
        """The text to scan, or None when the gate proves the pattern cannot match."""
        if not (doc.has_latin if self.english else doc.has_cjk):
            return None
        text = doc.lower if self.english else doc.text
        if self.gate is not None:
            if self.index is not None:
                if self.index.present(doc, self.english).isdisjoint(self.gate):
                    return None
            elif not any(map(text.__contains__, self.gate)):
                return None
        return text

    def finditer(self, doc: Doc) -> Iterator[re.Match[str]]:
        text = self.runs_on(doc)
        return iter(()) if text is None else self.pattern.finditer(text)


_ALONE_MAX = 24
"""``runs_alone``: more required literals than this and the pattern joins the alternation."""


def runs_alone(pattern: re.Pattern[str]) -> bool:
    """Whether a phrase pattern runs on its own rather than inside its language's alternation.

    The rule (``mediator.guard.literals``) is kept exactly as it was when it also chose the
    gates, because it decides which of two overlapping matches a finding quotes.
    """
    found = required_literals(pattern.pattern, pattern.flags)
    return bool(found) and len(found) <= _ALONE_MAX and not any(s.isascii() and len(s) < 3 for s in found)


def _gated(
    pattern: re.Pattern[str], gate: frozenset[str] | None, english: bool, index: LiteralIndex | None
) -> GatedPattern:
    """The part that runs ``pattern``, its gate registered with the shared lookup."""
    if gate is not None and index is not None:
        index.add(gate, english)
    return GatedPattern(pattern, gate, english, index if gate is not None else None)


def _parts(node: dict[str, Any], index: LiteralIndex | None = None, gates: bool = True) -> tuple[GatedPattern, ...]:
    """A group's patterns: those that ``runs_alone`` one by one, the rest of a language joined.

    Every part is gated by the necessary literals of what it runs: its pattern's
    (``literal_gate``), or for the alternation the union of its members' (a match of the
    alternation is a match of one member), None when some member has none. ``gates`` False
    keeps the same parts without gates, so every part runs: the reference the prefilter is
    tested against.
    """
    out = []
    for lang, compile_many in (("en", compile_en), ("zh", compile_zh)):
        english = lang == "en"
        items = node.get(lang)
        joined: list[str] = []
        joined_gates: list[frozenset[str] | None] = []
        for p in [items] if isinstance(items, str) else list(items or ()):
            compiled = compile_many([p])
            if compiled is None:
                continue
            gate = literal_gate(compiled) if gates else None
            if runs_alone(compiled):
                out.append(_gated(compiled, gate, english, index))
            else:
                joined.append(p)
                joined_gates.append(gate)
        alternation = compile_many(joined)
        if alternation is not None:
            gate = None if any(g is None for g in joined_gates) else frozenset().union(*joined_gates)
            out.append(_gated(alternation, gate, english, index))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PhraseGroup:
    """One named group of phrases in a detector file (e.g. THREAT.arrest)."""

    code: str
    name: str
    detail: str
    rules: RuleMap
    lex: Lex
    negatable: bool = True
    unless: Lex | None = None
    requires_no_offer: str | None = None
    parts: tuple[GatedPattern, ...] = ()
    """The same patterns as ``lex``, one by one with their literal gates (what detectors run)."""
    unless_sentence: bool = False
    """``unless_near`` looks at the whole sentence, not just the clause (scam warnings name the
    impostor in one clause and the fraud in the next)."""
    gates: tuple[frozenset[str] | None, frozenset[str] | None] = field(init=False, default=(None, None))
    """Every gate literal of the Chinese and of the English parts (indexed by ``english``), or
    None when some part of that language always runs: a reply with none of them can run no
    part of that language, so most groups are passed over without looking at each part."""
    index: LiteralIndex | None = field(init=False, default=None)
    """The lookup the gated parts share (one per policy)."""

    def __post_init__(self) -> None:
        index = next((p.index for p in self.parts if p.index is not None), None)
        object.__setattr__(self, "index", index)
        gates = (_language_gate(self.parts, False, index), _language_gate(self.parts, True, index))
        object.__setattr__(self, "gates", gates)

    def rule(self, jurisdiction: str) -> str:
        return self.rules.get(jurisdiction) or next(iter(self.rules.values()), "")

    def _runs(self, doc: Doc, english: bool) -> bool:
        """Whether some part of this language may match: the reply has the script and a gate literal."""
        if not (doc.has_latin if english else doc.has_cjk):
            return False
        gate = self.gates[english]
        if gate is None or self.index is None:
            return gate is None
        return not self.index.present(doc, english).isdisjoint(gate)

    def matches(self, doc: Doc) -> list[re.Match[str]]:
        """Every match of every pattern whose gate lets it run, leftmost first."""
        latin, cjk = self._runs(doc, True), self._runs(doc, False)
        if not (latin or cjk):
            return []
        # ``GatedPattern.runs_on`` inlined: this loop runs for every part of every group on every
        # reply, and the per-part call and attribute lookups were a quarter of the check time.
        found: list[re.Match[str]] = []
        present: dict[bool, frozenset[str]] = {}
        for part in self.parts:
            english = part.english
            if not (latin if english else cjk):
                continue
            text = doc.lower if english else doc.text
            gate = part.gate
            if gate is not None:
                index = part.index
                if index is not None:
                    seen = present.get(english)
                    if seen is None:
                        seen = present[english] = index.present(doc, english)
                    if seen.isdisjoint(gate):
                        continue
                elif not any(map(text.__contains__, gate)):
                    continue
            found.extend(part.pattern.finditer(text))
        if len(found) > 1:
            found.sort(key=lambda m: (m.start(), -m.end()))
        return found


def _language_gate(parts: tuple[GatedPattern, ...], english: bool, index: LiteralIndex | None) -> frozenset[str] | None:
    """The union of the gates of a group's parts of one language (empty: it has none).

    None when one of them has no gate, or not ``index`` to look it up in: then the language
    is not passed over and each part decides for itself.
    """
    mine = [p for p in parts if p.english == english]
    if any(p.gate is None or p.index is not index for p in mine):
        return None
    return frozenset().union(*(p.gate for p in mine if p.gate is not None))


def _rules(value: Any, fallback: RuleMap | None = None) -> RuleMap:
    if value is None:
        return dict(fallback or {})
    if not isinstance(value, dict):
        raise PolicyError(f"rules must map jurisdiction to rule id, got {value!r}")
    return {str(k): str(v) for k, v in value.items()}


def phrase_groups(
    doc: dict[str, Any], index: LiteralIndex | None = None, gates: bool = True
) -> tuple[PhraseGroup, ...]:
    code = str(doc["code"])
    default = _rules(doc.get("rules"))
    groups = []
    for g in doc.get("groups", ()):
        unless = g.get("unless_near")
        lex = Lex(compile_en(g.get("en")), compile_zh(g.get("zh")))
        groups.append(
            PhraseGroup(
                code=code,
                name=str(g["name"]),
                detail=str(g.get("detail", g["name"])),
                rules=_rules(g.get("rules"), default),
                lex=lex,
                negatable=bool(g.get("negatable", True)),
                unless=Lex(compile_en(unless), compile_zh(unless)) if unless else None,
                requires_no_offer=g.get("requires_no_offer"),
                parts=_parts(g, index, gates),
                unless_sentence=g.get("unless_scope", "clause") == "sentence",
            )
        )
    return tuple(groups)


def negation_from(doc: dict[str, Any]) -> Negation:
    breaks = _norm(str(doc["clause_breaks"]))
    return Negation(
        breaks=re.compile("[" + re.escape(breaks) + "]"),
        en_negators=re.compile(doc["en_negators"], re.IGNORECASE),
        en_conditional=re.compile(doc["en_conditional"], re.IGNORECASE),
        en_not_negation=re.compile(doc["en_not_negation"], re.IGNORECASE),
        zh_negators=re.compile(_norm(doc["zh_negators"])),
        zh_near=re.compile(_norm(doc["zh_near_negators"])),
        zh_not_negation=re.compile(_norm(doc["zh_not_negation"])) if doc.get("zh_not_negation") else None,
        en_window=int(doc.get("en_window", 45)),
        zh_window=int(doc.get("zh_window", 8)),
    )


class GuardData:
    """Every detector file of one policy, parsed once."""

    def __init__(self, policy: Policy, prefilter: bool = True) -> None:
        self.policy = policy
        self.negation = negation_from(self.doc("negation"))
        self.literals = LiteralIndex()
        """One literal lookup per reply shared by every phrase group of this policy."""
        self.prefilter = prefilter
        """False: the same phrase parts without their literal gates (every pattern runs), the
        reference the prefilter is tested against."""

    def doc(self, name: str) -> dict[str, Any]:
        value = self.policy.doc(f"guard/{name}.yaml")
        if not isinstance(value, dict):
            raise PolicyError(f"guard/{name}.yaml must be a mapping")
        return value

    def groups(self, name: str) -> tuple[PhraseGroup, ...]:
        return phrase_groups(self.doc(name), self.literals, self.prefilter)
