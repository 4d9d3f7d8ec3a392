"""Pausing Python's cyclic garbage collector while a large, acyclic structure is built.

Reading a snapshot and compiling its read model allocate millions of small objects (sections,
mentions, token tuples) that all live on, and none of which form garbage cycles. The collector
still runs a full pass every so often as they pile up, each pass visiting everything allocated so
far: at 1,000 notes that was half of reading the snapshot (5.4 s against 2.7 s paused).
Reference counting frees everything as usual while it is paused; only cycles wait for the next
collection. The collector is one per process, so pauses nest across threads and the last one
out restores it as it was.

A pause that ``settle``\\s says what it built is long-lived. Without that, the objects made in a
pause all wait in the youngest generation, and the first collections after it walk every one of
them, twice (1.2 s of a 9.6 s open at 1,000 notes). Settling moves everything alive when the last
pause ends into the collector's permanent generation (:func:`gc.freeze`), which no collection
walks. What is frozen is still freed by reference counting; only a frozen *cycle* (a networkx
graph's cached views make one) waits for :func:`reclaim`, which whoever drops a settled
structure calls.

>>> import gc
>>> with paused():
...     gc.isenabled()
False
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused", "reclaim"]

_lock = threading.Lock()
_depth = 0
_was_enabled = True
_settle = False   # a pause asked to settle: the last one out freezes
_reclaim = False  # reclaim() was called during a pause: the last one out collects first


@contextmanager
def paused(settle: bool = False) -> Iterator[None]:
    """Disable the cyclic collector for the ``with`` block (in any thread), then restore it;
    ``settle``: freeze everything alive when the last pause ends (see the module's docstring)."""
    global _depth, _was_enabled, _settle, _reclaim
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            # Asked for even when the block fails: what was built before the error is frozen
            # with the rest, and reclaimed as such.
            _settle = _settle or settle
            last = _depth == 0
            collect, freeze = last and _reclaim, last and (_settle or _reclaim)
            if last:
                _settle = _reclaim = False
                if _was_enabled:
                    gc.enable()
        _settled(collect, freeze)


def _settled(collect: bool, freeze: bool) -> int:
    # Outside the lock: a finaliser that the collection runs may pause too.
    found = 0
    if collect:
        gc.unfreeze()
        found = gc.collect()
    if freeze:
        gc.freeze()
    return found


def reclaim() -> int:
    """Collect the cycles among settled objects that were dropped since (an earlier read model's
    graph), then settle what is left; returns how many unreachable objects were found. One full
    collection: call it after replacing a settled structure, not per request. During a pause
    (another thread saving an image, say) the last pause to end does it instead, and this
    returns 0."""
    global _reclaim
    with _lock:
        if _depth:
            _reclaim = True
            return 0
    return _settled(True, True)
