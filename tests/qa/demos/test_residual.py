"""residual: identity shortcuts keep per-layer gradients flat."""
from __future__ import annotations

import pytest

from qa.demos import run_demo


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_plain_decays_residual_stays_flat(activation: str) -> None:
    m = run_demo("residual_gradient_flow", activation=activation).metrics
    assert m["plain_first_over_last"] < 1e-4
    assert 0.2 < m["residual_first_over_last"] < 10
    assert m["residual_spread"] < 10 < m["plain_spread"]
    assert len(m["plain_relative"]) == len(m["residual_relative"]) == 30
    assert m["plain_relative"][-1] == m["residual_relative"][-1] == 1.0
