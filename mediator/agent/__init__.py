"""The mediator agent: policy state machine, tools, and the offline and OpenAI backends.

``get_backend(settings)`` picks the backend the service uses: the OpenAI-compatible
client when ``OPENAI_BASE_URL`` or ``OPENAI_API_KEY`` is set, else the offline mediator.
"""

from __future__ import annotations

from mediator.agent.base import AgentReply, HistoryItem, MediatorBackend, TurnInput
from mediator.settings import Settings, get_settings

__all__ = ["AgentReply", "HistoryItem", "MediatorBackend", "TurnInput", "get_backend"]


def get_backend(settings: Settings | None = None) -> MediatorBackend:
    """``OpenAIBackend`` when an endpoint or key is configured, else ``OfflineBackend``."""
    settings = settings or get_settings()
    if settings.llm_enabled:
        from mediator.agent.llm import OpenAIBackend

        return OpenAIBackend(settings)
    from mediator.agent.offline import OfflineBackend

    return OfflineBackend()
