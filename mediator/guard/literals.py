"""Which phrase patterns of a group run on their own, and which share one alternation.

A pattern run on its own contributes every one of its matches, and of matches that start at
the same place the longest is reported; an alternation yields one match per place, that of its
first alternative matching there, and none inside it. Which patterns run alone therefore
decides which of two overlapping matches a finding quotes, so the rule is part of what the
guard reports and is kept exactly as it was when it also chose the gates: a pattern runs alone
when a small set of strings, one of which every match contains, can be read off its parsed form
here (``required_literals``; ``mediator.guard.data.runs_alone`` applies the size limits).

It no longer decides what is skipped: every part, alone or joined, is gated by the necessary
literals of ``mediator.regex_prefilter``, the derivation the analyser uses too.
"""

from __future__ import annotations

import re._constants as c
from typing import Any

from mediator.regex_prefilter import parse

Literals = frozenset[str]
_MAX_SET = 64
_ZERO_WIDTH = (c.AT, c.ASSERT_NOT, c.ASSERT)


def _strong(cands: Literals) -> bool:
    """Short ASCII pieces ("a", "o") are in every text; one CJK character is already selective."""
    return bool(cands) and all(len(s) >= (2 if s.isascii() else 1) for s in cands)


def _better(a: Literals | None, b: Literals | None) -> Literals | None:
    if a is None or b is None:
        return a if b is None else b
    return a if (min(map(len, a)), -len(a)) >= (min(map(len, b)), -len(b)) else b


def _pure(items: Any) -> str | None:
    """The text of a sequence made only of literals (and zero-width tests), else None."""
    out = []
    for op, av in items:
        if op is c.LITERAL:
            out.append(chr(av))
        elif op not in _ZERO_WIDTH:
            return None
    return "".join(out)


def _alternatives(op: Any, av: Any) -> list[Any]:
    if op is c.BRANCH:
        return list(av[1])
    inner = av[-1]  # SUBPATTERN: (group, add_flags, del_flags, pattern)
    if len(inner) == 1 and inner[0][0] is c.BRANCH:
        return list(inner[0][1][1])
    return [inner]


def _sequence(items: Any, start: set[str] | None = None) -> Literals | None:
    best: Literals | None = None
    run: set[str] = set(start or {""})

    def close() -> None:
        nonlocal best, run
        cands = frozenset(run)
        if _strong(cands):
            best = _better(best, cands)
        run = {""}

    for op, av in items:
        if op is c.LITERAL:
            run = {s + chr(av) for s in run}
        elif op in _ZERO_WIDTH:
            continue
        elif op is c.IN and all(o is c.LITERAL for o, _ in av) and len(run) * len(av) <= _MAX_SET:
            run = {s + chr(v) for s in run for _, v in av}
        elif op in (c.BRANCH, c.SUBPATTERN):
            alts = _alternatives(op, av)
            texts = [_pure(a) for a in alts]
            if all(t is not None for t in texts) and len(run) * len(alts) <= _MAX_SET:
                run = {s + str(t) for s in run for t in texts}
                continue
            found = [_sequence(a, run) for a in alts]
            run = {""}
            if all(f is not None for f in found):
                best = _better(best, frozenset().union(*(f for f in found if f is not None)))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, inner = av
            close()
            if low >= 1:
                best = _better(best, _sequence(inner))
        else:
            close()
    close()
    return best


def required_literals(pattern: str, flags: int = 0) -> Literals | None:
    """Strings one of which every match of ``pattern`` contains, or None when there are none."""
    return _sequence(parse(pattern, flags))  # the parse the prefilter of the same pattern reads too
