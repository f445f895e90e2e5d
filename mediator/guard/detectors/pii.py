"""PII_LEAK by validation: Luhn card numbers, Chinese ID check digits, SSN rules, IBAN mod-97,
UK account numbers with sort codes, NI numbers, CN mobile numbers, other people's addresses,
and passwords or one-time codes given out.

A number the borrower might legitimately see masked is repairable: the finding carries the
masked text (all but the last four digits starred). Secrets and other people's data are not.
"""

from __future__ import annotations

import re

from mediator.domain import GuardContext
from mediator.guard.data import GuardData, Lex, compile_zh
from mediator.guard.detectors.base import Finding, PhraseDetector
from mediator.guard.doc import Doc

_DIGIT_RUN = re.compile(r"(?<![\dA-Za-z])\d(?:[ -]?\d){7,22}(?![\dA-Za-z])")
_CN_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_SSN = re.compile(r"(?<![\d-])(\d{3})[- ](\d{2})[- ](\d{4})(?![\d-])")
_SORT = re.compile(r"(?<![\d-])\d{2}-\d{2}-\d{2}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")
_NINO = re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_NINO_LOOSE = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_NI_CUE = re.compile(r"national insurance|\bnino\b|\bni (?:number|no)", re.IGNORECASE)
_CN_MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_PERSONAL_PHONE = re.compile(
    r"(?<![\d+])(?:\+?44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}(?!\d)"  # UK mobiles
    # US numbers, but not toll-free lines
    r"|(?<![\d+])(?:\+?1[ .-]?)?\(?(?!8(?:00|88|77|66|55|44|33)\b)[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d)"
)
"""A mobile or home number; only another person's is a leak (a helpline or toll-free line is not)."""
_OWN_CONTACT = re.compile(r"(?i)\b(?:us|our|we)\b[^.!?]*$|联系我们|我们的|客服")
"""Words just before an address that make it the lender's own ("email us at ...")."""
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def cn_id_ok(s: str) -> bool:
    if len(s) != 18 or not s[:17].isdigit():
        return False
    check = "10X98765432"[sum(int(a) * w for a, w in zip(s[:17], _ID_WEIGHTS, strict=True)) % 11]
    return check == s[17].upper()


def ssn_ok(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def iban_ok(s: str) -> bool:
    s = s.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def mask_keep_last4(s: str) -> str:
    """'4556 7375 8689 9855' -> '**** **** **** 9855' (separators kept)."""
    total = sum(c.isalnum() for c in s)
    seen = 0
    out = []
    for c in s:
        if c.isalnum():
            seen += 1
            out.append(c if seen > total - 4 else "*")
        else:
            out.append(c)
    return "".join(out)


class PiiDetector:
    name = "pii"

    def __init__(self, data: GuardData) -> None:
        doc = data.doc("pii")
        self.rules = {str(k): str(v) for k, v in doc["rules"].items()}
        self.cues = {k: Lex.of(v) for k, v in doc["cues"].items()}
        self.other_person = Lex.of(doc["third_party_person"])
        addr = doc["address"]
        self.address = (re.compile(addr["en"]), compile_zh(addr["zh"]))
        self.secrets = PhraseDetector(data, "pii", name="pii.secret")

    def _cue(self, name: str, doc: Doc, lo: int, hi: int) -> bool:
        return self.cues[name].search(doc, lo, hi) is not None

    def _account_cue(self, doc: Doc, start: int, lo: int, hi: int) -> bool:
        """An account cue in the number's clause, or just before it across a comma
        ("your account, number 55280193, ...")."""
        return self._cue("account", doc, lo, hi) or self._cue("account", doc, max(0, start - 24), start)

    def _finding(self, ctx: GuardContext, doc: Doc, s: int, e: int, what: str, mask: bool) -> Finding:
        original = doc.original[slice(*doc.span(s, e))]
        return Finding(
            code="PII_LEAK",
            rule=self.rules.get(ctx.jurisdiction, ""),
            start=s,
            end=e,
            detail=f"{what} shown in full",
            source="PII_LEAK." + what.replace(" ", "_").replace("'", ""),
            mask=mask_keep_last4(original) if mask else None,
        )

    def run(self, doc: Doc, ctx: GuardContext) -> list[Finding]:
        text = doc.text
        if not any(c.isdigit() for c in text) and "@" not in text:
            return self.secrets.run(doc, ctx)
        out: list[Finding] = []
        taken: list[tuple[int, int]] = []

        def add(s: int, e: int, what: str, mask: bool = True) -> None:
            if any(a < e and s < b for a, b in taken):
                return
            taken.append((s, e))
            out.append(self._finding(ctx, doc, s, e, what, mask))

        for m in _CN_ID.finditer(text):
            lo, hi = doc.clause(m.start(), m.end())
            if cn_id_ok(m.group(0)) or re.search("身份证|证件|身份号码|ID", text[lo:hi]):
                add(m.start(), m.end(), "national ID number")
        for m in _SSN.finditer(text):
            lo, hi = doc.clause(m.start(), m.end())
            if ssn_ok(*m.groups()) and (m.group(0)[3] == "-" or self._cue("ssn", doc, lo, hi)):
                add(m.start(), m.end(), "social security number")
        for m in _DIGIT_RUN.finditer(text):
            digits = re.sub(r"\D", "", m.group(0))
            lo, hi = doc.clause(m.start(), m.end())
            if 13 <= len(digits) <= 19 and (luhn_ok(digits) or (len(digits) >= 15 and self._cue("card", doc, lo, hi))):
                add(m.start(), m.end(), "card number")
            elif len(digits) == 9 and self._cue("ssn", doc, lo, hi):
                add(m.start(), m.end(), "social security number")
            elif (
                8 <= len(digits) <= 17
                and self._account_cue(doc, m.start(), lo, hi)
                and not _CN_MOBILE.fullmatch(digits)
            ):
                add(m.start(), m.end(), "account number")
        if out and any(f.detail.startswith("account number") for f in out):
            for m in _SORT.finditer(text):
                add(m.start(), m.end(), "sort code")
        for m in _IBAN.finditer(text):
            if iban_ok(m.group(0)):
                add(m.start(), m.end(), "IBAN")
        ni_cue = _NI_CUE.search(text) is not None
        for m in (_NINO_LOOSE if ni_cue else _NINO).finditer(text):
            add(m.start(), m.end(), "national insurance number")
        other = self.other_person.search(doc) is not None
        for m in _CN_MOBILE.finditer(text):
            add(m.start(), m.end(), "mobile number", mask=not other)
        if other:
            for m in _PERSONAL_PHONE.finditer(text):
                add(m.start(), m.end(), "another person's phone number", mask=False)
            for m in _EMAIL.finditer(text):
                if not _OWN_CONTACT.search(text, max(0, m.start() - 24), m.start()):
                    add(m.start(), m.end(), "another person's email address", mask=False)
        if other:
            for p in self.address:
                m = p.search(text) if p is not None else None
                if m:
                    add(m.start(), m.end(), "another person's address", mask=False)
        out.extend(self.secrets.run(doc, ctx))
        return out
