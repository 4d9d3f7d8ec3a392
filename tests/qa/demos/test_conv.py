"""conv: the output-size and cost formulas against real nn.Conv2d layers."""
from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from kg.errors import ParameterError
from qa.demos import run_demo
from qa.demos.conv import conv_out, conv_weights


def test_known_answers() -> None:
    assert conv_out(32, 3, 1, 1) == 32
    assert conv_out(7, 3, 2) == 3
    assert conv_out(224, 7, 2, 3) == 112  # ResNet stem
    assert conv_out(10, 3, 1, 0, dilation=2) == 6
    assert conv_weights(128, 256, 5) == 819_200
    assert conv_weights(64, 128, 3, bias=True) == 73_856


@pytest.mark.parametrize("size, k, s, p, d", [
    c for c in itertools.product((5, 8, 13), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2))
    if c[4] * (c[1] - 1) + 1 <= c[0] + 2 * c[3]
])
def test_formula_matches_conv2d(size: int, k: int, s: int, p: int, d: int) -> None:
    with torch.no_grad():
        out = nn.Conv2d(1, 1, k, s, p, d)(torch.zeros(1, 1, size, size))
    assert conv_out(size, k, s, p, d) == out.shape[-1]


@pytest.mark.parametrize("params, expected", [
    ({}, 32),
    ({"stride": 2}, 16),
    ({"in_size": 7, "kernel": 3, "stride": 2, "padding": 0}, 3),
    ({"in_size": 64, "kernel": 11, "stride": 4, "padding": 2}, 15),  # AlexNet-like
    ({"in_size": 20, "kernel": 3, "padding": 2, "dilation": 2}, 20),
])
def test_demo_reports_formula_and_measurement(params: dict[str, int], expected: int) -> None:
    metrics = run_demo("conv_output_size", **params).metrics
    assert metrics["formula"] == metrics["measured"] == expected
    assert metrics["grid_matched"] == metrics["grid_total"] > 0
    assert metrics["all_match"] is True


def test_kernel_larger_than_padded_input_is_rejected() -> None:
    with pytest.raises(ParameterError, match="padded input is only 6"):
        run_demo("conv_output_size", in_size=4, kernel=7, padding=1)


@pytest.mark.parametrize("c1, c, k, size, stride, bias", [
    (64, 128, 3, 32, 1, True), (3, 16, 5, 17, 2, False), (1, 1, 1, 1, 1, True),
])
def test_params_and_macs_match_hand_count_and_flop_counter(
    c1: int, c: int, k: int, size: int, stride: int, bias: bool
) -> None:
    metrics = run_demo("conv_params_flops", in_channels=c1, out_channels=c, kernel=k,
                       in_size=size, stride=stride, bias=bias).metrics
    out = (size + 2 * (k // 2) - k) // stride + 1
    assert metrics["params_formula"] == metrics["params_measured"] == c1 * k * k * c + bias * c
    assert metrics["macs_formula"] == metrics["macs_measured"] == out * out * c1 * k * k * c
    # torch's own FLOP counter (2 FLOPs per multiply-add) as a third opinion.
    layer = nn.Conv2d(c1, c, k, stride, k // 2, bias=bias)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        layer(torch.zeros(1, c1, size, size))
    assert counter.get_total_flops() == 2 * metrics["macs_measured"]
