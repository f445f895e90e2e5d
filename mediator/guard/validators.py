"""guardrails-ai validators for the mediator policy, so any Guard can use it.

One ``Validator`` per violation code (``mediator/threat``, ``mediator/pii`` ...) and one
composite ``MediatorPolicy`` (``mediator/policy``). Each delegates to the engine - the
rules live in ``policies/`` and run once per text, not once per validator - and returns a
``FailResult`` with error spans and, where the engine could repair the text, a ``fix_value``.

Import this module only where guardrails-ai is wanted: it imports guardrails (seconds, and it
must be made offline first, see ``offline.py``). ``mediator guard check`` never imports it.
The conversation context comes from the constructor (``context=``) or per call from
``metadata["mediator_context"]``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from mediator.domain import GuardContext, Verdict
from mediator.guard.engine import get_engine
from mediator.guard.offline import import_guardrails

guardrails = import_guardrails()
from guardrails.validators import (  # noqa: E402  (must follow the offline preparation)
    ErrorSpan,
    FailResult,
    PassResult,
    ValidationResult,
    Validator,
    register_validator,
)


@lru_cache(maxsize=256)
def _verdict(text: str, ctx: GuardContext) -> Verdict:
    """One engine run shared by every validator of a Guard that sees the same text."""
    return get_engine().check(text, ctx)


def _context(value: GuardContext | dict[str, Any] | None) -> GuardContext:
    if isinstance(value, GuardContext):
        return value
    return GuardContext.model_validate(value or {})


class _MediatorValidator(Validator):
    codes: tuple[str, ...] = ()
    """The violation codes this validator reports; empty means all of them."""

    def __init__(self, context: GuardContext | dict[str, Any] | None = None, on_fail: Any = None, **kwargs: Any):
        super().__init__(on_fail=on_fail, **kwargs)
        self.context = _context(context)

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        ctx = _context(metadata.get("mediator_context")) if metadata.get("mediator_context") else self.context
        verdict = _verdict(str(value), ctx)
        found = [v for v in verdict.violations if not self.codes or v.code in self.codes]
        if not found:
            return PassResult()
        spans = [
            ErrorSpan(start=v.span[0], end=max(v.span[1], v.span[0]), reason=f"{v.code} {v.rule}: {v.detail}")
            for v in found
        ]
        message = "; ".join(f"{v.code} ({v.rule}): {v.detail}" for v in found)
        fix = verdict.text if verdict.action == "repair" else None
        return FailResult(
            error_message=message, error_spans=spans, fix_value=fix, metadata={"codes": [v.code for v in found]}
        )


def _family(name: str, code: str) -> type[_MediatorValidator]:
    cls = type(
        f"Mediator{code.title().replace('_', '')}",
        (_MediatorValidator,),
        {"codes": (code,), "__doc__": f"{code}, from the mediator policy."},
    )
    return register_validator(name=f"mediator/{name}", data_type="string")(cls)


ThreatValidator = _family("threat", "THREAT")
AbusiveLanguageValidator = _family("abusive_language", "ABUSIVE_LANGUAGE")
FalseRepresentationValidator = _family("false_representation", "FALSE_REPRESENTATION")
ThirdPartyDisclosureValidator = _family("third_party_disclosure", "THIRD_PARTY_DISCLOSURE")
UnauthorizedOfferValidator = _family("unauthorized_offer", "UNAUTHORIZED_OFFER")
UnverifiedCitationValidator = _family("unverified_citation", "UNVERIFIED_CITATION")
PiiLeakValidator = _family("pii", "PII_LEAK")
CeaseViolationValidator = _family("cease", "CEASE_VIOLATION")
UnfairPressureValidator = _family("pressure", "UNFAIR_PRESSURE")
DisputeIgnoredValidator = _family("dispute", "DISPUTE_IGNORED")
MissingDisclosureValidator = _family("disclosure", "MISSING_DISCLOSURE")
SystemLeakValidator = _family("system_leak", "SYSTEM_LEAK")

FAMILY_VALIDATORS: tuple[type[_MediatorValidator], ...] = (
    ThreatValidator,
    AbusiveLanguageValidator,
    FalseRepresentationValidator,
    ThirdPartyDisclosureValidator,
    UnauthorizedOfferValidator,
    UnverifiedCitationValidator,
    PiiLeakValidator,
    CeaseViolationValidator,
    UnfairPressureValidator,
    DisputeIgnoredValidator,
    MissingDisclosureValidator,
    SystemLeakValidator,
)


@register_validator(name="mediator/policy", data_type="string")
class MediatorPolicy(_MediatorValidator):
    """The whole mediator policy as one validator: the cheap way to put it in a Guard."""

    codes = ()


def make_guard(ctx: GuardContext | dict[str, Any] | None = None, on_fail: str = "noop") -> Any:
    """A ``guardrails.Guard`` running the composite policy validator for one context.

    Build it once per context shape (it costs ~90 ms); read ``validation_summaries`` for the
    findings, since ``validation_passed`` is also true after a fix.
    """
    return guardrails.Guard().use(MediatorPolicy(context=ctx, on_fail=on_fail))
