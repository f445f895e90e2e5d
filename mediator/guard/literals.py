"""Required literals of a regular expression: strings one of which every match must contain.

The guard runs dozens of phrase alternations on every reply; most replies can match none of
them. A substring test costs nanoseconds, a regex scan microseconds, so each phrase pattern is
gated by the literals its pattern requires (computed here from the parsed pattern, never typed
by hand, so the gate cannot drift from the patterns). A pattern without a fixed piece
("\\w+ \\d+") yields ``None``: no gate, it always runs.
"""

from __future__ import annotations

import re._constants as c
import re._parser as parser
from typing import Any

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


def required_literals(pattern: str) -> Literals | None:
    """Strings one of which every match of ``pattern`` contains, or None when there are none."""
    return _sequence(parser.parse(pattern))
