"""receptive_field: receptive fields found by back-propagation agree with the formulas."""
from __future__ import annotations

import pytest

from qa.demos import run_demo
from qa.demos.receptive_field import theoretical_rf


def test_theoretical_rf_known_answers() -> None:
    assert theoretical_rf([3, 3], [1, 1], [1, 1]) == 5
    assert theoretical_rf([3, 3, 3], [2, 2, 2], [1, 1, 1]) == 15
    assert theoretical_rf([3, 3, 3], [1, 1, 1], [1, 2, 4]) == 15
    assert theoretical_rf([7, 3], [2, 1], [1, 1]) == 11


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_n_stacked_3x3_see_like_one_big_kernel_with_fewer_weights(n: int) -> None:
    m = run_demo("stacked_3x3_receptive_field", n=n, channels=16).metrics
    assert m["rf_stacked"] == m["rf_single"] == 2 * n + 1
    assert m["params_stacked"] == n * 9 * 16**2
    assert m["params_single"] == (2 * n + 1) ** 2 * 16**2
    assert m["params_stacked"] < m["params_single"] or n == 1  # n = 1 is the same layer
    # The effective receptive field is peaked: the centre has the most paths.
    if n == 1:
        assert m["centre_to_corner_paths"] == 1
    else:
        assert m["centre_to_corner_paths"] > 1


def test_rf_grows_linearly_plain_and_exponentially_strided_or_dilated() -> None:
    m = run_demo("receptive_field_growth", depth=6).metrics
    assert m["theory_match"] is True
    assert m["plain"] == [1 + 2 * d for d in range(1, 7)]
    assert m["strided"] == [2 ** (d + 1) - 1 for d in range(1, 7)]
    assert m["dilated"] == m["strided"]


@pytest.mark.parametrize("layers, dilation", [(1, 2), (2, 2), (3, 2), (2, 3)])
def test_same_dilation_stack_reads_a_sparse_grid(layers: int, dilation: int) -> None:
    m = run_demo("dilated_conv_gridding", layers=layers, dilation=dilation).metrics
    side = 2 * layers * dilation + 1
    assert m["gridded_rf"] == side
    assert m["gridded_fraction"] == pytest.approx(((2 * layers + 1) / side) ** 2)
    assert m["touched_on_grid"] is True
    assert m["mixed_fraction"] == 1.0
