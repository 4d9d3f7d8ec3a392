"""upsampling: overlap counts of transposed convolutions (checkerboard) vs even alternatives."""
from __future__ import annotations

import pytest
import torch

from qa.demos import run_demo
from qa.demos.upsampling import interior_ratio, overlap_counts


def _counts_by_hand(size: int, kernel: int, stride: int) -> torch.Tensor:
    """Per-axis count of inputs i with 0 <= o - i*stride < kernel, outer product for 2-D."""
    out = (size - 1) * stride + kernel
    axis = torch.tensor([sum(0 <= o - i * stride < kernel for i in range(size))
                         for o in range(out)], dtype=torch.float32)
    return torch.outer(axis, axis)


@pytest.mark.parametrize("kernel, stride", [(3, 2), (4, 2), (2, 2), (5, 3), (1, 1), (3, 1)])
def test_counts_match_a_hand_count(kernel: int, stride: int) -> None:
    assert torch.equal(overlap_counts(6, kernel, stride), _counts_by_hand(6, kernel, stride))


def test_kernel3_stride2_is_a_checkerboard_kernel4_and_resize_are_even() -> None:
    m = run_demo("transposed_conv_checkerboard").metrics
    assert m["ratio_chosen"] >= 2 and m["count_values"] == [1, 2, 4]
    assert m["ratio_divisible"] == 1.0
    assert m["ratio_resize_conv"] == 1.0


@pytest.mark.parametrize("kernel, stride", [(3, 2), (5, 2), (4, 3), (6, 4), (4, 2), (6, 3),
                                            (3, 3), (2, 4), (7, 4)])
def test_unevenness_iff_kernel_not_divisible_by_stride(kernel: int, stride: int) -> None:
    ratio = interior_ratio(overlap_counts(8, kernel, stride), kernel - 1)
    if kernel % stride == 0:
        assert ratio == 1.0
    else:
        # Either some pixels get fewer writes, or (kernel < stride) some get none.
        assert ratio is None or ratio > 1.0


def test_demo_compares_against_even_alternatives() -> None:
    m = run_demo("transposed_conv_checkerboard", kernel=5, stride=3, size=12).metrics
    assert m["ratio_chosen"] is not None and m["ratio_chosen"] > 1.0
    assert m["kernel_divisible_by_stride"] is False
    assert m["ratio_divisible"] == m["ratio_resize_conv"] == 1.0


def test_interior_ratio_examples() -> None:
    assert interior_ratio(torch.tensor([[1.0, 4.0], [4.0, 1.0]]), 0) == 4.0
    assert interior_ratio(torch.ones(3, 3), 1) == 1.0
    assert interior_ratio(torch.tensor([[0.0, 1.0]]), 0) is None
