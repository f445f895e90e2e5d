"""Figures in text: money, percentages, instalment counts, day counts, EN and ZH.

"$1,240.50", "£200", "1.240,50 €", "1240.50 dollars", "14880元", "一千二百四十元", "1.5万元",
"20% off", "百分之二十", "八折", "6 monthly payments", "分6期", "24-month plan", "延期30天",
"30-day hold", "45 days past due", "逾期65天". Values are ``Decimal`` so amounts compare by
value, never by spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

FigureKind = Literal["money", "percent", "pay_ratio", "count", "days", "dpd"]

_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
_EN_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
    "twenty-five": 25,
    "thirty": 30,
    "thirty-five": 35,
    "thirty-six": 36,
    "forty": 40,
    "fifty": 50,
    "seventy": 70,
    "seventy-five": 75,
    "eighty": 80,
    "forty-five": 45,
    "forty-eight": 48,
    "sixty": 60,
    "ninety": 90,
    "a couple of": 2,
    "a few": 3,
}
ZH_NUM = "[零〇一二两三四五六七八九十百千万亿]+"
EN_NUM = r"\d{1,3}|" + "|".join(sorted((re.escape(w) for w in _EN_WORDS), key=len, reverse=True))


def zh_to_int(s: str) -> int | None:
    """Chinese numerals to an integer, incl. colloquial "一万二" (12000) and "三千五" (3500)."""
    if not s:
        return None
    total = section = 0
    digit: int | None = None
    last_unit = 1
    for ch in s:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            unit = _ZH_UNITS[ch]
            section += (digit if digit is not None else 1) * unit
            digit, last_unit = None, unit
        elif ch in _ZH_BIG:
            big = _ZH_BIG[ch]
            if digit is not None:
                section += digit
            total += (section or 1) * big
            section, digit, last_unit = 0, None, big
        else:
            return None
    if digit is not None:
        # a trailing digit right after a unit abbreviates the next lower unit: 一万二 = 12000
        section += digit * (last_unit // 10 if last_unit >= 10 and s[-2] in "十百千万亿" else 1)
    return total + section


def parse_int(token: str) -> int | None:
    token = token.strip().lower()
    if token.isdigit():
        return int(token)
    if token in _EN_WORDS:
        return _EN_WORDS[token]
    return zh_to_int(token)


def parse_amount(num: str) -> Decimal | None:
    """'1,240.50', '1.240,50', '1240', '1 240.50' -> Decimal, by value."""
    s = num.replace(" ", "").replace("\u00a0", "")
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if dec == "," else ",", "").replace(dec, ".")
    elif "," in s:
        parts = s.split(",")
        s = s.replace(",", "") if len(parts[-1]) == 3 or len(parts) > 2 else s.replace(",", ".")
    elif s.count(".") > 1 or (s.count(".") == 1 and len(s.split(".")[-1]) == 3 and len(s.split(".")[0]) <= 3):
        s = s.replace(".", "")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


@dataclass(frozen=True, slots=True)
class Figure:
    kind: FigureKind
    value: Decimal
    start: int
    end: int
    approx: bool = False
    """The figure says itself that it is approximate ("600多块", "一千来元")."""


_NUM = r"\d{1,3}(?:[,.\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MONEY = re.compile(
    rf"(?:[$£€¥￥]|\b(?:USD|GBP|EUR|CNY|RMB|US\$)\s?)\s?(?P<a>{_NUM})(?![\d%])"
    rf"|(?<![\d.,])(?P<b>{_NUM})\s?(?P<more>多|余|来|出头)?\s?(?:€|£|dollars?|bucks|pounds?|quid|usd|gbp|eur|euros?|rmb|cny|元|块钱?|人民币)(?![a-z])"
    rf"|(?<![\d.])(?P<w>\d+(?:\.\d+)?)\s?万\s?(?:元|块)"
    rf"|(?P<z>{ZH_NUM}(?:点[零〇一二三四五六七八九]+)?)\s?(?P<zmore>多|余|来)?\s?(?:元|块钱?)"
    rf"|(?<=[还付交])(?P<zz>\d+|{ZH_NUM})(?P<zzmore>多|出头|来|左右)(?![天日周月期个年次])",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    rf"(?P<n>\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)|百分之(?P<z>{ZH_NUM}|\d+)"
    rf"|\b(?P<w>{EN_NUM})[ -](?:percent|per cent)\b",
    re.IGNORECASE,
)
_HALF = re.compile(
    r"\b(?:in half|half off|halv(?:e|ed|es|ing))\b|对半|减半|打对折"
    r"|(?:减免|减掉|免掉|免除|少还|砍掉|减|减到|降到|减成|砍到|降至|减至)一半|一半[^，。！？]{0,4}(?:减免|免掉|免除|不用还)",
    re.IGNORECASE,
)
"""Halving words: a 50% discount when the clause also reduces ("cut it in half")."""
_HALF_PAY = re.compile(
    r"\bhalf (?:of )?(?:the|your|what you owe|the total|the amount)\b(?: (?:balance|debt|amount|total))?"
    r"|(?:只|只需|只要|仅|仅需)(?:要|需)?还一半"
)
"""Paying half of what is owed: a pay ratio of 50%."""
_ZHE = re.compile(r"(?P<a>[一二三四五六七八九]|\d)(?:(?P<b>[一二三四五六七八九])|\.(?P<c>\d))?\s?折")
_COUNT = re.compile(
    rf"(?<![\d.,$£€¥])\b(?P<n>{EN_NUM})\s+(?:(?:equal|monthly|weekly|fortnightly|bi-?weekly|regular|smaller|separate|"
    rf"interest[- ]free|more|further|additional|affordable|instal+ment)\s+)*"
    rf"(?:payments|instal+ments|repayments|months?(?=\s+(?:plan|payment|instal|arrangement)))\b"
    rf"|\b(?P<m>{EN_NUM})[- ]months?(?=\s+(?:payment\s+)?(?:plan|arrangement|instal|repayment|term|agreement))"
    rf"|\b(?:split|spread|break|stretch|extend|divide|run)\w*\s+"
    rf"(?:it|this|that|them|everything|the \w+|your \w+|payments?)(?:\s+out)?\s+"
    rf"(?:into|over|across)\s+(?P<s>{EN_NUM})\b"
    rf"|\b(?:a|per) month for\s+(?P<f>{EN_NUM})\s+months\b"
    rf"|分\s*(?P<z>\d+|{ZH_NUM})\s*(?:期|个月)"
    rf"|(?<![第逾本每首当])(?P<y>\d+|[一二两三四五六七八九十]+)\s*期(?!间|限)",
    re.IGNORECASE,
)
_DAYS = re.compile(
    rf"\b(?P<n>{EN_NUM})(?:\s+|-)(?P<u>(?:calendar |working |business )?days?|weeks?|months?)\b"
    rf"|(?P<z>\d+|{ZH_NUM})\s*(?:个)?(?P<zu>天|日|周|个月|星期)",
    re.IGNORECASE,
)
_DPD = re.compile(
    rf"\b(?P<n>\d+|{EN_NUM})\s+days?\s+(?:past[- ]due|overdue|late|in arrears|behind)\b"
    rf"|逾期(?:了|已经|已|已达|超过)?\s*(?P<z>\d+|{ZH_NUM})\s*天(?!以上的|[^，。！？]{{0,2}}的(?:借款人|客户|用户|账户|欠款人|人))",
    re.IGNORECASE,
)
# cheap guards: the full patterns only run when a keyword they need is present. Substring tests
# cost nanoseconds; the same test as one case-insensitive regex alternation scanned every position
# of the reply (25-30 us on a long first reply, five of them per check).


@dataclass(frozen=True, slots=True)
class _Hint:
    """Words one of which every match of a figure pattern contains (tested on the lower-cased
    text), plus an optional regex for the one hint that is not a plain word."""

    words: tuple[str, ...]
    extra: re.Pattern[str] | None = None
    extra_needs: str = ""
    """Characters one of which ``extra`` needs: without any, it is not run."""

    def search(self, text: str) -> bool:
        low = text.lower()
        if any(w in low for w in self.words):
            return True
        if self.extra is None or not any(c in text for c in self.extra_needs):
            return False
        return self.extra.search(text) is not None


_MONEY_HINT = _Hint(
    (
        "$",
        "£",
        "€",
        "¥",
        "￥",
        "元",
        "块",
        "万",
        "出头",
        "usd",
        "gbp",
        "eur",
        "cny",
        "rmb",
        "dollar",
        "pound",
        "quid",
        "buck",
    ),
    re.compile(r"[还付交][^，。！？]{0,8}[多来左]"),
    "还付交",
)
_PERCENT_HINT = _Hint(("%", "折", "percent", "per cent", "百分之"))
_COUNT_HINT = _Hint(
    ("payments", "instal", "month", "split", "spread", "break", "stretch", "extend", "divide", "run", "期")
)
_DAYS_HINT = _Hint(("day", "week", "month", "天", "日", "周", "星期", "月"))
_DPD_HINT = _Hint(("past-due", "past due", "overdue", "late", "arrears", "behind", "逾期"))
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "天": 1, "日": 1, "周": 7, "星期": 7, "个月": 30}


def money(text: str) -> list[Figure]:
    out: list[Figure] = []
    if not _MONEY_HINT.search(text):
        return out
    for m in _MONEY.finditer(text):
        if m.group("a") or m.group("b"):
            value = parse_amount(m.group("a") or m.group("b"))
        elif m.group("w"):
            value = Decimal(m.group("w")) * 10_000
        elif m.group("zz"):
            n = parse_int(m.group("zz"))
            value = None if n is None or n < 10 else Decimal(n)
        else:
            whole, _, frac = m.group("z").partition("点")
            n = zh_to_int(whole)
            value = None if n is None else Decimal(f"{n}.{''.join(str(_ZH_DIGITS[c]) for c in frac) or 0}")
        if value is not None:
            approx = bool(m.group("more") or m.group("zmore") or m.group("zz"))
            out.append(Figure("money", value, m.start(), m.end(), approx))
    return out


def _has_half_word(lowered: str) -> bool:
    """A word starting "half"/"halv" (every English halving pattern needs one); "behalf" is not one,
    and the halving regexes are only scanned when this holds."""
    i = lowered.find("hal")
    while i != -1:
        if (i == 0 or not lowered[i - 1].isalpha()) and lowered[i + 3 : i + 4] in ("f", "v"):
            return True
        i = lowered.find("hal", i + 1)
    return False


def percents(text: str) -> list[Figure]:
    out: list[Figure] = []
    lowered = text.lower()
    if "半" in text or _has_half_word(lowered):
        out.extend(Figure("percent", Decimal(50), m.start(), m.end()) for m in _HALF.finditer(text))
        out.extend(Figure("pay_ratio", Decimal(50), m.start(), m.end()) for m in _HALF_PAY.finditer(text))
    if not _PERCENT_HINT.search(text):
        return out
    for m in _PERCENT.finditer(text):
        n = Decimal(m.group("n")) if m.group("n") else Decimal(parse_int(m.group("z") or m.group("w")) or 0)
        out.append(Figure("percent", n, m.start(), m.end()))
    for m in _ZHE.finditer(text):
        first = parse_int(m.group("a")) or 0
        second = parse_int(m.group("b")) if m.group("b") else (int(m.group("c")) if m.group("c") else 0)
        pay = Decimal(first * 10 + (second or 0))
        out.append(Figure("pay_ratio", pay, m.start(), m.end()))
    return out


def counts(text: str) -> list[Figure]:
    out: list[Figure] = []
    if not _COUNT_HINT.search(text):
        return out
    for m in _COUNT.finditer(text):
        token = next(g for g in (m.group(k) for k in "nmsfzy") if g)
        n = parse_int(token)
        if n:
            out.append(Figure("count", Decimal(n), m.start(), m.end()))
    return out


def days(text: str) -> list[Figure]:
    out: list[Figure] = []
    if not _DAYS_HINT.search(text):
        return out
    for m in _DAYS.finditer(text):
        token, unit = (m.group("n"), m.group("u")) if m.group("n") else (m.group("z"), m.group("zu"))
        n = parse_int(token)
        if not n:
            continue
        key = unit.lower().split()[-1].rstrip("s") if unit.isascii() else unit
        out.append(Figure("days", Decimal(n * _UNIT_DAYS.get(key, 1)), m.start(), m.end()))
    return out


def days_past_due(text: str) -> list[Figure]:
    out: list[Figure] = []
    if not _DPD_HINT.search(text):
        return out
    for m in _DPD.finditer(text):
        n = parse_int(m.group("n") or m.group("z"))
        if n:
            out.append(Figure("dpd", Decimal(n), m.start(), m.end()))
    return out
