"""The in-process bus: the default when REDIS_URL is unset (one process, nothing to run)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from mediator.bus.base import AlertHandler, Bus

log = logging.getLogger("mediator.bus")


class InProcessBus(Bus):
    name = "memory"

    def __init__(self) -> None:
        super().__init__()
        self._alerts: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        self.fanout.deliver(channel, event)

    async def append_alert(self, payload: dict[str, Any]) -> None:
        self._alerts.put_nowait(payload)

    async def consume_alerts(self, consumer: str, handler: AlertHandler, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                payload = await asyncio.wait_for(self._alerts.get(), timeout=0.5)
            except TimeoutError:
                continue
            try:
                await handler(payload)
            except Exception:
                log.exception("alert handler failed; will retry")
                await asyncio.sleep(0.5)
                self._alerts.put_nowait(payload)
