"""optim: the optimiser race on real torch.optim classes, and EMA bias correction."""
from __future__ import annotations

import pytest
import torch

from qa.demos import run_demo
from qa.demos.optim import OPTIMIZERS, SURFACES, ema, race


@pytest.mark.parametrize("surface", list(SURFACES))
def test_momentum_and_adam_beat_sgd(surface: str) -> None:
    m = run_demo("optimizer_race", surface=surface).metrics
    final = m["final_loss"]
    assert m["diverged"] == []
    assert set(final) == set(OPTIMIZERS)
    assert final["Momentum"] < final["SGD"] / 10
    assert final["Adam"] < final["SGD"]
    assert all(v < m["start_loss"] for v in final.values())


def test_race_starts_at_the_surface_start() -> None:
    run = race(SURFACES["valley"], 0.1, 5, names=("SGD",))["SGD"]
    assert run.path[0] == SURFACES["valley"].start
    assert len(run.path) == 6 and len(run.losses) == 6 and not run.diverged


def test_divergence_is_reported_not_crashed() -> None:
    m = run_demo("optimizer_race", surface="rosenbrock", lr=1.0, steps=50).metrics
    assert "SGD" in m["diverged"]
    assert m["final_loss"]["SGD"] is None
    assert "SGD" not in m["ranking"]


def test_ema_known_answer() -> None:
    assert ema([10.0], 0.9) == ([pytest.approx(1.0)], [pytest.approx(10.0)])
    raw, corrected = ema([4.0, 4.0, 4.0], 0.5)
    assert raw == [2.0, 3.0, 3.5]
    assert corrected == [pytest.approx(4.0)] * 3


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99])
def test_bias_correction_removes_the_start_up_bias(beta: float) -> None:
    m = run_demo("ema_smoothing", beta=beta, steps=200).metrics
    assert m["first_corrected"] == pytest.approx(m["first_value"])
    assert m["first_raw"] == pytest.approx((1 - beta) * m["first_value"])
    assert m["start_error_corrected"] < m["start_error_raw"] / 2


@pytest.mark.parametrize("surface", list(SURFACES))
def test_closed_form_gradient_matches_autograd(surface: str) -> None:
    surf = SURFACES[surface]
    for x0, y0 in [(-1.5, 2.0), (0.3, -0.7), (2.0, 1.0)]:
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        y = torch.tensor(y0, dtype=torch.float64, requires_grad=True)
        surf.loss(x, y).backward()
        assert x.grad is not None and y.grad is not None
        assert surf.grad(x0, y0) == (pytest.approx(float(x.grad)), pytest.approx(float(y.grad)))
