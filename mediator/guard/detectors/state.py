"""Conversation-state checks: cease requested, dispute open, first-reply disclosure.

- cease requested: only a confirmation, the statutory notices and how to resume; any payment
  ask, offer, figure or pressure is CEASE_VIOLATION.
- dispute open: collection is paused; any payment ask or figure is DISPUTE_IGNORED.
- first reply: who is writing, that it concerns the collection of a debt, that it is an
  automated assistant; in the US also the mini-Miranda notice and an opt-out. A missing
  element is MISSING_DISCLOSURE, which the engine repairs by prepending the disclosure.
"""

from __future__ import annotations

from mediator.domain import GuardContext
from mediator.guard import numbers
from mediator.guard.data import GuardData, Lex, compile_cs, compile_zh
from mediator.guard.detectors.base import Finding
from mediator.guard.doc import Doc, Negation

_PRESSURE_CODES = ("THREAT", "UNFAIR_PRESSURE", "ABUSIVE_LANGUAGE", "UNAUTHORIZED_OFFER")


class StateDetector:
    name = "state"

    def __init__(self, data: GuardData) -> None:
        doc = data.doc("state")
        self.rules: dict[str, dict[str, str]] = {k: dict(v) for k, v in doc["rules"].items()}
        self.ask = Lex.of(doc["payment_ask"])
        self.cease_extra = Lex.of(doc["cease_extra"])
        self.pause_context = Lex.of(doc.get("pause_context"))
        self.ask_cue = Lex.of(doc.get("ask_cue"))
        d = doc["disclosure"]
        self.elements = {k: Lex.of(d[k]) for k in ("collection", "automated", "mini_miranda", "opt_out")}
        self.identity = (compile_cs(d["identity"]["en"]), compile_zh(d["identity"]["zh"]))
        self.negation: Negation = data.negation

    def rule(self, code: str, jurisdiction: str) -> str:
        rules = self.rules.get(code, {})
        return rules.get(jurisdiction) or next(iter(rules.values()), "")

    def payment_ask(self, doc: Doc, cease: bool = False) -> tuple[int, int, str] | None:
        """The first non-negated payment ask, offer or money figure in the reply.

        With ``cease`` also mentions of what is owed and reminders, which are collection
        contact in themselves once contact was asked to stop.
        """
        lexes = (self.ask, self.cease_extra) if cease else (self.ask,)
        for m in (m for lex in lexes for m in lex.finditer(doc)):
            if not self.negation.negated(doc.text, m.start()) and not self._explains_pause(doc, m.start(), m.end()):
                return m.start(), m.end(), doc.text[m.start() : m.end()]
        for f in numbers.money(doc.text):
            if not self._explains_pause(doc, f.start, f.end):
                return f.start, f.end, doc.text[f.start : f.end]
        return None

    def _explains_pause(self, doc: Doc, start: int, end: int) -> bool:
        """The hit sits in a clause that explains the pause and asks for nothing."""
        lo, hi = doc.clause(start, end)
        return self.pause_context.search(doc, lo, hi) is not None and self.ask_cue.search(doc, lo, hi) is None

    def _has(self, element: str, doc: Doc) -> bool:
        return self.elements[element].search(doc) is not None

    def _names_sender(self, doc: Doc, ctx: GuardContext) -> bool:
        if any(p is not None and p.search(doc.text) for p in self.identity):
            return True
        names = [ctx.collector_name, ctx.account.creditor if ctx.account else None]
        low = doc.lower
        return any(n and n.strip() and n.strip().lower() in low for n in names)

    def missing_disclosure(self, doc: Doc, ctx: GuardContext) -> list[str]:
        missing = []
        if not self._names_sender(doc, ctx):
            missing.append("who is writing")
        if not self._has("collection", doc):
            missing.append("that it concerns the collection of a debt")
        if not self._has("automated", doc):
            missing.append("that it is an automated assistant")
        if ctx.jurisdiction == "US":
            if not self._has("mini_miranda", doc):
                missing.append("the attempt-to-collect notice")
            if not self._has("opt_out", doc):
                missing.append("a way to opt out")
        return missing

    def run(self, doc: Doc, ctx: GuardContext) -> list[Finding]:
        out: list[Finding] = []
        j = ctx.jurisdiction
        if ctx.cease_requested and (ask := self.payment_ask(doc, cease=True)):
            s, e, words = ask
            detail = f"contact was asked to stop, but the reply asks about payment ({words!r})"
            out.append(
                Finding("CEASE_VIOLATION", self.rule("CEASE_VIOLATION", j), s, e, detail, "CEASE_VIOLATION.payment_ask")
            )
        if ctx.dispute_open and (ask := self.payment_ask(doc)):
            s, e, words = ask
            detail = f"a dispute is open, but the reply asks for payment ({words!r})"
            out.append(
                Finding("DISPUTE_IGNORED", self.rule("DISPUTE_IGNORED", j), s, e, detail, "DISPUTE_IGNORED.payment_ask")
            )
        if ctx.first_reply:
            missing = self.missing_disclosure(doc, ctx)
            if missing:
                rule = self.rule("MISSING_DISCLOSURE", j)
                if missing == ["a way to opt out"]:
                    rule = self.rule("MISSING_OPT_OUT", j) or rule
                detail = "first reply lacks " + ", ".join(missing)
                out.append(Finding("MISSING_DISCLOSURE", rule, 0, 0, detail, "MISSING_DISCLOSURE.first_reply"))
        return out

    def derive(self, findings: list[Finding], ctx: GuardContext) -> list[Finding]:
        """Pressure in a paused conversation is itself a cease or dispute violation."""
        have = {f.code for f in findings}
        out: list[Finding] = []
        trigger = next((f for f in findings if f.code in _PRESSURE_CODES), None)
        if trigger is None:
            return out
        for flag, code in ((ctx.cease_requested, "CEASE_VIOLATION"), (ctx.dispute_open, "DISPUTE_IGNORED")):
            if flag and code not in have:
                state = "contact was asked to stop" if code == "CEASE_VIOLATION" else "a dispute is open"
                detail = f"{trigger.code.lower().replace('_', ' ')} while {state}"
                out.append(
                    Finding(
                        code, self.rule(code, ctx.jurisdiction), trigger.start, trigger.end, detail, f"{code}.derived"
                    )
                )
        return out
