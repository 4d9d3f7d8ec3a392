"""Shared fixtures: every demo run once with its defaults (session-scoped, ~2 s)."""
from __future__ import annotations

import pytest

from qa.demos import DEMOS, DemoResult, run_demo


@pytest.fixture(scope="session")
def default_results() -> dict[str, DemoResult]:
    """Each registered demo's result with default parameters."""
    return {demo_id: run_demo(demo_id) for demo_id in DEMOS}
