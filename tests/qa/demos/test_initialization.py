"""initialization: the right init keeps activations O(1); zero init never breaks symmetry."""
from __future__ import annotations

import pytest

from qa.demos import run_demo
from qa.demos.initialization import activation_stats, unit_spread_after_training


@pytest.fixture(scope="module")
def metrics() -> dict[str, object]:
    return run_demo("weight_init_stats").metrics  # depth 10, width 128


def test_he_keeps_relu_stable_and_xavier_shrinks_it(metrics: dict) -> None:
    he, xavier = metrics["he_relu_stds"], metrics["xavier_relu_stds"]
    assert 0.5 < he[-1] / he[0] < 2
    assert xavier[-1] / xavier[0] < 0.1


def test_xavier_keeps_tanh_unsaturated_normal_saturates(metrics: dict) -> None:
    assert metrics["xavier_tanh_saturated"] < 0.01
    assert metrics["Xavier_tanh_last_std"] > 0.1
    assert metrics["normal_tanh_saturated"] > 0.5


def test_unit_normal_weights_explode_relu(metrics: dict) -> None:
    assert metrics["N(0,1)_relu_last_std"] > 1e6


def test_zero_init_is_all_zero_and_symmetric(metrics: dict) -> None:
    assert metrics["zero_tanh_last_std"] == metrics["zero_relu_last_std"] == 0.0
    assert metrics["zero_init_unit_spread"] == 0.0
    assert metrics["xavier_init_unit_spread"] > 0.1


@pytest.mark.parametrize("steps", [1, 25])
def test_symmetry_survives_training(steps: int) -> None:
    assert unit_spread_after_training("zero", steps=steps) == 0.0
    assert unit_spread_after_training("He", steps=steps) > 0.0


def test_stats_have_one_entry_per_layer() -> None:
    stds, saturated = activation_stats("He", "relu", 3, 16)
    assert len(stds) == len(saturated) == 3
