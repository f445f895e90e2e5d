"""Offline rule lookup: BM25 over the loaded policy corpus, English and Chinese.

The mediator may only quote rules that exist in ``policies/``; this module is how it
finds them. It is lexical (rank-bm25), so it needs no model download and is
deterministic. English is lower-cased word tokens with a light suffix stemmer;
Chinese is character bigrams (plus single characters of one-character runs), which
is the usual dictionary-free way to match Chinese text. A small synonym table maps
borrower words ("stop texting", "not mine") onto the vocabulary the rules use.

Indexes are built once per (policy version, jurisdiction) and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rank_bm25 import BM25Plus

from mediator.policy import Policy, Rule, get_policy
from mediator.textnorm import normalize

_TOKEN = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*|[\u3400-\u9fff]+")
_STOP_WORDS = (
    "a an the of to in on at for by and or is are be was were it its this that with as from not no "
    "i me my you your we our us they them their he she his her do does did can could will would "
    "should may might must have has had about any all what when how which who"
)
_STOP = frozenset(_STOP_WORDS.split())
# borrower words -> words the rule corpus uses (applied to queries only)
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "stop": ("cease", "communication"),
    "contacting": ("contact", "communication"),
    "texting": ("contact", "communication"),
    "calling": ("contact", "call"),
    "wrong": ("dispute", "verification"),
    "mine": ("dispute",),
    "proof": ("verification", "validation", "dispute"),
    "validate": ("validation", "verification"),
    "paid": ("dispute",),
    "afford": ("forbearance", "difficulty", "arrears"),
    "hardship": ("forbearance", "difficulty", "arrears"),
    "job": ("difficulty", "forbearance"),
    "struggling": ("difficulty", "forbearance"),
    "plan": ("repayment", "instalment"),
    "installment": ("instalment", "repayment"),
    "lawyer": ("attorney", "represented"),
    "solicitor": ("attorney", "represented"),
    "threat": ("threaten", "harass"),
    "employer": ("third", "parties", "workplace"),
    "family": ("third", "parties"),
    "停止": ("停止联系",),
    "异议": ("核实", "异议"),
    "不是我的": ("异议", "核实"),
    "困难": ("分期", "还款"),
}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    """Word stems for Latin text, character bigrams for Chinese runs."""
    out: list[str] = []
    for tok in _TOKEN.findall(normalize(text).lower()):
        if "\u3400" <= tok[0] <= "\u9fff":
            out.extend(tok[i : i + 2] for i in range(len(tok) - 1)) if len(tok) > 1 else out.append(tok)
        elif tok not in _STOP:
            out.append(_stem(tok))
    return out


def _expand(query: str) -> str:
    low = normalize(query).lower()
    extra = [w for key, words in _SYNONYMS.items() if key in low for w in words]
    return " ".join([query, *extra])


def _document(rule: Rule) -> str:
    codes = " ".join(c.replace("_", " ") for c in rule.codes)
    return " ".join(
        [rule.id.replace("-", " "), rule.citation, rule.title, rule.title, rule.summary,
         rule.summary_zh or "", " ".join(rule.aliases), codes]
    )


@dataclass(frozen=True)
class RuleIndex:
    """BM25 over one jurisdiction's rules."""

    rules: tuple[Rule, ...]
    bm25: BM25Plus | None
    vocab: tuple[frozenset[str], ...] = ()

    @classmethod
    def build(cls, rules: tuple[Rule, ...]) -> RuleIndex:
        docs = [tokenize(_document(r)) for r in rules]
        if not docs or not any(docs):
            return cls(rules, None)
        # BM25+ keeps every matching term's weight positive, which small per-jurisdiction
        # corpora need (plain Okapi gives a term found in half the rules zero weight)
        return cls(rules, BM25Plus([d or ["_"] for d in docs]), tuple(frozenset(d) for d in docs))

    def search(self, query: str, k: int) -> list[Rule]:
        if self.bm25 is None or k <= 0:
            return []
        tokens = tokenize(_expand(query))
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        wanted = set(tokens)
        matching = [i for i in range(len(self.rules)) if wanted & self.vocab[i]]
        ranked = sorted(matching, key=lambda i: (-scores[i], self.rules[i].id))
        return [self.rules[i] for i in ranked[:k]]


_INDEXES: dict[tuple[str, str, str], RuleIndex] = {}


def index_for(jurisdiction: str, policy: Policy | None = None) -> RuleIndex:
    """The cached index of ``jurisdiction`` for ``policy`` (default: the loaded policy)."""
    policy = policy or get_policy()
    key = (str(policy.root), policy.version, jurisdiction)
    index = _INDEXES.get(key)
    if index is None:
        index = RuleIndex.build(tuple(r for r in policy.rules if r.jurisdiction == jurisdiction))
        _INDEXES[key] = index
    return index


def lookup_rules(query: str, jurisdiction: str, k: int = 3, policy: Policy | None = None) -> list[Rule]:
    """The ``k`` rules of ``jurisdiction`` that best match ``query`` (best first).

    Returns fewer (or none) when nothing in the corpus shares a term with the query,
    so a caller never cites a rule that does not match.
    """
    return index_for(jurisdiction.upper(), policy).search(query, k)
