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

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang
from qa.demos._probe import ones_conv

__all__ = ["LABELS", "RUNNERS", "interior_ratio", "overlap_counts", "resize_conv_counts"]


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


def _show(fig: Figure, ax: Axes, counts: torch.Tensor, title: str, lang: str) -> None:
    image = ax.imshow(counts.numpy(), cmap="magma", vmin=0)
    ax.set_title(title, fontsize=8)
    ax.set_xlabel(pick(lang, "output column", "输出列"))
    ax.set_ylabel(pick(lang, "output row", "输出行"))
    fig.colorbar(image, ax=ax, shrink=0.6, label=pick(lang, "overlap count", "重叠次数"))


def _fmt(ratio: float | None, lang: str) -> str:
    if ratio is None:
        return pick(lang, "holes (some pixels get 0)", "有空洞（部分像素为 0）")
    return pick(lang, "max/min", "最大/最小") + f" {ratio:g}"


def _checkerboard(kernel: int, stride: int, size: int, lang: str = "en") -> DemoResult:
    even_k = 2 * stride
    chosen = overlap_counts(size, kernel, stride)
    even = overlap_counts(size, even_k, stride)
    resize = resize_conv_counts(size, stride)
    # The first k-1 pixels on each side are only partly covered by any kernel: skip them.
    r_chosen = interior_ratio(chosen, kernel - 1)
    r_even = interior_ratio(even, even_k - 1)
    r_resize = interior_ratio(resize, 1)
    fl = plot_lang(lang)
    fig, axes = new_figure(3)
    _show(fig, axes[0], chosen, f"ConvT k={kernel}, s={stride}\n{_fmt(r_chosen, fl)}", fl)
    _show(fig, axes[1], even, f"ConvT k={even_k}, s={stride}\n{_fmt(r_even, fl)}", fl)
    _show(fig, axes[2], resize, pick(fl, f"nearest x{stride} + 3x3 conv", f"最近邻 x{stride} + 3x3 卷积")
          + f"\n{_fmt(r_resize, fl)}", fl)
    divisible = kernel % stride == 0
    uneven = r_chosen != 1.0
    summary = pick(
        lang,
        f"How often a transposed conv with kernel {kernel} and stride {stride} writes each "
        f"interior output pixel: {_fmt(r_chosen, lang)}. With kernel {even_k} = 2*stride: "
        f"{_fmt(r_even, lang)}; nearest resize followed by a 3x3 conv: {_fmt(r_resize, lang)}.",
        f"核 {kernel}、步长 {stride} 的转置卷积写入内部输出像素的次数：{_fmt(r_chosen, lang)}。"
        f"核为 {even_k} = 2*步长时：{_fmt(r_even, lang)}；先最近邻插值再 3x3 卷积：{_fmt(r_resize, lang)}。",
    )
    if divisible != uneven:
        text = pick(
            lang, f"{kernel} is {'' if divisible else 'not '}divisible by {stride} and the "
                  f"overlap is {'even' if divisible else 'uneven: a checkerboard'}, as the rule says.",
            f"{kernel} {'能' if divisible else '不能'}被 {stride} 整除，重叠"
            f"{'均匀' if divisible else '不均匀：出现棋盘格'}，与规律一致。")
        claims = [Claim("divisibility_rule", "shown", text)]
    else:
        claims = [Claim("divisibility_rule", "not_shown", pick(
            lang, f"kernel {kernel}, stride {stride} gives {_fmt(r_chosen, lang)}, against the rule.",
            f"核 {kernel}、步长 {stride} 得到 {_fmt(r_chosen, lang)}，与规律不符。"))]
    fixes_even = r_even == 1.0 and r_resize == 1.0
    claims.append(Claim("even_alternatives", "shown" if fixes_even else "not_shown", pick(
        lang, "kernel 2*stride and resize + conv both write every interior pixel equally often."
        if fixes_even else "an alternative is uneven too.",
        "核为 2*步长的转置卷积和先插值再卷积都使每个内部像素被写入相同次数。"
        if fixes_even else "替代方案也不均匀。")))
    metrics = {
        "ratio_chosen": r_chosen,
        "ratio_divisible": r_even,
        "ratio_resize_conv": r_resize,
        "kernel_divisible_by_stride": divisible,
        "out_size": int(chosen.shape[-1]),
        "count_values": sorted({int(v) for v in chosen.flatten()}),
    }
    return DemoResult(summary, metrics, fig, tuple(claims))


RUNNERS = {"transposed_conv_checkerboard": _checkerboard}

LABELS: dict[str, tuple[str, str]] = {
    "ratio_chosen": ("max/min overlap, your setting", "你的设置的最大/最小重叠比"),
    "ratio_divisible": ("max/min overlap, kernel 2*stride", "核为 2*步长时的最大/最小重叠比"),
    "ratio_resize_conv": ("max/min overlap, resize + conv", "插值 + 卷积的最大/最小重叠比"),
    "kernel_divisible_by_stride": ("kernel divisible by stride", "核大小能被步长整除"),
    "out_size": ("output side", "输出边长"),
    "count_values": ("overlap counts that occur", "出现的重叠次数"),
}
