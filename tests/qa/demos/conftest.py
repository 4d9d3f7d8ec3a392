"""Shared fixtures for the demo tests."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from qa.demos import DEMOS, DemoResult, run_demo


@pytest.fixture(scope="session", autouse=True)
def single_thread() -> Iterator[None]:
    """Run helper functions single-threaded, as ``Demo.run`` does.

    Tests also call the demos' helpers directly; on a busy 2-core machine the thread pool
    makes these microsecond-sized ops up to 50x slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def default_results() -> dict[str, DemoResult]:
    """Each registered demo's result with default parameters (session-scoped, ~2 s)."""
    return {demo_id: run_demo(demo_id) for demo_id in DEMOS}
