"""Upsampling: why transposed convolutions can paint checkerboards, and how to avoid it.

Feeding all-ones into a transposed conv with all-ones weights makes each output pixel equal
to the number of (input, kernel) pairs that write to it, i.e. the overlap count. Uneven
counts are the checkerboard pattern a trained layer must fight against.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._plot import new_figure
from qa.demos._probe import ones_conv

__all__ = ["DEMOS", "interior_ratio", "overlap_counts", "resize_conv_counts"]


def overlap_counts(size: int, kernel: int, stride: int) -> torch.Tensor:
    """Overlap count map of ``ConvTranspose2d(kernel, stride)`` on a ``size`` x ``size`` input.

    Example: kernel 3, stride 2 gives rows alternating 1, 2, 1, 2, ... (per axis).
    """
    layer = ones_conv(nn.ConvTranspose2d(1, 1, kernel, stride=stride, bias=False))
    with torch.no_grad():
        return layer(torch.ones(1, 1, size, size))[0, 0]


def resize_conv_counts(size: int, scale: int) -> torch.Tensor:
    """The same count map for nearest-neighbour resize by ``scale`` then a 3x3 conv."""
    layer = ones_conv(nn.Conv2d(1, 1, 3, padding=1, bias=False))
    with torch.no_grad():
        return layer(F.interpolate(torch.ones(1, 1, size, size), scale_factor=scale))[0, 0]


def interior_ratio(counts: torch.Tensor, border: int) -> float | None:
    """max/min of ``counts`` away from the ``border``; ``None`` if some pixel gets nothing.

    Example: a map alternating 1 and 4 -> 4.0; a constant map -> 1.0.
    """
    inner = counts[border:counts.shape[0] - border, border:counts.shape[1] - border]
    low = float(inner.min())
    return None if low == 0 else float(inner.max()) / low


def _show(fig: Figure, ax: Axes, counts: torch.Tensor, title: str) -> None:
    image = ax.imshow(counts.numpy(), cmap="magma", vmin=0)
    ax.set_title(title, fontsize=8)
    ax.set_xlabel("output column")
    ax.set_ylabel("output row")
    fig.colorbar(image, ax=ax, shrink=0.6, label="overlap count")


def _fmt(ratio: float | None) -> str:
    return "holes (some pixels get 0)" if ratio is None else f"max/min {ratio:g}"


def _checkerboard(kernel: int, stride: int, size: int) -> DemoResult:
    even_k = 2 * stride
    chosen = overlap_counts(size, kernel, stride)
    even = overlap_counts(size, even_k, stride)
    resize = resize_conv_counts(size, stride)
    # The first k-1 pixels on each side are only partly covered by any kernel: skip them.
    r_chosen = interior_ratio(chosen, kernel - 1)
    r_even = interior_ratio(even, even_k - 1)
    r_resize = interior_ratio(resize, 1)
    fig, axes = new_figure(3)
    _show(fig, axes[0], chosen, f"ConvT k={kernel}, s={stride}\n{_fmt(r_chosen)}")
    _show(fig, axes[1], even, f"ConvT k={even_k}, s={stride}\n{_fmt(r_even)}")
    _show(fig, axes[2], resize, f"nearest x{stride} + 3x3 conv\n{_fmt(r_resize)}")
    uneven = kernel % stride != 0
    text = (
        f"A transposed conv with kernel {kernel} and stride {stride} writes each output pixel "
        f"{'an uneven' if uneven else 'the same'} number of times "
        f"({_fmt(r_chosen)} in the interior)"
        f"{': a checkerboard' if uneven else ''}. With a kernel divisible by the stride "
        f"(k={even_k}) the interior is even ({_fmt(r_even)}), and nearest resize followed by "
        f"a conv is even by construction ({_fmt(r_resize)})."
    )
    metrics = {
        "ratio_chosen": r_chosen,
        "ratio_divisible": r_even,
        "ratio_resize_conv": r_resize,
        "kernel_divisible_by_stride": not uneven,
        "out_size": int(chosen.shape[-1]),
        "count_values": sorted({int(v) for v in chosen.flatten()}),
    }
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="transposed_conv_checkerboard",
        title_en="Transposed convolution and checkerboard artifacts",
        title_zh="转置卷积与棋盘格伪影",
        claim_en="Kernel 3, stride 2 overlaps unevenly (checkerboard); kernel 4 or resize+conv "
                 "is even.",
        claim_zh="核 3、步长 2 的转置卷积重叠不均匀（棋盘格）；核 4 或先插值再卷积则均匀。",
        concepts=("transposed_convolution", "checkerboard_artifacts", "upsampling"),
        params=(
            Param("kernel", "int", 3, 1, 7, help="transposed conv kernel size",
                  help_zh="转置卷积核大小"),
            Param("stride", "int", 2, 1, 4, help="upsampling stride", help_zh="上采样步长"),
            # size >= 8 keeps at least one full stride period inside the border for k <= 7.
            Param("size", "int", 8, 8, 32, help="input height = width", help_zh="输入边长"),
        ),
        fn=_checkerboard,
    ),
)
