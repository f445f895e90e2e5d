"""Optional alert webhooks: signed with HMAC-SHA256 and retried with backoff, so a lender's
incident tool hears about a conversation going wrong."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx

from mediator.settings import Settings

log = logging.getLogger("mediator.alerts")
SIGNATURE_HEADER = "X-Mediator-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, tolerance_s: int = 300) -> bool:
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = parts["t"]
    except (ValueError, KeyError):
        return False
    if abs(time.time() - int(ts)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), header)


async def deliver_webhook(settings: Settings, payload: dict[str, Any], attempts: int = 4) -> bool:
    if not settings.alert_webhook_url:
        return False
    body = json.dumps(payload, sort_keys=True, default=str).encode()
    delay = 0.5
    async with httpx.AsyncClient(timeout=5.0) as client:
        for attempt in range(1, attempts + 1):
            ts = str(int(time.time()))
            headers = {"Content-Type": "application/json"}
            if settings.alert_webhook_secret:
                headers[SIGNATURE_HEADER] = sign(settings.alert_webhook_secret, ts, body)
            try:
                resp = await client.post(settings.alert_webhook_url, content=body, headers=headers)
                if resp.status_code < 300:
                    return True
                log.warning("alert webhook answered %s (attempt %d)", resp.status_code, attempt)
            except httpx.HTTPError as exc:
                log.warning("alert webhook failed: %s (attempt %d)", type(exc).__name__, attempt)
            if attempt < attempts:
                await asyncio.sleep(delay)
                delay *= 2
    return False
