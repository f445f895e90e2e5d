"""The guard engine: normalise -> detectors -> verdict (pass | repair + re-check | block).

Built once per policy (``get_engine``), then ``check`` is pure: the same text, context and
policy version always give the same verdict. It never raises: an internal error blocks the
reply (fail closed) and says so in the verdict.
"""

from __future__ import annotations

import time
from functools import lru_cache

from mediator.domain import Author, GuardContext, Verdict, Violation
from mediator.guard.data import GuardData
from mediator.guard.detectors import Detector, Finding, StateDetector, build_detectors
from mediator.guard.doc import Doc
from mediator.guard.messages import Messages
from mediator.policy import Policy, get_policy

REPAIRABLE_CODES = frozenset({"PII_LEAK", "MISSING_DISCLOSURE"})


class GuardEngine:
    """Checks outgoing texts against one loaded policy."""

    def __init__(self, policy: Policy, prefilter: bool = True) -> None:
        self.policy = policy
        self.data = GuardData(policy, prefilter)
        self.messages = Messages(policy)
        self.detectors: list[Detector]
        self.state: StateDetector
        self.detectors, self.state = build_detectors(self.data)

    @property
    def policy_version(self) -> str:
        return self.policy.version

    def disclosure(self, ctx: GuardContext) -> str:
        return self.messages.disclosure(ctx)

    def fallback(self, ctx: GuardContext) -> str:
        text = self.messages.fallback(ctx)
        return self._with_disclosure(text, ctx) if ctx.first_reply else text

    def _with_disclosure(self, text: str, ctx: GuardContext) -> str:
        sep = "" if ctx.language == "zh" else " "
        return f"{self.disclosure(ctx)}{sep}{text}".strip()

    def findings(self, text: str, ctx: GuardContext) -> tuple[Doc, list[Finding], dict[str, float]]:
        """Run every detector on ``text``; spans are on the normalised text of the Doc."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter_ns()
        doc = Doc.build(text)
        timings["normalize"] = (time.perf_counter_ns() - t0) / 1000
        found: list[Finding] = []
        for det in self.detectors:
            t = time.perf_counter_ns()
            found.extend(det.run(doc, ctx))
            timings[det.name] = (time.perf_counter_ns() - t) / 1000
        found.extend(self.state.derive(found, ctx))
        return doc, found, timings

    def _repair(self, doc: Doc, found: list[Finding], ctx: GuardContext) -> str | None:
        """The mechanically repaired text, or None when some finding cannot be repaired."""
        if not all(
            f.code in REPAIRABLE_CODES and (f.mask is not None or f.code == "MISSING_DISCLOSURE") for f in found
        ):
            return None
        text = doc.original
        edits = sorted({doc.span(f.start, f.end): f.mask for f in found if f.mask is not None}.items(), reverse=True)
        last = len(text) + 1
        for (s, e), mask in edits:
            if e > last:
                return None  # overlapping edits: not mechanical any more
            text = text[:s] + str(mask) + text[e:]
            last = s
        if any(f.code == "MISSING_DISCLOSURE" for f in found):
            text = self._with_disclosure(text, ctx)
        return text

    def check(self, text: str, ctx: GuardContext, author: Author = "model") -> Verdict:
        try:
            return self._check(text, ctx, author)
        except Exception as exc:  # fail closed: never let a reply out unchecked
            return Verdict(
                action="block",
                violations=(),
                text=self.messages.fallback(ctx),
                original=text,
                policy_version=self.policy_version,
                explanation=f"the guard could not check this text ({type(exc).__name__}); it was held back",
            )

    def _check(self, text: str, ctx: GuardContext, author: Author) -> Verdict:
        doc, found, timings = self.findings(text, ctx)
        violations = tuple(
            Violation(
                f.code, f.rule, doc.span(f.start, f.end) if f.end > f.start else (0, 0), f.detail, f.mask is not None
            )
            for f in found
        )
        fired = tuple(dict.fromkeys(f.source for f in found))
        if not found:
            return Verdict("pass", (), text, text, self.policy_version, fired, timings)
        repaired = self._repair(doc, found, ctx)
        if repaired is not None and self.findings(repaired, ctx)[1]:
            repaired = None  # the repair must pass a re-check, or it is not a repair
        if repaired is not None and author != "human":
            return Verdict("repair", violations, repaired, text, self.policy_version, fired, timings)
        explanation, alternative = "", None
        if author == "human":
            explanation = self.explain(violations, ctx)
            alternative = repaired if repaired is not None else self.alternative(ctx)
        return Verdict(
            "block", violations, self.fallback(ctx), text, self.policy_version, fired, timings, explanation, alternative
        )

    def explain(self, violations: tuple[Violation, ...], ctx: GuardContext) -> str:
        """Plain words for a human mediator: each rule that refused the text, and why."""
        lines = []
        for code in dict.fromkeys(v.code for v in violations):
            v = next(x for x in violations if x.code == code)
            rule = self.policy.rule(v.rule)
            title = f"{v.rule} ({rule.title})" if rule else v.rule
            lines.append(f"{code} - {title}: {self.messages.explanation(code, ctx.language)} Found: {v.detail}.")
        return "\n".join(lines)

    def alternative(self, ctx: GuardContext) -> str:
        """A compliant template for the conversation's situation."""
        if not ctx.identity_verified:
            situation = "unverified"
        elif ctx.cease_requested:
            situation = "cease"
        elif ctx.dispute_open:
            situation = "dispute"
        else:
            situation = "general"
        text = self.messages.alternative(situation, ctx.language)
        return self._with_disclosure(text, ctx) if ctx.first_reply else text


@lru_cache(maxsize=4)
def get_engine(root: str | None = None) -> GuardEngine:
    """The engine for the policy folder, built once (at start-up) and shared."""
    return GuardEngine(get_policy(root))
