"""Structured (JSON) logs with the request id, and a filter that masks personal data
(long digit runs, e-mail addresses) in anything logged, as a last line of defence."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

_DIGITS = re.compile(r"\d[\d \-]{5,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_DOTTED = re.compile(r"\d+(?:\.\d+){2,}")  # 4539.1488.0343.6467; short ones (versions) stay


def _mask_run(run: str) -> str:
    return "*" * max(len(run) - 4, 0) + run[-4:]


def mask_pii(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _DOTTED.sub(lambda m: _mask_run(m.group()) if sum(c.isdigit() for c in m.group()) >= 8 else m.group(), text)
    return _DIGITS.sub(lambda m: _mask_run(m.group()), text)


def mask_data(value: Any, key: str = "") -> Any:
    """Mask personal data inside a JSON-like value; hashes (keys ending in sha256/hash) stay."""
    if isinstance(value, dict):
        return {k: mask_data(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_data(v, key) for v in value]
    if isinstance(value, str) and not key.endswith(("sha256", "hash")):
        return mask_pii(value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from mediator.api.middleware import request_id_var

        body = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_pii(record.getMessage()),
            "request_id": request_id_var.get(),
        }
        if record.exc_info:
            body["exc"] = mask_pii(self.formatException(record.exc_info))
        return json.dumps(body, ensure_ascii=False)


_configured = False


def configure_logging(level: str | None = None) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("mediator")
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("MEDIATOR_LOG_LEVEL", "INFO"))
    root.propagate = False
