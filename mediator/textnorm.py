"""Text normalisation applied before any check, so that evasions do not slip past.

Full-width forms and compatibility characters fold with NFKC; zero-width and other
invisible format characters are dropped; common Cyrillic/Greek homoglyphs of Latin
letters are mapped back; curly quotes and dashes are straightened; letters spaced or
dotted apart ("j a i l", "a.r.r.e.s.t") are joined. ``normalize_with_map`` also returns,
for every output character, the index of the input character it came from, so spans
found on the normalised text can be reported on the original.

The guard calls this on every outgoing reply, so the common case is kept cheap: plain
ASCII text skips the per-character folding, and each distinct character's folding is
computed once and cached.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_INVISIBLE = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x2061, 0x2062, 0x2063, 0x2064}
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ӏ": "l",
        "ո": "n",
        "ս": "u",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "І": "I",
        "Ј": "J",
        "Ѕ": "S",
        "α": "a",
        "ο": "o",
        "ρ": "p",
        "ν": "v",
        "τ": "t",
        "ι": "i",
        "κ": "k",
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
        "‘": "'",
        "’": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "−": "-",
    }
)
# three or more single letters separated by one space/dot/dash/underscore: "j a i l", "a.r.r.e.s.t"
_SPACED = re.compile(r"(?<![A-Za-z])(?:[A-Za-z][ ._\-*]){2,}[A-Za-z](?![A-Za-z])")
# single letters that are ordinary words must not be glued to neighbours: "I a m" is rare,
# but "a I" patterns in real prose are not; only join runs of 3+ letters (as above).
_CJK_CHAR = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese is written without spaces, so one or two spaces between two ideographs ("老 赖",
# "骗　子" - the ideographic space folds to " ") only split a word to evade matching.
_CJK_GAP = re.compile(f"(?<=[{_CJK_CHAR}])[ \t]{{1,2}}(?=[{_CJK_CHAR}])")


def _is_invisible(ch: str) -> bool:
    return ord(ch) in _INVISIBLE or unicodedata.category(ch) == "Cf"


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """The normalised form of one character ('' for invisible ones)."""
    if _is_invisible(ch):
        return ""
    return unicodedata.normalize("NFKC", ch).translate(_HOMOGLYPHS)


def _join_spaced(joined: str, index: list[int]) -> tuple[str, list[int]]:
    pieces: list[str] = []
    new_index: list[int] = []
    pos = 0
    for m in _SPACED.finditer(joined):
        pieces.append(joined[pos : m.start()])
        new_index.extend(index[pos : m.start()])
        for k in range(m.start(), m.end()):
            if joined[k].isalpha():
                pieces.append(joined[k])
                new_index.append(index[k])
        pos = m.end()
    pieces.append(joined[pos:])
    new_index.extend(index[pos:])
    return "".join(pieces), new_index


def _drop(joined: str, index: list[int], pattern: re.Pattern[str]) -> tuple[str, list[int]]:
    """Remove every match of ``pattern``, keeping the index map aligned."""
    pieces: list[str] = []
    new_index: list[int] = []
    pos = 0
    for m in pattern.finditer(joined):
        pieces.append(joined[pos : m.start()])
        new_index.extend(index[pos : m.start()])
        pos = m.end()
    pieces.append(joined[pos:])
    new_index.extend(index[pos:])
    return "".join(pieces), new_index


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise ``text``; return it with a map from output index to input index."""
    if text.isascii():
        joined, index = text, list(range(len(text)))
    else:
        out: list[str] = []
        index = []
        for i, ch in enumerate(text):
            folded = ch if ch.isascii() else _fold(ch)
            if len(folded) == 1:
                out.append(folded)
                index.append(i)
            else:
                for f in folded:
                    out.append(f)
                    index.append(i)
        joined = "".join(out)
        if _CJK_GAP.search(joined):
            joined, index = _drop(joined, index, _CJK_GAP)
    if _SPACED.search(joined):
        joined, index = _join_spaced(joined, index)
    return joined, index


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Normalised text only (cached: the guard and the analyser both call it)."""
    return normalize_with_map(text)[0]
