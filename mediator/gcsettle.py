"""The cyclic garbage collector, set for a process whose work comes in short units (a server
worker, the bench's driver while it measures)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

GC_THRESHOLDS = (10_000, 20, 10)
"""The cyclic collector's thresholds in a served worker (Python's default: 700, 10, 10). Almost
every object a turn makes is freed by its reference count when the turn ends; a young
collection only scans what is still alive, which is the turns in flight, whatever the
threshold. So collecting after 10,000 net allocations rather than 700 costs about the same
each time and happens a fourteenth as often (measured under ``bench turn``: see the README)."""


def settle_gc() -> None:
    """Move what is alive now (start-up objects: policy, lexicons, compiled patterns, caches)
    out of the cyclic collector's view, and collect young objects less often
    (``GC_THRESHOLDS``): for a long-running process whose work comes in short units."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@contextmanager
def settled_gc() -> Iterator[None]:
    """``settle_gc`` for the block (the bench's driver while it measures), then as before."""
    before = gc.get_threshold()
    settle_gc()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
