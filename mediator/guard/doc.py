"""One reply prepared for checking: normalised text, span map, clause and negation helpers.

Every detector reads the same ``Doc`` so normalisation happens once per check, and spans
found on the normalised text are mapped back to the original text in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mediator.textnorm import normalize_with_map

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2}")
_SENTENCE_BREAK = re.compile(r"[.!?;。！？；\n]")
_CONTRAST = re.compile(r"\b(?:but|however|although|though|yet|so|whereas|while|otherwise)\b", re.IGNORECASE)
_LIST_ITEM = re.compile(
    r"\s*(?:(?:or|and|nor)?\s*$|(?:(?:or|and|nor)\s+)?(?!(?:i|we|you|he|she|it|they|this|that|there|the|a|an|our|your|my|their|his|her|but|so|then|"
    r"otherwise|unless|if|when|because|yet|however|which|who|before|after|or else)\b)[a-z]+\b(?!'(?:ll|re|ve|d|s)\b))"
)
"""A comma clause that continues a list of verbs ("..., call your work, or involve the police")."""


@dataclass(frozen=True, slots=True)
class Negation:
    """Decides whether a hit is negated within its clause ("we will NOT contact your employer")."""

    breaks: re.Pattern[str]
    en_negators: re.Pattern[str]
    en_conditional: re.Pattern[str]
    en_not_negation: re.Pattern[str]
    zh_negators: re.Pattern[str]
    zh_near: re.Pattern[str]
    en_window: int = 45
    zh_window: int = 8
    zh_not_negation: re.Pattern[str] | None = None
    """Chinese phrases that look negative but are not ("别逼我们", "不然", "不还"), removed first."""

    def clause_before(self, text: str, start: int, window: int) -> str:
        seg = text[max(0, start - window) : start]
        cut = max((m.end() for m in self.breaks.finditer(seg)), default=0)
        return seg[cut:]

    def negated(self, text: str, start: int) -> bool:
        clause = self.clause_before(text, start, self.en_window)
        if self._en_negated(clause, self.clause_before(text, start, 3 * self.en_window)):
            return True
        # a list continues after a comma (or past the window); a colon or full stop ends it
        window_cut = len(clause) >= self.en_window
        continues = window_cut or (start > len(clause) and text[start - len(clause) - 1] in ",，")
        head_end = 0 if window_cut else len(clause)  # a window cut can split the negator itself
        if continues and _LIST_ITEM.match(clause) and self._en_negated(self._list_head(text, start, head_end)):
            return True  # "nobody will come to your door, call your work, or involve the police"
        zseg = self.clause_before(text, start, self.zh_window)
        if self.zh_not_negation is not None:
            zseg = self.zh_not_negation.sub("", self.clause_before(text, start, self.zh_window + 4))[-self.zh_window :]
        return bool(self.zh_negators.search(zseg) or self.zh_near.search(zseg[-2:]))

    def _en_negated(self, seg: str, wider: str = "") -> bool:
        """A negator in ``seg`` that no conditional before it governs.

        ``wider`` is the same clause further back: the "if" of "if the balance is not cleared you
        can expect to be arrested" can sit outside the negation window and still govern its "not".
        """
        lead = wider[: len(wider) - len(seg)] if wider.endswith(seg) else ""
        seg = self.en_not_negation.sub(" ", seg)
        hits = list(self.en_negators.finditer(seg))
        if not hits:
            return False
        return not (self.en_conditional.search(seg, 0, hits[-1].start()) or self.en_conditional.search(lead))

    def _list_head(self, text: str, start: int, clause_len: int) -> str:
        """The sentence before a list item, back to the last full stop (one negator governs a list)."""
        end = start - clause_len
        seg = text[max(0, end - 2 * self.en_window) : end]
        cut = max((m.end() for m in _SENTENCE_BREAK.finditer(seg)), default=0)
        cut = max((m.end() for m in _CONTRAST.finditer(seg, cut)), default=cut)
        return seg[cut:]


@dataclass(slots=True)
class Doc:
    """The normalised reply; ``index[i]`` is the original position of normalised char ``i``."""

    original: str
    text: str
    lower: str
    """``text`` lower-cased, same length, for the English patterns."""
    index: list[int]
    has_cjk: bool
    has_latin: bool
    cache: dict[str, object] = field(default_factory=dict)
    """Per-check memo for values several detectors share (figures, sentences)."""

    @classmethod
    def build(cls, original: str) -> Doc:
        text, index = normalize_with_map(original)
        lower = text.lower()
        if len(lower) != len(text):  # a few characters lower-case to two ("İ"): keep positions
            lower = "".join(c.lower()[:1] or c for c in text)
        return cls(original, text, lower, index, bool(_CJK.search(text)), bool(_LATIN.search(text)))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span to the original text."""
        if not self.index:
            return (0, 0)
        start = min(max(start, 0), len(self.index) - 1)
        end = min(max(end, start + 1), len(self.index))
        return (self.index[start], self.index[end - 1] + 1)

    def clause(self, start: int, end: int, breaks: str = ".!?;。\n,，") -> tuple[int, int]:
        """The clause around a span: from the previous break to the next one."""
        lo = start
        while lo > 0 and self.text[lo - 1] not in breaks:
            lo -= 1
        hi = end
        n = len(self.text)
        while hi < n and self.text[hi] not in breaks:
            hi += 1
        return lo, hi

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around a span (a full stop inside "1006.34" does not end it)."""
        t = self.text
        lo = start
        while lo > 0 and not (t[lo - 1] in "!?。\n" or (t[lo - 1] == "." and (lo >= len(t) or t[lo].isspace()))):
            lo -= 1
        hi = end
        n = len(t)
        while hi < n and not (t[hi] in "!?。\n" or (t[hi] == "." and (hi + 1 >= n or t[hi + 1].isspace()))):
            hi += 1
        return lo, hi
