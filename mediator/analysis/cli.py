"""``mediator analyze``, ``mediator eval analyze`` and ``mediator bench analyze``."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from mediator.analysis.analyzer import get_analyzer
from mediator.analysis.evaluate import score
from mediator.jsonl import InputError, iter_objects, open_input, run
from mediator.settings import PROJECT_ROOT
from mediator.textnorm import normalize

DEFAULT_SET = PROJECT_ROOT / "tests" / "data" / "messages.dev.jsonl"


def analyze_line(obj: dict[str, Any]) -> dict[str, Any]:
    """One contract output line for one input line."""
    message = obj.get("message")
    if not isinstance(message, str):
        raise InputError("'message' must be a string")
    language = obj.get("language")
    if language is not None and language not in ("en", "zh"):
        raise InputError("'language' must be 'en' or 'zh'")
    a = get_analyzer().analyze(message, language)
    return {"id": obj.get("id"), "intents": list(a.intents), "complaint_risk": round(a.complaint_risk, 3)}


def cmd_analyze(args: argparse.Namespace) -> int:
    return run(args.file, analyze_line)


def _load(path: str) -> list[dict[str, Any]] | None:
    try:
        with open_input(path) as stream:
            return [obj for _n, obj, _err in iter_objects(stream) if obj is not None]
    except (OSError, UnicodeDecodeError) as exc:
        print(f"mediator: cannot read {path}: {exc}", file=sys.stderr)
        return None


def cmd_eval(args: argparse.Namespace) -> int:
    path = args.file or str(DEFAULT_SET)
    rows = _load(path)
    if rows is None:
        return 2
    labelled = [r for r in rows if isinstance(r.get("gold"), dict)]
    preds: dict[Any, dict[str, Any]] = {}
    for row in labelled:
        try:
            preds[row.get("id")] = analyze_line(row)
        except (InputError, ValueError, TypeError) as exc:
            preds[row.get("id")] = {"id": row.get("id"), "error": str(exc)}
    result = score(labelled, preds)
    print(f"set: {path} ({len(labelled)} labelled lines)")
    if result.errors:
        print("differs from gold:", " ".join(result.errors[:60]))
    print("\n".join(result.lines()))
    return 0


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def cmd_bench(args: argparse.Namespace) -> int:
    """Time ``analyze_message`` per message on one core; caches are cleared before each call."""
    path = args.file or str(DEFAULT_SET)
    rows = _load(path)
    if rows is None:
        return 2
    messages = [r["message"] for r in rows if isinstance(r.get("message"), str)]
    if not messages:
        print(f"mediator: no messages in {path}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    analyzer = get_analyzer()
    analyzer.analyze(messages[0])
    warm_ms = (time.perf_counter() - t0) * 1000
    timings: list[float] = []
    per_message: list[list[float]] = [[] for _ in messages]
    for _ in range(max(1, args.rounds)):
        for i, text in enumerate(messages):
            normalize.cache_clear()
            start = time.perf_counter_ns()
            analyzer.analyze(text)
            elapsed = (time.perf_counter_ns() - start) / 1000
            timings.append(elapsed)
            per_message[i].append(elapsed)
    timings.sort()
    # each message's median over the rounds: its own cost, without the scheduler stalls that
    # other processes on a busy machine add to single calls (the raw figures above keep those)
    typical = sorted(statistics.median(t) for t in per_message)
    print(f"bench analyze: {len(messages)} messages x {max(1, args.rounds)} rounds from {Path(path).name}")
    print(f"first call (load and compile policies/analysis, analyse one message): {warm_ms:.1f} ms")
    print(
        f"per message (us): p50={_percentile(timings, 0.5):.0f} p90={_percentile(timings, 0.9):.0f} "
        f"p99={_percentile(timings, 0.99):.0f} max={timings[-1]:.0f} mean={statistics.fmean(timings):.0f}"
    )
    print(
        f"per message, median of its rounds (us): p50={_percentile(typical, 0.5):.0f} "
        f"p99={_percentile(typical, 0.99):.0f} max={typical[-1]:.0f}"
    )
    print(
        json.dumps(
            {
                "p50_us": round(_percentile(timings, 0.5), 1),
                "p99_us": round(_percentile(timings, 0.99), 1),
                "p99_median_of_rounds_us": round(_percentile(typical, 0.99), 1),
            }
        )
    )
    return 0
