"""activation: derivative ranges, and vanishing gradients in a deep sigmoid MLP."""
from __future__ import annotations

import pytest
import torch

from qa.demos import run_demo
from qa.demos.activation import activation_derivative, layer_grad_norms


def test_autograd_derivative_matches_the_closed_form() -> None:
    x = torch.linspace(-5, 5, 101)
    s = torch.sigmoid(x)
    assert torch.allclose(activation_derivative(torch.sigmoid, x), s * (1 - s), atol=1e-7)
    assert torch.allclose(activation_derivative(torch.tanh, x), 1 - torch.tanh(x) ** 2,
                          atol=1e-6)


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_derivative_ranges(slope: float) -> None:
    m = run_demo("activation_gradients", negative_slope=slope, depth=4).metrics
    assert m["sigmoid_grad_max"] == pytest.approx(0.25, abs=1e-6)
    assert m["tanh_grad_max"] == pytest.approx(1.0, abs=1e-6)
    assert m["relu_grad_values"] == [0.0, 1.0]
    assert m["leaky_relu_grad_values"] == [pytest.approx(slope), 1.0]


def test_sigmoid_gradients_vanish_relu_ones_do_not() -> None:
    m = run_demo("activation_gradients").metrics  # 20 layers
    assert m["sigmoid_first_over_last"] < 1e-6
    assert m["relu_first_over_last"] > 1e-2
    assert m["first_layer_grad"]["ReLU"] / m["first_layer_grad"]["sigmoid"] > 1e6


def test_depth_makes_it_worse() -> None:
    shallow = layer_grad_norms(torch.sigmoid, 5, 32)
    deep = layer_grad_norms(torch.sigmoid, 15, 32)
    assert deep[0] / deep[-1] < shallow[0] / shallow[-1]
