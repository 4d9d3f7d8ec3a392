"""Pooling: how gradients flow back through max/mean pooling, and the GAP head.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from torch import nn

from kg.errors import ParameterError
from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param, ParamValue
from qa.demos._plot import new_figure
from qa.demos._probe import layer_cost

__all__ = ["DEMOS", "pooling_grads"]


def pooling_grads(x: torch.Tensor, kernel: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Input gradients of ``sum(max_pool(x))`` and ``sum(avg_pool(x))`` for a 2-D map ``x``.

    Example: for a 2x2 map and kernel 2 the max gradient is one-hot, the mean one is 0.25s.
    """
    grads = []
    for pool in (F.max_pool2d, F.avg_pool2d):
        leaf = x.detach().clone()[None, None].requires_grad_(True)
        pool(leaf, kernel).sum().backward()
        assert leaf.grad is not None
        grads.append(leaf.grad[0, 0])
    return grads[0], grads[1]


def _annotate(ax: Axes, data: torch.Tensor, middle: float) -> None:
    """Write each cell's value, dark on bright cells and light on dark ones."""
    for r in range(data.shape[0]):
        for c in range(data.shape[1]):
            value = float(data[r, c])
            ax.text(c, r, f"{value:.2g}", ha="center", va="center", fontsize=7,
                    color="black" if value > middle else "white")


def _check_divides(values: Mapping[str, ParamValue]) -> None:
    size, k = int(values["size"]), int(values["kernel"])
    if size % k:
        options = ", ".join(str(n) for n in range(k, 17, k))
        raise ParameterError(f"size={size} must be a multiple of kernel={k}: choose {options}")


def _pooling(size: int, kernel: int) -> DemoResult:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(size, size, generator=generator)
    g_max, g_avg = pooling_grads(x, kernel)
    windows = size // kernel
    per_window = g_max.reshape(windows, kernel, windows, kernel).ne(0).sum(dim=(1, 3))
    argmax_ok = bool(torch.equal(
        F.max_pool2d(x[None, None], kernel)[0, 0],
        (x * g_max).reshape(windows, kernel, windows, kernel).sum(dim=(1, 3)),
    ))
    fig, axes = new_figure(3)
    panels = ((x, "input x", None), (g_max, "grad through max pool", 1.0),
              (g_avg, "grad through mean pool", 1.0))
    for ax, (data, title, top) in zip(axes, panels, strict=True):
        # Gradient maps share the 0..1 colour scale, so 0.25 looks dimmer than 1.
        low = float(data.min()) if top is None else 0.0
        high = float(data.max()) if top is None else top
        ax.imshow(data.numpy(), cmap="viridis", vmin=low, vmax=high)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        for edge in range(0, size + 1, kernel):
            ax.axhline(edge - 0.5, color="red", lw=1.0)
            ax.axvline(edge - 0.5, color="red", lw=1.0)
        if size <= 8:
            _annotate(ax, data, (low + high) / 2)
    text = (
        f"With an upstream gradient of 1 per pooled output ({kernel}x{kernel} windows): max "
        f"pooling sends it to exactly one input per window (the argmax) and 0 elsewhere; mean "
        f"pooling gives each of the {kernel * kernel} inputs 1/{kernel * kernel} = "
        f"{1 / kernel**2:g}. Both preserve the gradient sum ({float(g_max.sum()):g} = "
        f"{float(g_avg.sum()):g} = number of windows)."
    )
    metrics = {
        "max_nonzero_per_window": sorted({int(n) for n in per_window.flatten()}),
        "max_grad_values": sorted({float(v) for v in g_max.flatten()}),
        "avg_grad_values": sorted({float(v) for v in g_avg.flatten()}),
        "max_grad_sum": float(g_max.sum()),
        "avg_grad_sum": float(g_avg.sum()),
        "windows": windows * windows,
        "max_grad_at_argmax": argmax_ok,
    }
    return DemoResult(text, metrics, fig)


