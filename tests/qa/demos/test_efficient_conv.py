"""efficient_conv: 1x1 bottleneck, depthwise separable and group convolution costs."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from kg.errors import ParameterError
from qa.demos import run_demo
from qa.demos.efficient_conv import divisors, separable_ratio


def test_bottleneck_reproduces_the_notes_example() -> None:
    m = run_demo("one_by_one_bottleneck").metrics
    assert m["direct_weights"] == 128 * 5 * 5 * 256 == 819_200
    assert m["conv_weights"] == 32 * 5 * 5 * 256 == 204_800
    assert m["reduce_weights"] == 128 * 32 == 4_096
    assert m["bottleneck_weights"] == 208_896
    assert 3.9 < m["weight_ratio"] < 4.0
    assert m["direct_macs"] == 100 * 100 * 819_200
    assert m["direct_out_shape"] == m["bottleneck_out_shape"] == [256, 100, 100]


def test_bottleneck_counts_match_real_layers() -> None:
    m = run_demo("one_by_one_bottleneck", in_channels=16, out_channels=24, bottleneck=4,
                 kernel=3, in_size=10).metrics
    direct = nn.Conv2d(16, 24, 3, padding=1, bias=False)
    squeezed = nn.Sequential(nn.Conv2d(16, 4, 1, bias=False),
                             nn.Conv2d(4, 24, 3, padding=1, bias=False))
    assert m["direct_weights"] == sum(p.numel() for p in direct.parameters())
    assert m["bottleneck_weights"] == sum(p.numel() for p in squeezed.parameters())
    x = torch.zeros(1, 16, 10, 10)
    assert list(direct(x).shape[1:]) == list(squeezed(x).shape[1:]) == m["bottleneck_out_shape"]


@pytest.mark.parametrize("c_in, c_out, k", [(32, 64, 3), (3, 1, 5), (256, 256, 7), (8, 8, 1)])
def test_separable_ratio_is_one_over_cout_plus_one_over_k2(c_in: int, c_out: int, k: int) -> None:
    m = run_demo("depthwise_separable", in_channels=c_in, out_channels=c_out, kernel=k,
                 in_size=16).metrics
    assert m["separable_params"] == c_in * k * k + c_in * c_out
    assert m["param_ratio"] == pytest.approx(1 / c_out + 1 / k**2)
    assert m["mac_ratio"] == pytest.approx(separable_ratio(c_out, k))
    assert m["standard_out_shape"] == m["separable_out_shape"] == [c_out, 16, 16]


@pytest.mark.parametrize("groups", [1, 2, 4, 16, 64])
def test_groups_divide_the_parameters(groups: int) -> None:
    m = run_demo("group_conv", channels=64, groups=groups, kernel=3).metrics
    assert m["ratio"] == groups
    assert m["group_params"] == 64 * 64 * 9 // groups
    assert m["slice_max_diff"] < 1e-5
    assert m["is_depthwise"] is (groups == 64)


def test_groups_equal_channels_is_a_depthwise_conv() -> None:
    m = run_demo("group_conv", channels=8, groups=8, kernel=3).metrics
    assert m["weight_shape"] == [8, 1, 3, 3]
    # Independently: each output channel depends on its own input channel only.
    conv = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
    x = torch.randn(1, 8, 5, 5, requires_grad=True)
    conv(x)[0, 3].sum().backward()
    assert x.grad is not None
    touched = x.grad.abs().sum(dim=(0, 2, 3)).nonzero().flatten().tolist()
    assert touched == [3]


def test_group_count_must_divide_channels() -> None:
    assert divisors(12) == [1, 2, 3, 4, 6, 12]
    with pytest.raises(ParameterError, match="choose one of 1, 2, 4, 8"):
        run_demo("group_conv", channels=8, groups=3)
