"""One interface for live events and durable alerts.

Live events (new messages, typing, hand-over) are best effort: a client that misses one
replays from the database by sequence number. Alerts are durable: they are written to the
outbox in the same transaction as the message that raised them, relayed to the bus at least
once, and consumed by exactly one instance (a consumer group in Redis).
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

log = logging.getLogger("mediator.bus")

AlertHandler = Callable[[dict[str, Any]], Awaitable[None]]


class BusUnavailable(Exception):
    """The durable side of the bus cannot take an entry right now; the caller keeps it and retries."""


class LocalFanout:
    """Delivers events to this process's subscribers; both bus implementations use it."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._subs: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._queue_size = queue_size

    def channels(self) -> list[str]:
        return [c for c, subs in self._subs.items() if subs]

    def deliver(self, channel: str, event: dict[str, Any]) -> None:
        for q in list(self._subs.get(channel, ())):
            try:
                q.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("subscriber queue full on a channel; dropping one live event")

    def add(self, channel: str) -> asyncio.Queue[dict[str, Any]]:
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        self._subs[channel].add(q)
        return q

    def remove(self, channel: str, q: asyncio.Queue[dict[str, Any]]) -> bool:
        """Remove a subscriber; True when the channel has no local subscriber left."""
        subs = self._subs.get(channel)
        if subs is None:
            return True
        subs.discard(q)
        if not subs:
            del self._subs[channel]
            return True
        return False


async def _drain(q: asyncio.Queue[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    while True:
        yield await q.get()


class Bus(ABC):
    name: str

    def __init__(self) -> None:
        self.fanout = LocalFanout()

    async def start(self) -> None:  # noqa: B027 - optional hook
        pass

    async def close(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        """Best effort: never raises for a transport failure."""

    async def publish_many(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        """Several events at once (one round trip where the transport allows); best effort."""
        for channel, event in items:
            await self.publish(channel, event)

    async def _on_subscribe(self, channel: str) -> None:  # noqa: B027 - optional hook
        pass

    async def _on_unsubscribe(self, channel: str) -> None:  # noqa: B027 - optional hook
        pass

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        q = self.fanout.add(channel)
        try:
            await self._on_subscribe(channel)
            yield _drain(q)
        finally:
            if self.fanout.remove(channel, q):
                await self._on_unsubscribe(channel)

    @abstractmethod
    async def append_alert(self, payload: dict[str, Any]) -> None:
        """Durably hand one alert to the bus; raise BusUnavailable when it cannot."""

    @abstractmethod
    async def consume_alerts(self, consumer: str, handler: AlertHandler, stop: asyncio.Event) -> None:
        """Run until ``stop``: hand every alert to ``handler`` once per consumer group; an
        alert whose handler fails is retried."""

    async def healthy(self) -> bool:
        return True
