"""THIRD_PARTY_DISCLOSURE.

In any state: threatening or offering to tell the borrower's employer, family, friends or
colleagues. Before identity is verified: any debt fact at all - debt wording, a money figure,
or the creditor's name - including a message the listener is asked to pass on. The statutory
disclosure wording of a first reply (the statutory phrases, or the lender's disclosure text
verbatim) is not a debt fact: the law requires it.
"""

from __future__ import annotations

import re

from mediator.domain import GuardContext
from mediator.guard import numbers
from mediator.guard.data import GuardData, Lex
from mediator.guard.detectors.base import Finding, PhraseDetector
from mediator.guard.doc import Doc
from mediator.guard.messages import Messages
from mediator.textnorm import normalize

_GENERIC = {
    "bank",
    "finance",
    "financial",
    "services",
    "service",
    "card",
    "cards",
    "credit",
    "loans",
    "loan",
    "personal",
    "group",
    "the",
    "energy",
    "mobile",
    "limited",
    "ltd",
    "inc",
    "plc",
    "co",
    "company",
    "medical",
    "wireless",
    "capital",
    "lending",
    "money",
    "consumer",
}
_ZH_GENERIC = ("银行", "消费金融", "小额贷款", "金融", "贷款", "公司", "有限公司", "信用卡")


def creditor_names(creditor: str | None) -> list[str]:
    """The creditor's name and its distinctive head ("Summit" of "Summit Card Services", "瑞丰")."""
    if not creditor or not creditor.strip():
        return []
    name = creditor.strip()
    out = [name]
    if re.search(r"[\u4e00-\u9fff]", name):
        head = name
        for g in _ZH_GENERIC:
            if head.endswith(g) and len(head) > len(g) + 1:
                head = head[: -len(g)]
        if len(head) >= 2 and head != name:
            out.append(head[:4])
        elif len(name) > 2:
            out.append(name[:2])
    else:
        words = [w for w in re.findall(r"[A-Za-z][\w'-]+", name) if w.lower() not in _GENERIC and len(w) >= 4]
        out.extend(words[:1])
    return out


_CALLER = re.compile(r"(?:\bfrom|\bat|\bwith|\bthis is|\bhere at|\bon behalf of|这里是|我是|来自)\s*(?:the\s+)?$")


class ThirdPartyDetector:
    name = "thirdparty"

    def __init__(self, data: GuardData) -> None:
        doc = data.doc("thirdparty")
        self.rules = {str(k): str(v) for k, v in doc["rules"].items()}
        self.tell_others = PhraseDetector(data, "thirdparty", name="thirdparty.tell_others")
        self.debt = Lex.of(doc["debt_words"])
        self.statutory = Lex.of(data.doc("state")["statutory"])
        self.messages = Messages(data.policy)

    def _exempt(self, doc: Doc, ctx: GuardContext) -> list[tuple[int, int]]:
        if not ctx.first_reply:
            return []
        spans = [m.span() for m in self.statutory.finditer(doc)]
        notice = normalize(self.messages.disclosure(ctx))
        i = doc.text.find(notice)
        if i >= 0:  # the lender's own required disclosure, verbatim
            spans.append((i, i + len(notice)))
        return spans

    def _debt_fact(self, doc: Doc, ctx: GuardContext) -> tuple[int, int, str] | None:
        exempt = self._exempt(doc, ctx)

        def free(s: int, e: int) -> bool:
            return not any(a <= s and e <= b for a, b in exempt)

        for m in self.debt.finditer(doc):
            if free(*m.span()):
                return m.start(), m.end(), f"mentions the debt ({doc.text[m.start() : m.end()]!r})"
        figures = numbers.money(doc.text)
        if figures:
            f = figures[0]
            return f.start, f.end, f"states an amount ({doc.text[f.start : f.end]})"
        low = doc.lower
        for name in creditor_names(ctx.account.creditor if ctx.account else None):
            i = low.find(name.lower())
            if i >= 0 and _CALLER.search(low, max(0, i - 20), i):
                continue  # "this is Sam from Redwood": identifying the caller is allowed
            if i >= 0 and free(i, i + len(name)):
                return i, i + len(name), f"names the creditor ({name})"
        return None

    def run(self, doc: Doc, ctx: GuardContext) -> list[Finding]:
        out = self.tell_others.run(doc, ctx)
        if not ctx.identity_verified:
            hit = self._debt_fact(doc, ctx)
            if hit:
                start, end, what = hit
                out.append(
                    Finding(
                        "THIRD_PARTY_DISCLOSURE",
                        self.rules.get(ctx.jurisdiction, ""),
                        start,
                        end,
                        f"identity not verified, but the reply {what}",
                        "THIRD_PARTY_DISCLOSURE.unverified",
                    )
                )
        return out
