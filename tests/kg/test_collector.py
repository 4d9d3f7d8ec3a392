"""Pausing the cyclic collector: nested and concurrent pauses restore it exactly as it was."""
from __future__ import annotations

import gc
import threading

import pytest

from kg.collector import paused


@pytest.fixture(autouse=True)
def _restore() -> object:
    for thread in threading.enumerate():  # an image still being saved by an earlier test holds a pause
        if thread.name == "kgqa-image":
            thread.join()
    enabled = gc.isenabled()
    yield
    gc.enable() if enabled else gc.disable()


@pytest.mark.parametrize("before", [True, False])
def test_a_pause_restores_the_collector_as_it_was(before: bool) -> None:
    gc.enable() if before else gc.disable()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled() is before


def test_an_error_inside_a_pause_still_restores_it() -> None:
    gc.enable()
    with pytest.raises(ValueError), paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_overlapping_pauses_in_threads_end_with_the_last_one() -> None:
    gc.enable()
    first_in, second_in, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with paused():
            first_in.set()
            assert first_may_leave.wait(10)
        seen.append(gc.isenabled())  # the second thread's pause still holds

    def second() -> None:
        assert first_in.wait(10)
        with paused():
            second_in.set()
            thread.join(10)

    thread = threading.Thread(target=first)
    thread.start()
    other = threading.Thread(target=second)
    other.start()
    assert second_in.wait(10)
    first_may_leave.set()
    other.join(10)
    assert seen == [False] and gc.isenabled()
