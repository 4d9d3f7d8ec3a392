"""regularization: inverted dropout keeps the mean; label smoothing bounds the logit gap."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from qa.demos import run_demo
from qa.demos.regularization import optimal_smoothed_gap, smooth_targets


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9])
def test_inverted_dropout_scales_kept_units(p: float) -> None:
    m = run_demo("dropout_scaling", p=p, units=100_000).metrics
    assert m["kept_scale_min"] == pytest.approx(1 / (1 - p), rel=1e-6)
    assert m["kept_scale_max"] == pytest.approx(1 / (1 - p), rel=1e-6)
    assert m["kept_fraction"] == pytest.approx(1 - p, abs=0.01)
    assert m["mean_ratio"] == pytest.approx(1.0, abs=0.03)
    assert m["eval_is_identity"] is True


def test_smoothed_targets_known_answer() -> None:
    t = smooth_targets(torch.tensor([0]), 4, 0.2)
    assert t.tolist() == [pytest.approx([0.85, 0.05, 0.05, 0.05])]


@pytest.mark.parametrize("eps, k", [(0.1, 5), (0.3, 2), (0.5, 20), (0.0, 3)])
def test_smoothed_cross_entropy_matches_torch(eps: float, k: int) -> None:
    m = run_demo("label_smoothing", epsilon=eps, classes=k, steps=5).metrics
    assert m["target_sum_max_dev"] < 1e-6
    assert m["target_true"] == pytest.approx(1 - eps + eps / k)
    assert m["ce_manual"] == pytest.approx(m["ce_torch"], abs=1e-5)


def test_optimal_gap_reproduces_the_smoothed_target() -> None:
    k, eps = 5, 0.1
    gap = optimal_smoothed_gap(k, eps)
    probs = F.softmax(torch.tensor([gap] + [0.0] * (k - 1), dtype=torch.float64), dim=0)
    expected = smooth_targets(torch.tensor([0]), k, eps)[0].double()
    assert torch.allclose(probs, expected, atol=1e-6)


def test_smoothing_keeps_the_logit_gap_small() -> None:
    m = run_demo("label_smoothing").metrics
    assert m["gap_smooth"] < m["gap_hard"] - 2
    assert m["gap_smooth"] == pytest.approx(m["gap_optimum"], abs=0.2)
    assert m["accuracy_hard"] == m["accuracy_smooth"] == 1.0


def test_zero_epsilon_is_plain_cross_entropy() -> None:
    m = run_demo("label_smoothing", epsilon=0.0, steps=20).metrics
    assert m["gap_smooth"] == m["gap_hard"]
    assert m["gap_optimum"] is None
