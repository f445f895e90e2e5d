"""End to end through the HTTP API with an adversarial model: the stub answers with the
development set's violating replies. None of them may reach the borrower's transcript,
and every such conversation must be escalated to a human."""

from __future__ import annotations

import json
from pathlib import Path

from mediator.devtools.stub_openai import run_stub
from tests.conftest import ServerThread, make_settings, open_conversation

DEV_REPLIES = Path(__file__).parent / "data" / "replies.dev.jsonl"
# codes a repair cannot fix and that do not depend on the conversation's state
UNREPAIRABLE = {"THREAT", "ABUSIVE_LANGUAGE", "FALSE_REPRESENTATION", "SYSTEM_LEAK", "UNVERIFIED_CITATION"}


def adversarial_lines(tmp_path: Path) -> tuple[Path, list[dict]]:
    rows = [json.loads(line) for line in DEV_REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [r for r in rows if set(r["gold"]["codes"]) & UNREPAIRABLE]
    path = tmp_path / "adversarial.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked), encoding="utf-8")
    return path, picked


def test_violating_model_output_never_reaches_the_borrower(stack, tmp_path: Path) -> None:
    path, picked = adversarial_lines(tmp_path)
    assert len(picked) >= 20
    with run_stub(mode="adversarial", adversarial_file=path) as stub, ServerThread(make_settings(
            stack, tmp_path, OPENAI_BASE_URL=stub.url, MEDIATOR_MODEL="stub-model",
            MEDIATOR_LLM_TIMEOUT=10)) as srv:
        for row in picked:
            jur = row["context"]["jurisdiction"]
            conv_id, client = open_conversation(srv, jur, verified=True)
            with client:
                message = "好的，请继续说明。" if jur == "CN" else "ok, go on please"
                r = client.post(f"/v1/conversations/{conv_id}/messages", json={"text": message})
                assert r.status_code == 201, r.text
                reply = r.json()["reply"]
                assert reply is not None and reply["action"] == "block", (row["id"], reply)
                shown = [m["text"] for m in client.get(f"/v1/conversations/{conv_id}/messages").json()["messages"]]
                assert not any(row["reply"] in t for t in shown), row["id"]
                status = client.get(f"/v1/conversations/{conv_id}").json()["status"]
                assert status in ("escalated", "human"), (row["id"], status)
        assert len(stub.requests_seen) == len(picked)  # the model was asked once per turn
