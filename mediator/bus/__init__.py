"""The event and alert bus: in-process by default, Redis when REDIS_URL is set."""

from mediator.bus.base import Bus, BusUnavailable


def make_bus(redis_url: str | None) -> Bus:
    if redis_url:
        from mediator.bus.redis_bus import RedisBus

        return RedisBus(redis_url)
    from mediator.bus.memory import InProcessBus

    return InProcessBus()


__all__ = ["Bus", "BusUnavailable", "make_bus"]
