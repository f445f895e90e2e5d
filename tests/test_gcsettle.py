"""The collector settings of a served worker and of the bench's driver (``mediator.gcsettle``)."""

from __future__ import annotations

import gc

import pytest

from mediator.gcsettle import GC_THRESHOLDS, settled_gc


def test_the_driver_settles_while_it_measures_and_restores_after() -> None:
    before = gc.get_threshold()
    assert before != GC_THRESHOLDS
    with settled_gc():
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0  # what was alive is out of the collector's view
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_served_worker_stays_settled_after_its_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from mediator.api import app as app_module

    settled: list[bool] = []
    monkeypatch.setattr("mediator.gcsettle.settle_gc", lambda: settled.append(True))

    class _Guard:
        def check(self, *args: object, **kwargs: object) -> None:
            return None

    class _Svc:
        guard = _Guard()
        backend = object()

    app_module._warm_up(_Svc())  # type: ignore[arg-type]
    assert settled == [True]
