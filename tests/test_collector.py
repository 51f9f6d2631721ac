"""The collector pause around a build's large tables."""

from __future__ import annotations

import gc

from publisher.engine import collector


def test_paused_restores_the_collector_and_freezes_what_was_built() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        table = [{"id": str(i)} for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(table)  # out of every later collection's reach
    gc.unfreeze()


def test_paused_keeps_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
