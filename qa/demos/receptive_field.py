"""Receptive fields measured by back-propagation from a single output pixel.

The receptive field of an output is exactly the set of input pixels with a nonzero gradient
(with all-ones weights nothing can cancel). So we build small single-channel stacks, pick
one output, call ``backward`` and count the support.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._plot import new_figure
from qa.demos._probe import input_gradient, layer_cost, nonzero_extent, ones_conv

__all__ = ["DEMOS", "ones_stack", "theoretical_rf"]


def theoretical_rf(kernels: Sequence[int], strides: Sequence[int], dilations: Sequence[int]) -> int:
    """Receptive field of a conv stack: ``r += d*(k-1) * jump; jump *= s`` per layer.

    Example: two 3x3 stride-1 layers -> 5; three 3x3 stride-2 layers -> 15.
    """
    rf, jump = 1, 1
    for k, s, d in zip(kernels, strides, dilations, strict=True):
        rf += d * (k - 1) * jump
        jump *= s
    return rf


def ones_stack(kernels: Sequence[int], strides: Sequence[int], dilations: Sequence[int],
               same: bool = False) -> nn.Sequential:
    """Single-channel conv stack with all-ones weights; ``same`` pads to keep the size."""
    return nn.Sequential(*(
        ones_conv(nn.Conv2d(1, 1, k, stride=s, dilation=d, bias=False,
                            padding=d * (k - 1) // 2 if same else 0))
        for k, s, d in zip(kernels, strides, dilations, strict=True)
    ))


def _centre(y: torch.Tensor) -> torch.Tensor:
    return y[0, 0, y.shape[-2] // 2, y.shape[-1] // 2]


def _heatmap(fig: Figure, ax: Axes, grad: torch.Tensor, title: str) -> None:
    image = ax.imshow(grad.numpy(), cmap="viridis")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("input column")
    ax.set_ylabel("input row")
    fig.colorbar(image, ax=ax, shrink=0.8, label="paths to the output pixel")


def _stacked(n: int, channels: int) -> DemoResult:
    big = 2 * n + 1
    size = 2 * big + 1
    stacked = input_gradient(ones_stack([3] * n, [1] * n, [1] * n), size, _centre)
    single = input_gradient(ones_stack([big], [1], [1]), size, _centre)
    rf_stacked, rf_single = nonzero_extent(stacked)[0], nonzero_extent(single)[0]
    shape = (channels, big, big)
    p_stacked = layer_cost(nn.Sequential(*(nn.Conv2d(channels, channels, 3, bias=False)
                                           for _ in range(n))), shape).params
    p_single = layer_cost(nn.Conv2d(channels, channels, big, bias=False), shape).params
    centre, corner = float(stacked.max()), float(stacked[stacked > 0].min())
    fig, (left, right) = new_figure(2)
    _heatmap(fig, left, stacked, f"{n} stacked 3x3: RF {rf_stacked}x{rf_stacked}")
    _heatmap(fig, right, single, f"one {big}x{big}: RF {rf_single}x{rf_single}")
    text = (
        f"Back-propagating from one output pixel: {n} stacked 3x3 convs reach a "
        f"{rf_stacked}x{rf_stacked} input window, the same as one {big}x{big} conv "
        f"({rf_single}x{rf_single}), with {p_stacked:,} instead of {p_single:,} weights at "
        f"{channels} channels ({n}*9*C^2 vs {big}^2*C^2) and {n} nonlinearities instead of one. "
        f"The stack weighs the centre {centre / corner:g}x more than the corners."
    )
    metrics = {
        "rf_stacked": rf_stacked,
        "rf_single": rf_single,
        "params_stacked": p_stacked,
        "params_single": p_single,
        "param_ratio": p_stacked / p_single,
        "centre_to_corner_paths": centre / corner,
    }
    return DemoResult(text, metrics, fig)


_STACKS = {
    "plain (3x3, stride 1)": (1, False),
    "strided (3x3, stride 2)": (2, False),
    "dilated (3x3, dilation 2^l)": (1, True),
}


def _growth(depth: int) -> DemoResult:
    depths = list(range(1, depth + 1))
    measured: dict[str, list[int]] = {}
    theory: dict[str, list[int]] = {}
    for name, (stride, dilated) in _STACKS.items():
        dil = [2**i if dilated else 1 for i in range(depth)]
        theory[name] = [theoretical_rf([3] * d, [stride] * d, dil[:d]) for d in depths]
        # A fresh stack per depth, on an input just larger than the expected field (so a
        # wrong formula would show), back-propagated from the top-left output pixel.
        measured[name] = [
            nonzero_extent(input_gradient(ones_stack([3] * d, [stride] * d, dil[:d]),
                                          rf + 4, lambda y: y[0, 0, 0, 0]))[0]
            for d, rf in zip(depths, theory[name], strict=True)
        ]
    fig, (ax,) = new_figure()
    for (name, rfs), style in zip(measured.items(), ("o-", "s--", "^:"), strict=True):
        ax.plot(depths, rfs, style, label=f"{name}: {rfs[-1]}")
    ax.plot(depths, theory["plain (3x3, stride 1)"], "k", lw=0.5, alpha=0.5,
            label="formula (thin line)")
    ax.plot(depths, theory["strided (3x3, stride 2)"], "k", lw=0.5, alpha=0.5)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("depth (number of 3x3 layers)")
    ax.set_ylabel("receptive field (pixels per side)")
    ax.legend(fontsize=8)
    names = list(measured)
    text = (
        f"After {depth} layers of 3x3 convs the receptive field is "
        f"{measured[names[0]][-1]} (plain, grows by 2 per layer), {measured[names[1]][-1]} "
        f"(stride 2 every layer) and {measured[names[2]][-1]} (dilation 1, 2, 4, ...): "
        "striding or dilating makes it grow exponentially; dilation does so without "
        "shrinking the feature map."
    )
    metrics = {
        "depths": depths,
        "plain": measured[names[0]],
        "strided": measured[names[1]],
        "dilated": measured[names[2]],
        "theory_match": measured == theory,
    }
    return DemoResult(text, metrics, fig)


def _touched(dilations: list[int]) -> torch.Tensor:
    rf = theoretical_rf([3] * len(dilations), [1] * len(dilations), dilations)
    size = rf + 4 + (rf + 4) % 2 + 1  # odd, so the centre pixel is well defined
    grad = input_gradient(ones_stack([3] * len(dilations), [1] * len(dilations), dilations,
                                     same=True), size, _centre)
    return grad != 0


def _fraction_in_box(mask: torch.Tensor) -> float:
    h, w = nonzero_extent(mask.float())
    return float(mask.sum()) / (h * w)


def _gridding(layers: int, dilation: int) -> DemoResult:
    gridded = _touched([dilation] * layers)
    mixed_rates = [1 + i % 3 for i in range(layers)]
    mixed = _touched(mixed_rates)
    c = gridded.shape[0] // 2
    rows, cols = torch.nonzero(gridded, as_tuple=True)
    on_grid = bool(((rows - c) % dilation == 0).all() and ((cols - c) % dilation == 0).all())
    f_grid, f_mixed = _fraction_in_box(gridded), _fraction_in_box(mixed)
    fig, (left, right) = new_figure(2)
    for ax, mask, title in (
        (left, gridded, f"{layers} x dilation {dilation}: {f_grid:.0%} touched"),
        (right, mixed, f"dilations {mixed_rates}: {f_mixed:.0%} touched"),
    ):
        ax.imshow(mask.numpy(), cmap="Greys", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("input column")
        ax.set_ylabel("input row")
    rf = nonzero_extent(gridded.float())[0]
    text = (
        f"{layers} stacked 3x3 convs with dilation {dilation} span a {rf}x{rf} window but read "
        f"only {f_grid:.0%} of it: every touched pixel sits on a grid of step {dilation} "
        f"(gridding). Mixing rates {mixed_rates} reads {f_mixed:.0%} of its window."
    )
    metrics = {
        "gridded_fraction": f_grid,
        "mixed_fraction": f_mixed,
        "gridded_rf": rf,
        "mixed_rf": nonzero_extent(mixed.float())[0],
        "touched_on_grid": on_grid,
        "mixed_rates": mixed_rates,
    }
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="stacked_3x3_receptive_field",
        title_en="Stacked 3x3 convolutions vs one large kernel",
        title_zh="堆叠 3x3 卷积与大卷积核的感受野",
        claim_en="n stacked 3x3 convs see (2n+1)x(2n+1) pixels like one big kernel, with fewer "
                 "weights.",
        claim_zh="n 个 3x3 卷积堆叠的感受野为 (2n+1)x(2n+1)，与一个大卷积核相同但参数更少。",
        concepts=("receptive_field", "effective_receptive_field", "convolution_factorization",
                  "vgg", "parameter_count"),
        params=(
            Param("n", "int", 2, 1, 6, help="number of stacked 3x3 convs", help_zh="堆叠层数 n"),
            Param("channels", "int", 64, 1, 256, help="channels C for the parameter count",
                  help_zh="计算参数量用的通道数 C"),
        ),
        fn=_stacked,
    ),
    Demo(
        id="receptive_field_growth",
        title_en="Receptive field growth with depth",
        title_zh="感受野随深度的增长",
        claim_en="RF grows linearly in plain stacks and exponentially with stride or dilation.",
        claim_zh="普通堆叠的感受野线性增长；加步长或空洞卷积则指数增长。",
        concepts=("receptive_field", "enlarge_receptive_field", "dilated_convolution", "stride",
                  "downsampling"),
        params=(Param("depth", "int", 6, 1, 8, help="number of layers", help_zh="层数"),),
        fn=_growth,
    ),
    Demo(
        id="dilated_conv_gridding",
        title_en="Gridding in stacked dilated convolutions",
        title_zh="堆叠空洞卷积的网格效应",
        claim_en="Stacked convs with one dilation rate read only a sparse grid of their window.",
        claim_zh="相同空洞率的卷积堆叠只读取感受野内稀疏的网格点。",
        concepts=("dilated_convolution", "receptive_field", "enlarge_receptive_field"),
        params=(
            Param("layers", "int", 2, 1, 4, help="number of stacked 3x3 convs",
                  help_zh="堆叠层数"),
            Param("dilation", "int", 2, 2, 4, help="dilation rate of every layer",
                  help_zh="每层的空洞率"),
        ),
        fn=_gridding,
    ),
)