class _Unset(nn.Linear):
    """A Linear layer whose weights are allocated but not initialised (counting only)."""

    def reset_parameters(self) -> None:
        pass


def _gap_vs_fc(channels: int, spatial: int, classes: int) -> DemoResult:
    # The FC head holds up to 25M weights; _Unset skips their random initialisation, and
    # layer_cost only reads shapes (empty batch), so the garbage values are never used.
    fc = nn.Sequential(nn.Flatten(), _Unset(channels * spatial * spatial, classes))
    gap = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes))
    shape = (channels, spatial, spatial)
    fc_cost, gap_cost = layer_cost(fc, shape), layer_cost(gap, shape)
    # A GAP head accepts any spatial size; a flatten+FC head only the size it was built for.
    other = (channels, spatial + 2, spatial + 2)
    gap_other = layer_cost(gap, other).out_shape == (classes,)
    try:
        layer_cost(fc, other)
        fc_other = True
    except (RuntimeError, ValueError):
        fc_other = False
    fig, (ax,) = new_figure()
    bars = ax.bar(["flatten + FC", "GAP + FC"], [fc_cost.params, gap_cost.params],
                  color=["tab:red", "tab:blue"])
    ax.bar_label(bars, labels=[f"{fc_cost.params:,}", f"{gap_cost.params:,}"], fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("classifier head")
    ax.set_ylabel("parameters")
    ax.set_title(f"{channels} x {spatial} x {spatial} features -> {classes} classes", fontsize=9)
    text = (
        f"On a {channels}x{spatial}x{spatial} feature map with {classes} classes, flatten + FC "
        f"needs {fc_cost.params:,} parameters; global average pooling + FC needs "
        f"{gap_cost.params:,} ({fc_cost.params / gap_cost.params:.1f}x fewer, about "
        f"{spatial}*{spatial} = {spatial * spatial}). The GAP head also accepts other input "
        f"sizes ({gap_other}); the FC head does not ({fc_other})."
    )
    metrics = {
        "fc_params": fc_cost.params,
        "gap_params": gap_cost.params,
        "ratio": fc_cost.params / gap_cost.params,
        "gap_accepts_other_size": gap_other,
        "fc_accepts_other_size": fc_other,
    }
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="pooling_backward",
        title_en="Backward pass of max and mean pooling",
        title_zh="最大池化与平均池化的反向传播",
        claim_en="Max pooling routes each gradient to the argmax; mean pooling splits it evenly.",
        claim_zh="最大池化把梯度只传给最大值位置；平均池化把梯度平均分给窗口内所有位置。",
        concepts=("pooling", "max_pooling", "average_pooling", "downsampling"),
        params=(
            Param("size", "int", 4, 2, 16, help="input height = width", help_zh="输入边长"),
            Param("kernel", "int", 2, 2, 4, help="window = stride", help_zh="窗口大小 = 步长"),
        ),
        fn=_pooling,
        check=_check_divides,
    ),
    Demo(
        id="gap_vs_fc_params",
        title_en="Global average pooling head vs fully connected head",
        title_zh="全局平均池化与全连接分类头",
        claim_en="A GAP head needs about H*W times fewer parameters than flatten + FC.",
        claim_zh="全局平均池化分类头的参数量约为展平 + 全连接的 1/(H*W)。",
        concepts=("global_average_pooling", "fully_connected_layer", "parameter_count",
                  "average_pooling", "overfitting"),
        params=(
            Param("channels", "int", 512, 1, 512, help="feature channels C",
                  help_zh="特征通道数 C"),
            Param("spatial", "int", 7, 1, 7, help="feature map height = width",
                  help_zh="特征图边长"),
            Param("classes", "int", 1000, 2, 1000, help="number of classes", help_zh="类别数"),
        ),
        fn=_gap_vs_fc,
    ),
)
