"""Make guardrails-ai silent and offline *before* it is imported.

Measured facts (guardrails-ai 0.11 on this machine kind; see docs/guardrails.md): without ``~/.guardrailsrc`` its
metrics exporter runs and phones home; passing an LLM imports litellm, which fetches a cost map
unless ``LITELLM_LOCAL_MODEL_COST_MAP`` is set; with nltk installed, ``import guardrails`` calls
``nltk.download("punkt")``; tracing copies raw text (personal data) into spans. The service never
calls the network at run time, so every one of those is switched off here.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from pathlib import Path
from types import ModuleType

RC_TEXT = "enable_metrics=false\nuse_remote_inferencing=false\n"


def write_rc(home: Path | None = None) -> Path:
    """Write ``~/.guardrailsrc`` with metrics and remote inferencing off, if it is missing."""
    home = home or Path(os.path.expanduser("~"))
    rc = home / ".guardrailsrc"
    if not rc.exists():
        with contextlib.suppress(OSError):  # read-only home: the env settings below still apply
            rc.write_text(RC_TEXT, encoding="utf-8")
    return rc


def prepare() -> None:
    """Set everything that must be in place before ``import guardrails``."""
    write_rc()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("GUARDRAILS_RUN_SYNC", "true")
    os.environ.setdefault("OTEL_SDK_DISABLED", "true")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def import_guardrails() -> ModuleType:
    """Import guardrails offline: no metrics, no tracing, no NLTK download."""
    prepare()
    nltk: ModuleType | None
    try:
        nltk = importlib.import_module("nltk")
    except ImportError:
        nltk = None
    saved = getattr(nltk, "download", None)
    if nltk is not None:
        nltk.download = lambda *args, **kwargs: False  # type: ignore[attr-defined]
    try:
        guardrails = importlib.import_module("guardrails")
    finally:
        if nltk is not None:
            nltk.download = saved  # type: ignore[attr-defined]
    guardrails.settings.disable_tracing = True
    return guardrails
