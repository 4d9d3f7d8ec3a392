"""_probe: measurements on real modules agree with torch's FLOP counter and hand counts."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from qa.demos._probe import input_gradient, layer_cost, nonzero_extent, ones_conv


@pytest.mark.parametrize("module, shape", [
    (nn.Conv2d(3, 8, 3), (3, 10, 10)),
    (nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False), (8, 6, 6)),
    (nn.Sequential(nn.Conv2d(4, 2, 1), nn.ReLU(), nn.Conv2d(2, 5, 3, stride=2)), (4, 9, 9)),
    (nn.Sequential(nn.Flatten(), nn.Linear(12, 7)), (3, 2, 2)),
    (nn.ConvTranspose2d(2, 3, 3, stride=2), (2, 4, 4)),
])
def test_layer_cost_matches_flop_counter(module: nn.Module, shape: tuple[int, ...]) -> None:
    cost = layer_cost(module, shape)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = module(torch.zeros(1, *shape))
    assert cost.macs * 2 == counter.get_total_flops()
    assert cost.params == sum(p.numel() for p in module.parameters())
    assert cost.out_shape == tuple(out.shape[1:])


def test_known_conv_cost() -> None:
    assert layer_cost(nn.Conv2d(3, 8, 3, bias=False), (3, 10, 10)).macs == 8 * 8 * 8 * 27


def test_nonzero_extent() -> None:
    grad = torch.zeros(5, 5)
    grad[1:4, 2] = 1.0
    assert nonzero_extent(grad) == (3, 1)
    assert nonzero_extent(torch.zeros(3, 3)) == (0, 0)


def test_input_gradient_of_one_conv_is_its_window() -> None:
    conv = ones_conv(nn.Conv2d(1, 1, 3, bias=False))
    grad = input_gradient(conv, 7, lambda y: y[0, 0, 2, 2])
    assert nonzero_extent(grad) == (3, 3)
    assert grad.sum() == 9
