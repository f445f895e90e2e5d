"""UNVERIFIED_CITATION: citations extracted, resolved against the loaded corpus, and checked
for what they are made to say.

A citation resolves when a rule's aliases in ``policies/us|uk|cn`` contain the same provision
(an FDCPA or Regulation F section with compatible subsections, a CONC/PRIN provision or a
chapter that contains one, a Chinese instrument and article). A citation that resolves can
still be misused: a sentence that names a law and makes it demand something of the borrower
("requires consumers to pay within 48 hours") or permit something for the collector ("allows
us to contact you ten times a day", "可以不受限制地使用") attributes to collection rules what
they do not say - they restrict collectors and give borrowers rights.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from mediator.domain import GuardContext
from mediator.guard.data import GuardData, Lex
from mediator.guard.detectors.base import Finding
from mediator.guard.doc import Doc, Negation
from mediator.guard.numbers import parse_int
from mediator.policy import Rule

_OWN_DOCUMENTS = re.compile("合同|协议|通知书|确认书|说明书|告知书|函|账单|条款")
_CN_PREFIX = re.compile(r"^中华人民共和国|（试行）|\(试行\)|\s")
_CASE_SENSITIVE = frozenset({"fca", "act"})
"""Kinds whose patterns rely on capital letters (provision prefixes, statute names)."""


@dataclass(frozen=True, slots=True)
class Citation:
    kind: str
    base: str
    path: tuple[str, ...]
    start: int
    end: int
    text: str


def _path(raw: str | None) -> tuple[str, ...]:
    return tuple(p.lower() for p in re.findall(r"\((\w{1,4})\)", raw or ""))


def cn_name(name: str) -> str:
    return _CN_PREFIX.sub("", name)


def act_name(name: str) -> str:
    """'the Consumer  Credit Act' -> 'consumer credit act', so text and corpus compare alike."""
    words = name.lower().split()
    while words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


class CitationExtractor:
    """Finds citations in text; also used on the corpus aliases, so both sides parse alike."""

    def __init__(self, patterns: dict[str, str]) -> None:
        self.patterns = {k: re.compile(v, 0 if k in _CASE_SENSITIVE else re.IGNORECASE) for k, v in patterns.items()}

    def extract(self, text: str) -> list[Citation]:
        out: list[Citation] = []
        taken: list[tuple[int, int]] = []
        # speed gate, not a rule: every kind but "cn" needs a section number (a digit), "usc" and
        # "cfr" their part number, "cn" the 《》 title marks; most replies have none of them
        has_digit = any(ch.isdigit() for ch in text)
        needs = {"usc": "1692" in text, "cfr": "1006" in text, "cn": "《" in text}
        for kind in ("usc", "cfr", "fdcpa_named", "fdcpa", "fca", "cn", "act"):
            pattern = self.patterns.get(kind)
            if pattern is None or not needs.get(kind, has_digit):
                continue
            for m in pattern.finditer(text):
                if any(a <= m.start() < b or (kind == "act" and m.start() < a < m.end()) for a, b in taken):
                    continue  # a named statute around an FDCPA/CFR citation is that citation
                taken.append(m.span())
                if kind == "act":
                    name, section, sub = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(6, 4, 5)
                    out.append(Citation("act", act_name(name), (section.lower(), *_path(sub)), *m.span(), m.group(0)))
                elif kind == "cn":
                    article = parse_int(m.group(2)) if m.group(2) else None
                    out.append(
                        Citation("cn", cn_name(m.group(1)), (str(article),) if article else (), *m.span(), m.group(0))
                    )
                elif kind == "fca":
                    out.append(Citation("fca", m.group(1).upper(), (m.group(2).upper(),), *m.span(), m.group(0)))
                else:
                    k = "fdcpa" if kind == "fdcpa_named" else kind
                    out.append(Citation(k, m.group(1).lower(), _path(m.group(2)), *m.span(), m.group(0)))
        return out


class CorpusIndex:
    """Every provision the corpus's aliases name, by kind and base."""

    def __init__(self, rules: tuple[Rule, ...], extractor: CitationExtractor) -> None:
        self.by_key: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for rule in rules:
            for alias in (*rule.aliases, rule.citation):
                for c in extractor.extract(alias):
                    self.by_key[(c.kind, c.base)].append((c.path, rule.id))

    def resolve(self, c: Citation) -> str | None:
        """The rule id the citation names, or None when the corpus has no such provision."""
        entries = self.by_key.get((c.kind, c.base), [])
        for path, rule_id in entries:
            if c.kind == "fca":
                cited, known = c.path[0], path[0]
                if cited == known or known.startswith(cited + "."):
                    return rule_id
            elif c.kind == "cn":
                if not c.path or path == c.path:
                    return rule_id
            elif path[: len(c.path)] == c.path or (path and c.path[: len(path)] == path):
                return rule_id
        if c.kind == "cfr" and c.base == "1006" and any(k[0] == "cfr" for k in self.by_key):
            return "US-REGF"
        return None


class CitationDetector:
    name = "citations"

    def __init__(self, data: GuardData) -> None:
        doc = data.doc("citations")
        self.rules = {str(k): str(v) for k, v in doc["rules"].items()}
        self.extractor = CitationExtractor(doc["extract"])
        self.index = CorpusIndex(data.policy.rules, self.extractor)
        self.law = Lex.of(doc["law_names"])
        self.mis = Lex.of(doc["misattribution"])
        self.ok = Lex.of(doc["allowed_duties"])
        self.negation: Negation = data.negation

    def _finding(self, ctx: GuardContext, s: int, e: int, detail: str, src: str) -> Finding:
        return Finding(
            "UNVERIFIED_CITATION", self.rules.get(ctx.jurisdiction, ""), s, e, detail, f"UNVERIFIED_CITATION.{src}"
        )

    def _misattributed(self, doc: Doc, lo: int, hi: int) -> re.Match[str] | None:
        allowed = [m.span() for m in self.ok.finditer(doc, lo, hi)]
        for m in self.mis.finditer(doc, lo, hi):
            if self.negation.negated(doc.text, m.start()):
                continue
            if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in allowed):
                continue
            return m
        return None

    def run(self, doc: Doc, ctx: GuardContext) -> list[Finding]:
        text = doc.text
        out: list[Finding] = []
        checked: set[tuple[int, int]] = set()
        for c in self.extractor.extract(text):
            if c.kind == "cn" and _OWN_DOCUMENTS.search(c.base):
                continue
            rule_id = self.index.resolve(c)
            if rule_id is None:
                out.append(
                    self._finding(ctx, c.start, c.end, f"{c.text.strip()!r} is not in the policy corpus", "unknown")
                )
                continue
            sentence = doc.sentence(c.start, c.end)
            checked.add(sentence)
            m = self._misattributed(doc, *sentence)
            if m:
                claim = text[m.start() : m.end()]
                detail = f"attributes to {c.text.strip()!r} ({rule_id}) a claim it does not make: {claim!r}"
                out.append(self._finding(ctx, c.start, c.end, detail, "misattributed"))
        if out:
            return out
        for law in self.law.finditer(doc):
            sentence = doc.sentence(law.start(), law.end())
            if sentence in checked:
                continue
            checked.add(sentence)
            m = self._misattributed(doc, *sentence)
            if m:
                said, claim = text[law.start() : law.end()], text[m.start() : m.end()]
                detail = f"says {said!r} requires or allows something it does not: {claim!r}"
                return [self._finding(ctx, law.start(), law.end(), detail, "misattributed")]
        return out
