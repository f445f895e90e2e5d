"""The deterministic policy guardrail: every outgoing text is checked, repaired or blocked.

Public API::

    from mediator.guard import get_engine, GuardEngine
    engine = get_engine()
    verdict = engine.check(text, ctx, author="model")   # mediator.domain.Verdict
    engine.policy_version, engine.fallback(ctx), engine.disclosure(ctx)

guardrails-ai adapters live in ``mediator.guard.validators`` (imported only when used).
"""

from mediator.guard.engine import GuardEngine, get_engine

__all__ = ["GuardEngine", "get_engine"]
