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

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang
from qa.demos._probe import input_gradient, layer_cost, nonzero_extent, ones_conv

__all__ = ["LABELS", "MIN_GROWTH_DEPTH", "RUNNERS", "ones_stack", "theoretical_rf"]

# Linear and exponential growth agree up to two layers (3, 5 vs 3, 7): three tell them apart.
MIN_GROWTH_DEPTH = 3


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


def _heatmap(fig: Figure, ax: Axes, grad: torch.Tensor, title: str, lang: str) -> None:
    image = ax.imshow(grad.numpy(), cmap="viridis")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(pick(lang, "input column", "输入列"))
    ax.set_ylabel(pick(lang, "input row", "输入行"))
    fig.colorbar(image, ax=ax, shrink=0.8, label=pick(lang, "paths to the output pixel",
                                                      "到输出像素的路径数"))


def _stacked(n: int, channels: int, lang: str = "en") -> DemoResult:
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
    fl = plot_lang(lang)
    fig, (left, right) = new_figure(2)
    _heatmap(fig, left, stacked, pick(fl, f"{n} stacked 3x3: RF {rf_stacked}x{rf_stacked}",
                                      f"{n} 个 3x3 堆叠：感受野 {rf_stacked}x{rf_stacked}"), fl)
    _heatmap(fig, right, single, pick(fl, f"one {big}x{big}: RF {rf_single}x{rf_single}",
                                      f"一个 {big}x{big}：感受野 {rf_single}x{rf_single}"), fl)
    summary = pick(
        lang,
        f"Back-propagating from one output pixel: {n} stacked 3x3 convs reach a "
        f"{rf_stacked}x{rf_stacked} input window and one {big}x{big} conv a "
        f"{rf_single}x{rf_single} one. At {channels} channels the stack has {p_stacked:,} "
        f"weights ({n}*9*C^2) and the single conv {p_single:,} ({big}^2*C^2). In the stack the "
        f"centre pixel has {centre / corner:g} times as many paths to the output as a corner.",
        f"从一个输出像素反向传播：{n} 个堆叠的 3x3 卷积覆盖 {rf_stacked}x{rf_stacked} 的输入窗口，一个 "
        f"{big}x{big} 卷积覆盖 {rf_single}x{rf_single}。{channels} 个通道时堆叠有 {p_stacked:,} 个参数"
        f"（{n}*9*C^2），单个大卷积有 {p_single:,} 个（{big}^2*C^2）。堆叠中中心像素到输出的路径数是角落的 "
        f"{centre / corner:g} 倍。",
    )
    same = rf_stacked == rf_single == big
    claims = [Claim("same_field", "shown", pick(
        lang, f"both see the same {big}x{big} window, (2n+1)x(2n+1).",
        f"两者的感受野都是 {big}x{big}，即 (2n+1)x(2n+1)。")) if same else
        Claim("same_field", "not_shown", pick(
            lang, f"the windows differ ({rf_stacked} vs {rf_single}, expected {big}).",
            f"两者感受野不同（{rf_stacked} 对 {rf_single}，应为 {big}）。"))]
    if p_stacked < p_single:
        claims.append(Claim("fewer_weights", "shown", pick(
            lang, f"the stack needs {p_single / p_stacked:.2f}x fewer weights.",
            f"堆叠所需参数少 {p_single / p_stacked:.2f} 倍。")))
    else:
        claims.append(Claim("fewer_weights", "not_shown", pick(
            lang, "with n = 1 the stack is the single 3x3 conv itself, so the weights are equal; "
                  "the saving starts at n = 2 (18 vs 25 per C^2).",
            "n = 1 时堆叠就是那个 3x3 卷积本身，参数相同；从 n = 2 起才开始节省（每 C^2 为 18 对 25）。")))
    metrics = {
        "rf_stacked": rf_stacked,
        "rf_single": rf_single,
        "params_stacked": p_stacked,
        "params_single": p_single,
        "param_ratio": p_stacked / p_single,
        "centre_to_corner_paths": centre / corner,
    }
    return DemoResult(summary, metrics, fig, tuple(claims))


_STACKS = {
    "plain": (1, False, ("plain (3x3, stride 1)", "普通（3x3，步长 1）")),
    "strided": (2, False, ("strided (3x3, stride 2)", "带步长（3x3，步长 2）")),
    "dilated": (1, True, ("dilated (3x3, dilation 2^l)", "空洞（3x3，空洞率 2^l）")),
}


