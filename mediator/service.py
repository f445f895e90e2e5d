"""The running service: one object that owns the database, the bus, the guard, the mediator
backend and the background workers (outbox relay, alert consumer), built once per process.

Routes get it from ``request.app.state.service``; tests and benches build their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import UTC, datetime
from typing import Any

from mediator import metrics
from mediator.bus import Bus, BusUnavailable, make_bus
from mediator.security import Keys, load_keys
from mediator.settings import Settings, get_settings
from mediator.store import repo
from mediator.store.db import Database

log = logging.getLogger("mediator.service")


class Service:
    def __init__(self, settings: Settings | None = None, backend: Any = None, bus: Bus | None = None) -> None:
        from mediator.agent import get_backend
        from mediator.guard import get_engine

        self.settings = settings or get_settings()
        self.db = Database(self.settings.database_url)
        self.bus = bus or make_bus(self.settings.redis_url)
        self.keys: Keys = load_keys(self.settings)
        self.guard = get_engine()
        self.backend = backend or get_backend(self.settings)
        self.instance = f"{socket.gethostname()}-{os.getpid()}"
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._relay_kick = asyncio.Event()
        self.inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.degraded_bus = False

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, migrate: bool = True) -> None:
        if migrate:
            await self.db.migrate()
        await self.bus.start()
        self._tasks = [
            asyncio.create_task(self._relay_outbox(), name="outbox-relay"),
            asyncio.create_task(self.bus.consume_alerts(self.instance, self._on_alert, self._stop), name="alerts"),
        ]
        if self.settings.proactive_interval_s > 0:
            self._tasks.append(asyncio.create_task(self._proactive_loop(), name="proactive"))
        self._tasks.append(asyncio.create_task(self._housekeeping_loop(), name="housekeeping"))

    async def stop(self, grace_s: float = 10.0) -> None:
        """Finish in-flight turns (up to ``grace_s``), then stop workers and close connections."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=grace_s)
        self._stop.set()
        self._relay_kick.set()
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await self.bus.close()
        close = getattr(self.backend, "aclose", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()
        await self.db.dispose()

    @contextlib.contextmanager
    def turn_in_flight(self) -> Any:
        self.inflight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.inflight -= 1
            if self.inflight == 0:
                self._idle.set()

    # --- events --------------------------------------------------------------------------------

    async def publish(self, conversation_id: str, event: str, data: dict[str, Any],
                      staff_data: dict[str, Any] | None = None) -> None:
        """Borrower channel gets ``data``; the staff channel gets ``staff_data`` (the richer
        staff view of the same thing) when given."""
        await self.publish_events(conversation_id, [(event, data, staff_data)])

    async def publish_events(self, conversation_id: str,
                             events: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> None:
        """Several events of one conversation in one round trip, and one queue notification."""
        items: list[tuple[str, dict[str, Any]]] = []
        for event, data, staff_data in events:
            items.append((f"conv:{conversation_id}", {"event": event, "data": data}))
            items.append((f"staff:conv:{conversation_id}", {"event": event, "data": staff_data or data}))
        items.append(("staff:queue", {"event": "conversation", "data": {"id": conversation_id}}))
        await self.bus.publish_many(items)

    def kick_relay(self) -> None:
        self._relay_kick.set()

    async def _relay_outbox(self) -> None:
        """Move outbox entries to the bus, at least once; when the bus is down they wait here."""
        backoff = 0.2
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._relay_kick.wait(), timeout=1.0)
            self._relay_kick.clear()
            try:
                moved = await self._relay_once()
                backoff = 0.2
                if moved:
                    self._relay_kick.set()
            except BusUnavailable:
                self.degraded_bus = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                self._relay_kick.set()
            except Exception:
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _relay_once(self) -> int:
        async with self.db.reader() as s:
            if not await repo.pending_outbox_count(s):  # cheap, lock-free look first
                metrics.OUTBOX_PENDING.set(0)
                return 0
        async with self.db.transaction() as s:
            entries = await repo.claim_outbox(s, limit=100)
            for entry in entries:
                entry.attempts += 1
                if entry.topic == "alert":
                    await self.bus.append_alert(entry.payload)
                entry.delivered_at = datetime.now(UTC)
        self.degraded_bus = False
        return len(entries)

    async def _proactive_loop(self) -> None:
        from mediator.proactive_runner import run_due

        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.settings.proactive_interval_s)
            if self._stop.is_set():
                return
            try:
                await run_due(self)
            except Exception:
                log.exception("proactive run failed; will try again")

    async def _housekeeping_loop(self, every_s: float = 3600.0) -> None:
        """Hourly: forget old Idempotency-Keys and purge accounts past the retention period."""
        from mediator.privacy import purge_expired, purge_idempotency_keys

        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=every_s)
            if self._stop.is_set():
                return
            try:
                await purge_idempotency_keys(self)
                await purge_expired(self)
            except Exception:
                log.exception("housekeeping failed; will try again")

    async def _on_alert(self, payload: dict[str, Any]) -> None:
        """Consumed once per alert across all instances: fan out to supervisors' live streams."""
        created = payload.get("created_at")
        if created:
            with contextlib.suppress(ValueError):
                lag = (datetime.now(UTC) - datetime.fromisoformat(created)).total_seconds()
                metrics.ALERT_LAG.observe(max(lag, 0.0))
        await self.bus.publish("alerts", {"event": "alert", "data": payload})
        from mediator.alerts import deliver_webhook

        await deliver_webhook(self.settings, payload)
