"""The ``analyze``, ``eval analyze`` and ``bench analyze`` commands."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from mediator.analysis.cli import analyze_line
from mediator.analysis.evaluate import score
from mediator.cli import main

DATA = Path(__file__).parent / "data"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_analyze_follows_the_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "message": "I'm suing you", "language": "en", "gold": {}}),
                "{not json",
                json.dumps({"id": "b"}),
                "",
                json.dumps({"id": "c", "message": "我想分期还款"}),
            ]
        ),
        encoding="utf-8",
    )
    code, out = _run(capsys, "analyze", str(src))
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 0
    assert [x.get("id") for x in lines] == ["a", None, "b", "c"]
    assert set(lines[0]) == {"id", "intents", "complaint_risk"}
    assert lines[0]["intents"] == ["COMPLAINT_THREAT"] and lines[0]["complaint_risk"] >= 0.5
    assert lines[0]["complaint_risk"] == round(lines[0]["complaint_risk"], 3)
    assert "error" in lines[1] and "error" in lines[2]
    assert lines[3]["intents"] == ["PAYMENT_INTENT"]


def test_analyze_missing_file_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "/nonexistent/file.jsonl"]) != 0


def test_eval_scores_like_the_reference_scorer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("score_ref", DATA / "score.py")
    assert spec and spec.loader
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    gold = ref.load(DATA / "messages.dev.jsonl")
    # a deliberately imperfect prediction, so the figures are not all 1.0
    preds = {mid: analyze_line(g) for mid, g in gold.items()}
    preds["d-m-001"] = {"id": "d-m-001", "intents": ["HARDSHIP"], "complaint_risk": 0.9}
    preds.pop("d-m-002")
    f1, arec, aprec, missing = ref.score_analyze(gold, preds)
    mine = score(list(gold.values()), preds)
    capsys.readouterr()
    assert (mine.micro_f1, mine.alert_recall, mine.alert_precision, mine.missing) == pytest.approx(
        (f1, arec, aprec, missing)
    )
    code, out = _run(capsys, "eval", "analyze")
    assert code == 0 and "intent_micro_f1=" in out.splitlines()[-1]


def test_bench_prints_percentiles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "bench", "analyze", "--rounds", "1")
    assert code == 0
    figures = json.loads(out.splitlines()[-1])
    assert figures["p50_us"] > 0 and figures["p99_us"] >= figures["p50_us"]