def _growth(depth: int, lang: str = "en") -> DemoResult:
    depths = list(range(1, depth + 1))
    measured: dict[str, list[int]] = {}
    theory: dict[str, list[int]] = {}
    for name, (stride, is_dilated, _) in _STACKS.items():
        dil = [2**i if is_dilated else 1 for i in range(depth)]
        theory[name] = [theoretical_rf([3] * d, [stride] * d, dil[:d]) for d in depths]
        # A fresh stack per depth, on an input just larger than the expected field (so a
        # wrong formula would show), back-propagated from the top-left output pixel.
        measured[name] = [
            nonzero_extent(input_gradient(ones_stack([3] * d, [stride] * d, dil[:d]),
                                          rf + 4, lambda y: y[0, 0, 0, 0]))[0]
            for d, rf in zip(depths, theory[name], strict=True)
        ]
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    for (name, rfs), style in zip(measured.items(), ("o-", "s--", "^:"), strict=True):
        ax.plot(depths, rfs, style, label=f"{pick(fl, *_STACKS[name][2])}: {rfs[-1]}")
    ax.plot(depths, theory["plain"], "k", lw=0.5, alpha=0.5,
            label=pick(fl, "formula (thin line)", "公式（细线）"))
    ax.plot(depths, theory["strided"], "k", lw=0.5, alpha=0.5)
    ax.set_yscale("log", base=2)
    ax.set_xlabel(pick(fl, "depth (number of 3x3 layers)", "深度（3x3 层数）"))
    ax.set_ylabel(pick(fl, "receptive field (pixels per side)", "感受野（边长像素）"))
    ax.legend(fontsize=8)
    plain, strided, dilated = measured["plain"], measured["strided"], measured["dilated"]
    summary = pick(
        lang,
        f"After {depth} layers of 3x3 convs, measured by back-propagation, the receptive field "
        f"is {plain[-1]} (plain), {strided[-1]} (stride 2 every layer) and {dilated[-1]} "
        f"(dilation 1, 2, 4, ...); the formula r += d(k-1)*jump gives "
        f"{theory['plain'][-1]}, {theory['strided'][-1]} and {theory['dilated'][-1]}.",
        f"{depth} 层 3x3 卷积后，用反向传播实测的感受野为 {plain[-1]}（普通）、{strided[-1]}（每层步长 2）"
        f"和 {dilated[-1]}（空洞率 1, 2, 4, ...）；公式 r += d(k-1)*jump 给出 {theory['plain'][-1]}、"
        f"{theory['strided'][-1]} 和 {theory['dilated'][-1]}。",
    )
    linear = plain == [2 * d + 1 for d in depths]
    doubling = all(b - 1 >= 2 * (a - 1) for a, b in zip(strided, strided[1:])) and \
        all(b - 1 >= 2 * (a - 1) for a, b in zip(dilated, dilated[1:]))
    if measured != theory or not linear:
        claim = Claim("growth", "not_shown", pick(
            lang, "the measured fields differ from the formula.", "实测感受野与公式不符。"))
    elif depth < MIN_GROWTH_DEPTH:
        claim = Claim("growth", "not_shown", pick(
            lang, f"{depth} layer(s) give too few points to tell linear from exponential "
                  f"growth; it takes at least {MIN_GROWTH_DEPTH} layers.",
            f"只有 {depth} 层，点太少，无法区分线性与指数增长；至少需要 {MIN_GROWTH_DEPTH} 层。"))
    elif doubling:
        claim = Claim("growth", "shown", pick(
            lang, "the plain stack grows by 2 per layer (2L+1), while the strided and dilated "
                  "stacks at least double their (field - 1) every layer.",
            "普通堆叠每层增加 2（2L+1），带步长和空洞的堆叠每层使（感受野 - 1）至少翻倍。"))
    else:
        claim = Claim("growth", "not_shown", pick(
            lang, "the strided or dilated field did not double per layer.",
            "带步长或空洞的感受野没有逐层翻倍。"))
    metrics = {
        "depths": depths,
        "plain": plain,
        "strided": strided,
        "dilated": dilated,
        "theory_match": measured == theory,
    }
    return DemoResult(summary, metrics, fig, (claim,))


def _touched(dilations: list[int]) -> torch.Tensor:
    rf = theoretical_rf([3] * len(dilations), [1] * len(dilations), dilations)
    size = rf + 4 + (rf + 4) % 2 + 1  # odd, so the centre pixel is well defined
    grad = input_gradient(ones_stack([3] * len(dilations), [1] * len(dilations), dilations,
                                     same=True), size, _centre)
    return grad != 0


def _fraction_in_box(mask: torch.Tensor) -> float:
    h, w = nonzero_extent(mask.float())
    return float(mask.sum()) / (h * w)


