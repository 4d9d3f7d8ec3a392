"""Pausing the cyclic collector: nested and concurrent pauses restore it exactly as it was; a settled
pause freezes what it built, and a reclaim still frees the cycles dropped since."""
from __future__ import annotations

import gc
import threading
import weakref

import pytest

from kg.collector import paused, reclaim


@pytest.fixture(autouse=True)
def _restore() -> object:
    for thread in threading.enumerate():  # an image still being saved by an earlier test holds a pause
        if thread.name == "kgqa-image":
            thread.join()
    enabled = gc.isenabled()
    yield
    gc.enable() if enabled else gc.disable()
    gc.unfreeze()


class _Node:
    """A cycle (it refers to itself), like a networkx graph and its cached views."""

    def __init__(self) -> None:
        self.me = self


def _settled_cycle() -> weakref.ref[_Node]:
    with paused(settle=True):
        node = _Node()
    return weakref.ref(node)


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


def test_a_settled_pause_freezes_what_it_built_so_no_collection_walks_it() -> None:
    gc.unfreeze()
    with paused(settle=True):
        built = [[i] for i in range(1000)]
    frozen = gc.get_freeze_count()
    assert frozen >= len(built)
    with paused():  # a pause that does not settle freezes nothing more
        assert [[i] for i in range(1000)]
    # At most as many: a frozen object that another test left behind may be freed meanwhile.
    assert gc.get_freeze_count() <= frozen


@pytest.mark.parametrize("busy", [False, True])
def test_a_dropped_settled_cycle_is_freed_by_reclaim_even_while_another_pause_runs(busy: bool) -> None:
    gc.enable()
    node = _settled_cycle()
    gc.collect()
    assert node() is not None  # frozen: a collection does not see it, dropped or not
    if not busy:
        assert reclaim() >= 1 and node() is None
        return
    leave, inside = threading.Event(), threading.Event()

    def saving() -> None:  # another thread's pause, as a background image save holds one
        with paused():
            inside.set()
            assert leave.wait(10)

    thread = threading.Thread(target=saving)
    thread.start()
    assert inside.wait(10)
    assert reclaim() == 0 and node() is not None  # deferred to the end of that pause
    leave.set()
    thread.join(10)
    assert node() is None and gc.isenabled()
