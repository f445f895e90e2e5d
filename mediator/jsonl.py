"""JSON Lines in, JSON Lines out: the shared loop behind ``guard check`` and ``analyze``.

The contract: one output object per input line, in input order; a malformed line
yields ``{"id": ..., "error": "..."}`` and the run goes on; the exit status is 0
unless the file cannot be read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError


class InputError(ValueError):
    """A line that can be parsed but does not say what the command needs."""


def open_input(path: str) -> IO[str]:
    if path == "-":
        return sys.stdin
    return Path(path).open(encoding="utf-8")


def iter_objects(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """Yield ``(line_no, object, error)`` for every non-blank line."""
    for n, raw in enumerate(stream, 1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, None, f"line {n}: not JSON: {exc.msg}"
            continue
        if not isinstance(obj, dict):
            yield n, None, f"line {n}: expected a JSON object"
            continue
        yield n, obj, None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts)


def run(path: str, handle: Callable[[dict[str, Any]], dict[str, Any]], out: IO[str] | None = None) -> int:
    """Apply ``handle`` to every object of ``path`` and print one JSON line per input line."""
    out = out or sys.stdout
    try:
        stream = open_input(path)
    except OSError as exc:
        print(f"mediator: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    with stream:
        try:
            for _n, obj, error in iter_objects(stream):
                if obj is None:
                    result: dict[str, Any] = {"id": None, "error": error}
                else:
                    try:
                        result = handle(obj)
                    except ValidationError as exc:
                        result = {"id": obj.get("id"), "error": _describe(exc)}
                    except (InputError, ValueError, TypeError) as exc:
                        result = {"id": obj.get("id"), "error": str(exc)}
                out.write(json.dumps(result, ensure_ascii=False) + "\n")
        except UnicodeDecodeError as exc:
            print(f"mediator: cannot read {path}: not UTF-8 ({exc.reason})", file=sys.stderr)
            return 2
    out.flush()
    return 0
