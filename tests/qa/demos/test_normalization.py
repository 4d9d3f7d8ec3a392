"""normalization: batch norm's two modes and spectral norm's power iteration."""
from __future__ import annotations

import pytest
import torch

from qa.demos import run_demo
from qa.demos.normalization import power_iteration


def test_train_mode_standardises_each_channel() -> None:
    m = run_demo("batchnorm_train_eval").metrics
    assert m["train_mean_abs_max"] < 1e-4
    assert m["train_std_min"] == pytest.approx(1, abs=1e-3)
    assert m["train_std_max"] == pytest.approx(1, abs=1e-3)


def test_eval_mode_uses_running_statistics() -> None:
    m = run_demo("batchnorm_train_eval", channels=3, warmup=100).metrics
    assert m["eval_formula_max_err"] < 1e-5
    assert m["eval_vs_train_max_diff"] > 0.01
    # The running means approach the true channel means 2c + 1.
    assert m["running_mean"] == pytest.approx([1, 3, 5], abs=0.3)


def test_tiny_batches_have_noisy_statistics() -> None:
    m = run_demo("batchnorm_train_eval").metrics
    assert m["batch_mean_std_2"] > 3 * m["batch_mean_std_64"]
    # The noise follows sigma / sqrt(B) with sigma = 0.5 for channel 0.
    assert m["batch_mean_std_2"] == pytest.approx(0.5 / 2**0.5, rel=0.2)


def test_power_iteration_on_a_diagonal_matrix() -> None:
    estimates = power_iteration(torch.diag(torch.tensor([3.0, 1.0])), 10,
                                torch.Generator().manual_seed(0))
    assert estimates[-1] == pytest.approx(3.0, rel=1e-6)


@pytest.mark.parametrize("rows, cols", [(32, 16), (8, 64), (2, 2)])
def test_power_iteration_converges_to_the_largest_singular_value(rows: int, cols: int) -> None:
    m = run_demo("spectral_norm_power_iteration", rows=rows, cols=cols, iterations=40).metrics
    assert m["sigma_power"] == pytest.approx(m["sigma_svd"], rel=1e-6)
    assert m["errors"][-1] <= m["errors"][0]
    assert m["normalised_sigma"] == pytest.approx(1.0, abs=1e-3)
