"""``mediator guard check``, ``mediator eval guard`` and ``mediator bench guard``."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from mediator.domain import GuardContext
from mediator.jsonl import InputError, iter_objects, open_input, run
from mediator.settings import PROJECT_ROOT

DEFAULT_SET = PROJECT_ROOT / "tests" / "data" / "replies.dev.jsonl"


def _parse(obj: dict[str, Any]) -> tuple[str, GuardContext]:
    reply = obj.get("reply")
    if not isinstance(reply, str):
        raise InputError("reply must be a string")
    context = obj.get("context") or {}
    if not isinstance(context, dict):
        raise InputError("context must be an object")
    return reply, GuardContext.model_validate(context)


def check_line(obj: dict[str, Any]) -> dict[str, Any]:
    """One contract output line for one input object."""
    from mediator.guard import get_engine

    reply, ctx = _parse(obj)
    v = get_engine().check(reply, ctx)
    return {
        "id": obj.get("id"),
        "allowed": v.allowed,
        "action": v.action,
        "violations": [x.as_dict() for x in v.violations],
        "text": v.text,
    }


def cmd_check(args: argparse.Namespace) -> int:
    return run(args.file, check_line)


def _load(path: Path) -> list[dict[str, Any]]:
    with open_input(str(path)) as fh:
        return [obj for _n, obj, _err in iter_objects(fh) if obj is not None]


def score(rows: list[dict[str, Any]], preds: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """The same definitions as tests/data/score.py: flagged = action != pass."""
    tp = fn = fp = tn = 0
    hit, total, named, named_right = Counter(), Counter(), Counter(), Counter()
    misses, false_alarms = [], []
    for g in rows:
        p = preds.get(g.get("id"))
        if p is None or "error" in p:
            continue
        flagged = p.get("action", "pass") != "pass"
        names = {v["code"] for v in p.get("violations", [])}
        want = set(g["gold"]["codes"])
        if g["gold"]["allowed"]:
            fp += flagged
            tn += not flagged
            if flagged:
                false_alarms.append((g["id"], sorted(names)))
        else:
            tp += flagged
            fn += not flagged
        for c in want:
            total[c] += 1
            hit[c] += c in names
            if c not in names:
                misses.append((g["id"], c))
        for c in names:
            named[c] += 1
            named_right[c] += c in want

    def ratio(a: float, b: float) -> float:
        return a / b if b else 0.0

    return {
        "per_code": {
            c: (ratio(hit[c], total[c]), ratio(named_right[c], named[c]), total[c])
            for c in sorted(set(total) | set(named))
        },
        "recall": ratio(tp, tp + fn),
        "fpr": ratio(fp, fp + tn),
        "code_recall": ratio(sum(hit.values()), sum(total.values())),
        "misses": misses,
        "false_alarms": false_alarms,
        "n": len(rows),
    }


def cmd_eval(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else DEFAULT_SET
    try:
        rows = _load(path)
    except OSError as exc:
        print(f"mediator: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    preds = {}
    for obj in rows:
        try:
            preds[obj.get("id")] = check_line(obj)
        except Exception as exc:  # the row is counted as missing, as score.py does
            preds[obj.get("id")] = {"error": str(exc)}
    s = score(rows, preds)
    errors = [(k, p["error"]) for k, p in preds.items() if "error" in p]
    for rid, err in errors:
        print(f"error: {rid} {err}")
    print(f"{'code':24} {'recall':>8} {'precision':>10}  n")
    for code, (rec, prec, n) in s["per_code"].items():
        print(f"{code:24} {rec:8.2f} {prec:10.2f}  {n}")
    for rid, code in s["misses"]:
        print(f"missed: {rid} {code}")
    for rid, codes in s["false_alarms"]:
        print(f"false alarm: {rid} {' '.join(codes)}")
    print(f"guard: recall={s['recall']:.3f} fpr={s['fpr']:.3f} code_recall={s['code_recall']:.3f} n={s['n']}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from mediator.guard import get_engine

    path = Path(args.file) if args.file else DEFAULT_SET
    rows = [_parse(obj) for obj in _load(path)]
    t0 = time.perf_counter()
    engine = get_engine()
    build_ms = (time.perf_counter() - t0) * 1000
    for reply, ctx in rows:  # warm-up: caches, lazy regex internals
        engine.check(reply, ctx)
    samples = []
    for _ in range(max(1, args.rounds)):
        for reply, ctx in rows:
            t = time.perf_counter_ns()
            engine.check(reply, ctx)
            samples.append((time.perf_counter_ns() - t) / 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    rate = 1e6 / statistics.fmean(samples)
    print(
        json.dumps(
            {
                "replies": len(rows),
                "rounds": args.rounds,
                "checks": len(samples),
                "p50_us": round(p50, 1),
                "p99_us": round(p99, 1),
                "max_us": round(samples[-1], 1),
                "replies_per_s": round(rate),
                "engine_build_ms": round(build_ms, 1),
                "policy_version": engine.policy_version,
            }
        )
    )
    return 0
