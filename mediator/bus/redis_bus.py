"""The Redis bus: pub/sub for live events across instances, a Stream with a consumer group
for alerts (each alert handled by one instance, retried until acknowledged).

Live events are also delivered to this process's own subscribers directly, so a borrower
and a mediator on the same instance keep chatting live while Redis is down; envelopes carry
the origin instance id so an instance ignores its own echoes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import uuid
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from mediator.bus.base import AlertHandler, Bus, BusUnavailable
from mediator.jsoncodec import json_dumps

log = logging.getLogger("mediator.bus")

STREAM = "mediator:alerts"
GROUP = "mediator-alert-consumers"
_PREFIX = "mediator:ev:"
MAX_UNSENT = 10_000
"""Live events queued for Redis beyond this (Redis down or far behind) are dropped, not kept."""
SOCKET_TIMEOUT_S = 5.0
"""How long a read from Redis may wait (a batch of PUBLISH replies: all of them together)."""


class RedisBus(Bus):
    name = "redis"

    def __init__(self, url: str, claim_idle_ms: int = 30_000) -> None:
        super().__init__()
        self.claim_idle_ms = claim_idle_ms
        self.instance = uuid.uuid4().hex
        self.redis = aioredis.from_url(
            url, decode_responses=True, socket_connect_timeout=2, socket_timeout=SOCKET_TIMEOUT_S,
            health_check_interval=15
        )
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self._lock = asyncio.Lock()
        self._unsent: list[tuple[str, str]] = []
        self._sender: asyncio.Task[None] | None = None
        self._publisher: Any = None

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read_loop(), name="redis-bus-reader")

    async def close(self) -> None:
        self._closing = True
        if self._sender is not None:  # what is queued goes out first (briefly: Redis may be down)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._sender), 2.0)
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sender  # it hands back a connection it was using before this does
        if self._publisher is not None:
            await self.redis.connection_pool.release(self._publisher)
            self._publisher = None
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        await self.redis.aclose()

    async def healthy(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    # --- live events -----------------------------------------------------------------------

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        self.fanout.deliver(channel, event)
        self._send([(_PREFIX + channel, json_dumps({"o": self.instance, "e": event}))])

    async def publish_many(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        """A turn's events to several channels (borrower, staff, queue): one message per channel
        carrying that channel's events in order (``es``), sent in one pipeline."""
        by_channel: dict[str, list[dict[str, Any]]] = {}
        for channel, event in items:
            self.fanout.deliver(channel, event)
            by_channel.setdefault(channel, []).append(event)
        self._send([(_PREFIX + channel, json_dumps({"o": self.instance, "e": events[0]} if len(events) == 1
                                                   else {"o": self.instance, "es": events}))
                    for channel, events in by_channel.items()])

    def _send(self, messages: list[tuple[str, str]]) -> None:
        """Queue messages for the sender task, which keeps their order and sends whatever has
        queued in one pipeline. The caller does not wait for Redis: a turn's latency no longer
        includes two Redis round trips, nor, while Redis is down, a connect timeout. Delivery
        is as before: local subscribers have the events already (``fanout``); an event Redis
        does not take is logged, not retried (alerts travel by the outbox, which retries), and
        a widget or panel that reconnects replays the messages from the database."""
        if len(self._unsent) + len(messages) > MAX_UNSENT:
            log.warning("Redis is not keeping up; %d queued live events dropped", len(self._unsent))
            self._unsent.clear()
        self._unsent.extend(messages)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_unsent(), name="redis-bus-sender")

    async def _send_unsent(self) -> None:
        while self._unsent:
            batch, self._unsent = self._unsent, []
            try:
                await self._publish_batch(batch)
            except (RedisError, OSError) as exc:
                log.warning("%d live events not published to Redis (%s); local subscribers still got them",
                            len(batch), type(exc).__name__)

    async def _publish_batch(self, batch: list[tuple[str, str]]) -> None:
        """PUBLISH each message, all written at once, on a connection kept for publishing. The
        client's pipeline object cost more CPU than the round trip it saves; this is its core
        (the pool's connection, its packing and its reply parser), without the rest. A
        connection that fails is dropped, and the batch tried once more on a fresh one (Redis
        may have closed an idle connection); a second failure is the caller's."""
        for attempt in (1, 2):
            conn = self._publisher
            if conn is None:
                conn = self._publisher = await self.redis.connection_pool.get_connection()
            try:
                await conn.send_packed_command(conn.pack_commands([("PUBLISH", c, body) for c, body in batch]))
                async with asyncio.timeout(SOCKET_TIMEOUT_S):  # one deadline for the batch's replies,
                    for _ in batch:                            # not a timeout context per reply
                        await conn.read_response(timeout=math.inf)
                return
            except BaseException as exc:
                self._publisher = None  # its replies may be out of step: never reuse it
                with contextlib.suppress(Exception):
                    await conn.disconnect()
                await self.redis.connection_pool.release(conn)
                if attempt == 2 or not isinstance(exc, (RedisError, OSError)):
                    raise

    async def _ensure_pubsub(self) -> Any:
        if self._pubsub is None:
            self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        return self._pubsub

    async def _on_subscribe(self, channel: str) -> None:
        async with self._lock:
            try:
                ps = await self._ensure_pubsub()
                await ps.subscribe(_PREFIX + channel)
            except (RedisError, OSError) as exc:
                log.warning("Redis subscribe failed (%s); will resubscribe when it is back", type(exc).__name__)

    async def _on_unsubscribe(self, channel: str) -> None:
        async with self._lock:
            if self._pubsub is None:
                return
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(_PREFIX + channel)

    async def _read_loop(self) -> None:
        backoff = 0.2
        while not self._closing:
            ps = self._pubsub
            if ps is None or not ps.subscribed:
                await asyncio.sleep(0.05)
                continue
            try:
                msg = await ps.get_message(timeout=1.0)
                backoff = 0.2
            except (RedisError, OSError, RuntimeError) as exc:
                log.warning("Redis pub/sub connection lost (%s); reconnecting", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                await self._resubscribe()
                continue
            if not msg or msg.get("type") != "message":
                continue
            try:
                envelope = json.loads(msg["data"])
            except (TypeError, ValueError):
                continue
            if not isinstance(envelope, dict) or envelope.get("o") == self.instance:
                continue
            channel = msg["channel"][len(_PREFIX) :]
            for event in envelope.get("es") or [envelope.get("e", {})]:
                self.fanout.deliver(channel, event)

    async def _resubscribe(self) -> None:
        async with self._lock:
            old, self._pubsub = self._pubsub, None
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.aclose()
            channels = [_PREFIX + c for c in self.fanout.channels()]
            if not channels:
                return
            try:
                ps = await self._ensure_pubsub()
                await ps.subscribe(*channels)
            except (RedisError, OSError):
                self._pubsub = None

    # --- alerts ----------------------------------------------------------------------------

    async def append_alert(self, payload: dict[str, Any]) -> None:
        try:
            await self.redis.xadd(STREAM, {"data": json_dumps(payload)}, maxlen=100_000)
        except (RedisError, OSError) as exc:
            raise BusUnavailable(str(type(exc).__name__)) from exc

    async def _ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def consume_alerts(self, consumer: str, handler: AlertHandler, stop: asyncio.Event) -> None:
        backoff = 0.2
        group_ready = False
        while not stop.is_set():
            try:
                if not group_ready:
                    await self._ensure_group()
                    group_ready = True
                # entries another consumer took but never acknowledged (it died): take them over
                claimed = await self.redis.xautoclaim(STREAM, GROUP, consumer, min_idle_time=self.claim_idle_ms,
                                                      count=50)
                entries = list(claimed[1]) if claimed else []
                if not entries:
                    resp = await self.redis.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=50, block=1000)
                    entries = [e for _stream, items in (resp or []) for e in items]
                backoff = 0.2
            except (RedisError, OSError) as exc:
                group_ready = False
                log.warning("alert stream unavailable (%s); retrying", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for entry_id, fields in entries:
                if not fields:
                    continue
                try:
                    await handler(json.loads(fields["data"]))
                except Exception:
                    log.exception("alert handler failed; the entry stays pending and is retried")
                    continue
                with contextlib.suppress(RedisError, OSError):  # else redelivered later; handlers are idempotent
                    await self.redis.xack(STREAM, GROUP, entry_id)
