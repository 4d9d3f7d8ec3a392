"""pooling: gradient routing through max/mean pooling, and the GAP head's size."""
from __future__ import annotations

import pytest
import torch

from qa.demos import run_demo
from qa.demos.pooling import pooling_grads


def test_hand_built_window() -> None:
    g_max, g_avg = pooling_grads(torch.tensor([[1.0, 3.0], [2.0, 0.0]]), 2)
    assert g_max.tolist() == [[0.0, 1.0], [0.0, 0.0]]
    assert g_avg.tolist() == [[0.25, 0.25], [0.25, 0.25]]


@pytest.mark.parametrize("size, kernel", [(4, 2), (8, 2), (6, 3), (16, 4)])
def test_max_routes_to_argmax_and_mean_splits_evenly(size: int, kernel: int) -> None:
    m = run_demo("pooling_backward", size=size, kernel=kernel).metrics
    assert m["max_nonzero_per_window"] == [1]
    assert m["max_grad_values"] == [0.0, 1.0]
    assert m["max_grad_at_argmax"] is True
    assert m["avg_grad_values"] == [pytest.approx(1 / kernel**2)]
    assert m["max_grad_sum"] == m["avg_grad_sum"] == pytest.approx(m["windows"])
    assert m["windows"] == (size // kernel) ** 2


@pytest.mark.parametrize("c, s, k", [(512, 7, 1000), (64, 4, 10), (8, 1, 2)])
def test_gap_head_is_hw_times_smaller(c: int, s: int, k: int) -> None:
    m = run_demo("gap_vs_fc_params", channels=c, spatial=s, classes=k).metrics
    assert m["fc_params"] == c * s * s * k + k
    assert m["gap_params"] == c * k + k
    assert m["ratio"] == pytest.approx((c * s * s + 1) / (c + 1))
    assert m["gap_accepts_other_size"] is True
    assert m["fc_accepts_other_size"] is False
