"""Alert webhooks: HMAC-signed, retried with backoff until the receiver takes them."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from mediator.alerts import SIGNATURE_HEADER, verify_signature
from tests.conftest import ServerThread, Stack, make_settings, open_conversation

SECRET = "webhook-secret"


class Receiver:
    def __init__(self, fail_first: int) -> None:
        self.hits: list[tuple[dict, str, bytes]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                outer.hits.append((payload, self.headers.get(SIGNATURE_HEADER, ""), body))
                tries = sum(1 for p, _s, _b in outer.hits if p["id"] == payload["id"])
                status = 500 if tries <= outer.fail_first else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


def _of_kind(rx: Receiver, kind: str) -> list[tuple[dict, str, bytes]]:
    return [h for h in rx.hits if h[0]["kind"] == kind]


def test_webhook_is_signed_and_retried(stack: Stack, tmp_path: Path) -> None:
    rx = Receiver(fail_first=1)
    try:
        settings = make_settings(stack, tmp_path, MEDIATOR_ALERT_WEBHOOK_URL=rx.url,
                                 MEDIATOR_ALERT_WEBHOOK_SECRET=SECRET)
        with ServerThread(settings) as srv:
            conv_id, borrower = open_conversation(srv)
            with borrower:
                borrower.post(f"/v1/conversations/{conv_id}/messages",
                              json={"text": "I'm going to the papers and the ombudsman about this."})
            deadline = time.time() + 15
            while time.time() < deadline and len(_of_kind(rx, "complaint_threat")) < 2:
                time.sleep(0.1)
            time.sleep(1.5)  # a further (wrong) retry would arrive within the backoff
        hits = _of_kind(rx, "complaint_threat")
        assert len(hits) == 2, "one failed delivery, then one retry that succeeded, then nothing"
        payload, signature, body = hits[-1]
        assert payload["conversation_id"] == conv_id and payload["kind"] == "complaint_threat"
        assert verify_signature(SECRET, signature, body)
        assert not verify_signature("wrong-secret", signature, body)
        assert not verify_signature(SECRET, signature, body + b" ")
    finally:
        rx.close()