def _gridding(layers: int, dilation: int, lang: str = "en") -> DemoResult:
    gridded = _touched([dilation] * layers)
    mixed_rates = [1 + i % 3 for i in range(layers)]
    mixed = _touched(mixed_rates)
    c = gridded.shape[0] // 2
    rows, cols = torch.nonzero(gridded, as_tuple=True)
    on_grid = bool(((rows - c) % dilation == 0).all() and ((cols - c) % dilation == 0).all())
    f_grid, f_mixed = _fraction_in_box(gridded), _fraction_in_box(mixed)
    fl = plot_lang(lang)
    fig, (left, right) = new_figure(2)
    for ax, mask, title in (
        (left, gridded, pick(fl, f"{layers} x dilation {dilation}: {f_grid:.0%} read",
                             f"{layers} 层空洞率 {dilation}：读取 {f_grid:.0%}")),
        (right, mixed, pick(fl, f"dilations {mixed_rates}: {f_mixed:.0%} read",
                            f"空洞率 {mixed_rates}：读取 {f_mixed:.0%}")),
    ):
        ax.imshow(mask.numpy(), cmap="Greys", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(pick(fl, "input column", "输入列"))
        ax.set_ylabel(pick(fl, "input row", "输入行"))
    rf = nonzero_extent(gridded.float())[0]
    summary = pick(
        lang,
        f"{layers} stacked 3x3 convs with dilation {dilation} span a {rf}x{rf} window and read "
        f"{f_grid:.0%} of it; with rates {mixed_rates} the stack reads {f_mixed:.0%} of its "
        "window.",
        f"{layers} 个空洞率为 {dilation} 的 3x3 卷积堆叠覆盖 {rf}x{rf} 的窗口，读取其中 {f_grid:.0%}；"
        f"空洞率为 {mixed_rates} 时读取其窗口的 {f_mixed:.0%}。",
    )
    claims = [Claim("gridding", "shown", pick(
        lang, f"every pixel read lies on a grid of step {dilation}: the gaps in between are "
              "never seen (gridding).",
        f"读取的像素全都落在步长为 {dilation} 的网格上：中间的像素从未被看到（网格效应）。"))
        if on_grid and f_grid < 1 else Claim("gridding", "not_shown", pick(
            lang, "some pixel off the grid was read.", "有网格外的像素被读取。"))]
    if f_mixed > f_grid:
        claims.append(Claim("mixed_rates_fill", "shown", pick(
            lang, f"mixing rates reads more of the window ({f_mixed:.0%} vs {f_grid:.0%}).",
            f"混合空洞率读取了更多窗口（{f_mixed:.0%} 对 {f_grid:.0%}）。")))
    else:
        claims.append(Claim("mixed_rates_fill", "not_shown", pick(
            lang, f"the mixed rates read no more of their window ({f_mixed:.0%} vs {f_grid:.0%}).",
            f"混合空洞率读取的比例并未更多（{f_mixed:.0%} 对 {f_grid:.0%}）。")))
    metrics = {
        "gridded_fraction": f_grid,
        "mixed_fraction": f_mixed,
        "gridded_rf": rf,
        "mixed_rf": nonzero_extent(mixed.float())[0],
        "touched_on_grid": on_grid,
        "mixed_rates": mixed_rates,
    }
    return DemoResult(summary, metrics, fig, tuple(claims))


RUNNERS = {"stacked_3x3_receptive_field": _stacked, "receptive_field_growth": _growth,
           "dilated_conv_gridding": _gridding}

LABELS: dict[str, tuple[str, str]] = {
    "rf_stacked": ("receptive field, stack", "堆叠的感受野"),
    "rf_single": ("receptive field, one large kernel", "大卷积核的感受野"),
    "params_stacked": ("weights, stack", "堆叠的参数量"),
    "params_single": ("weights, one large kernel", "大卷积核的参数量"),
    "param_ratio": ("weights, stack / large kernel", "参数量之比（堆叠 / 大核）"),
    "centre_to_corner_paths": ("centre / corner weight", "中心与角落权重之比"),
    "depths": ("depths", "深度"),
    "plain": ("receptive field, plain", "普通堆叠的感受野"),
    "strided": ("receptive field, stride 2", "步长 2 的感受野"),
    "dilated": ("receptive field, dilated", "空洞卷积的感受野"),
    "theory_match": ("formula matches the measurement", "公式与实测一致"),
    "gridded_fraction": ("share of the window read, one rate", "单一空洞率读取比例"),
    "mixed_fraction": ("share of the window read, mixed rates", "混合空洞率读取比例"),
    "gridded_rf": ("window side, one rate", "单一空洞率的窗口边长"),
    "mixed_rf": ("window side, mixed rates", "混合空洞率的窗口边长"),
    "touched_on_grid": ("all pixels read lie on the grid", "读取的像素都在网格上"),
    "mixed_rates": ("mixed rates", "混合空洞率"),
}
