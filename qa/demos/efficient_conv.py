"""Cheaper convolutions: 1x1 bottlenecks, depthwise separable and grouped convolutions.

Each demo counts parameters and multiply-adds on real modules (see ``_probe.layer_cost``)
and compares them with the notes' formulas.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from qa.demos._catalogue_vision import divisors
from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang
from qa.demos._probe import layer_cost

__all__ = ["LABELS", "MIN_SAVING", "RUNNERS", "SLICE_TOLERANCE", "break_even", "divisors",
           "separable_ratio"]

# A design "saves" only if it is at least 10% cheaper; below that it is noise in a real net.
MIN_SAVING = 1.1
# A grouped conv and its G slices agree to float32 rounding.
SLICE_TOLERANCE = 1e-4


def separable_ratio(c_out: int, kernel: int) -> float:
    """Cost of a depthwise separable conv relative to a standard one: ``1/C_out + 1/K^2``.

    Example: ``separable_ratio(64, 3) == 1/64 + 1/9`` (about 0.127, i.e. ~8x cheaper).
    """
    return 1 / c_out + 1 / kernel**2


def break_even(c_in: int, c_out: int, kernel: int) -> float:
    """Bottleneck width at which ``1x1 (C_in->B) + KxK (B->C_out)`` costs as much as ``KxK (C_in->C_out)``.

    ``B (C_in + K^2 C_out) = K^2 C_in C_out``. Example: ``break_even(128, 256, 5)`` is about 125.5.
    """
    return kernel**2 * c_in * c_out / (c_in + kernel**2 * c_out)


def _conv(c_in: int, c_out: int, k: int, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, padding=k // 2, groups=groups, bias=False)


def _bottleneck(in_channels: int, out_channels: int, bottleneck: int, kernel: int,
                in_size: int, lang: str = "en") -> DemoResult:
    shape = (in_channels, in_size, in_size)
    direct = layer_cost(_conv(in_channels, out_channels, kernel), shape)
    reduce = layer_cost(_conv(in_channels, bottleneck, 1), shape)
    expand = layer_cost(_conv(bottleneck, out_channels, kernel), reduce.out_shape)
    total_w, total_m = reduce.params + expand.params, reduce.macs + expand.macs
    fl = plot_lang(lang)
    fig, (left, right) = new_figure(2)
    names = [pick(fl, "direct", "直接卷积"), pick(fl, "bottleneck", "瓶颈结构")]
    for ax, (d, r, e), what in (
        (left, (direct.params, reduce.params, expand.params), pick(fl, "weights", "参数量")),
        (right, (direct.macs, reduce.macs, expand.macs), pick(fl, "multiply-adds", "乘加次数")),
    ):
        ax.bar(names[:1], [d], color="tab:red",
               label=f"{kernel}x{kernel} conv {in_channels}->{out_channels}")
        ax.bar(names[1:], [r], color="tab:blue", label=f"1x1 conv {in_channels}->{bottleneck}")
        ax.bar(names[1:], [e], bottom=[r], color="tab:cyan",
               label=f"{kernel}x{kernel} conv {bottleneck}->{out_channels}")
        for x, total in ((0, d), (1, r + e)):
            ax.text(x, total, f"{total:,}", ha="center", va="bottom", fontsize=8)
        ax.set_ylim(0, 1.25 * max(d, r + e))
        ax.set_xlabel(pick(fl, "design", "结构"))
        ax.set_ylabel(what)
        ax.legend(fontsize=7, loc="upper right")
    left.set_title(f"{in_channels}->{out_channels}, 1x1 -> {bottleneck}", fontsize=9)
    right.set_title(f"{in_size}x{in_size}", fontsize=9)
    ratio, mac_ratio = direct.params / total_w, direct.macs / total_m
    same = direct.out_shape == expand.out_shape
    summary = pick(
        lang,
        f"A {kernel}x{kernel} conv {in_channels}->{out_channels} needs {direct.params:,} weights. "
        f"A 1x1 conv to {bottleneck} channels first, then the {kernel}x{kernel} conv, needs "
        f"{reduce.params:,} + {expand.params:,} = {total_w:,} weights. Direct / bottleneck = "
        f"{ratio:.2f} for weights and {mac_ratio:.2f} for multiply-adds; output shapes "
        f"{list(direct.out_shape)} and {list(expand.out_shape)}.",
        f"{kernel}x{kernel} 卷积 {in_channels}->{out_channels} 需要 {direct.params:,} 个参数。先用 1x1 "
        f"卷积降到 {bottleneck} 通道再做 {kernel}x{kernel} 卷积，需要 {reduce.params:,} + "
        f"{expand.params:,} = {total_w:,} 个参数。直接卷积 / 瓶颈结构：参数量之比 {ratio:.2f}，"
        f"乘加次数之比 {mac_ratio:.2f}；输出形状 {list(direct.out_shape)} 与 {list(expand.out_shape)}。",
    )
    limit = break_even(in_channels, out_channels, kernel)
    if ratio >= MIN_SAVING and mac_ratio >= MIN_SAVING and same:
        claim = Claim("bottleneck_saves", "shown", pick(
            lang, f"the bottleneck is at least {MIN_SAVING:g}x cheaper in weights and "
                  "multiply-adds, with the same output shape.",
            f"瓶颈结构的参数量和乘加次数都至少少 {MIN_SAVING:g} 倍，输出形状相同。"))
    else:
        claim = Claim("bottleneck_saves", "not_shown", pick(
            lang, f"{bottleneck} channels is too wide to save {MIN_SAVING:g}x: costs break even "
                  f"at B = K^2*C_in*C_out/(C_in + K^2*C_out) = {limit:.1f} channels, so B must be "
                  f"at most {limit / MIN_SAVING:.1f}.",
            f"{bottleneck} 个通道太宽，省不到 {MIN_SAVING:g} 倍：两者在 B = K^2*C_in*C_out/(C_in + "
            f"K^2*C_out) = {limit:.1f} 个通道时持平，瓶颈宽度须不超过 {limit / MIN_SAVING:.1f}。"))
    metrics = {
        "direct_weights": direct.params,
        "reduce_weights": reduce.params,
        "conv_weights": expand.params,
        "bottleneck_weights": total_w,
        "weight_ratio": ratio,
        "direct_macs": direct.macs,
        "bottleneck_macs": total_m,
        "mac_ratio": mac_ratio,
        "break_even_width": limit,
        "direct_out_shape": list(direct.out_shape),
        "bottleneck_out_shape": list(expand.out_shape),
    }
    return DemoResult(summary, metrics, fig, (claim,))


def _separable(in_channels: int, out_channels: int, kernel: int, in_size: int,
               lang: str = "en") -> DemoResult:
    def costs(c_out: int) -> tuple[int, int, int, int, tuple[int, ...], tuple[int, ...]]:
        shape = (in_channels, in_size, in_size)
        std = layer_cost(_conv(in_channels, c_out, kernel), shape)
        sep = layer_cost(
            nn.Sequential(_conv(in_channels, in_channels, kernel, groups=in_channels),
                          _conv(in_channels, c_out, 1)), shape)
        return std.params, sep.params, std.macs, sep.macs, std.out_shape, sep.out_shape

    std_p, sep_p, std_m, sep_m, std_shape, sep_shape = costs(out_channels)
    sweep = sorted({1, 2, 4, 8, 16, 32, 64, 128, 256, out_channels})
    measured = []
    for c in sweep:
        s_p, d_p, *_ = costs(c)
        measured.append(d_p / s_p)
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    ax.plot(sweep, [separable_ratio(c, kernel) for c in sweep], "-",
            label=pick(fl, "formula", "公式") + " 1/C_out + 1/K^2")
    ax.plot(sweep, measured, "o", label=pick(fl, "measured parameter ratio", "实测参数量之比"))
    ax.axhline(1 / kernel**2, color="grey", ls="--", lw=0.8, label=f"1/K^2 = {1 / kernel**2:.3f}")
    ax.plot([out_channels], [sep_p / std_p], "r*", ms=12, label=f"C_out={out_channels}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(pick(fl, "output channels C_out", "输出通道数 C_out"))
    ax.set_ylabel(pick(fl, "separable / standard cost", "可分离 / 标准卷积的代价"))
    ax.set_title(f"C_in={in_channels}, K={kernel}", fontsize=9)
    ax.legend(fontsize=8)
    ratio, formula = sep_p / std_p, separable_ratio(out_channels, kernel)
    summary = pick(
        lang,
        f"Standard {kernel}x{kernel} conv {in_channels}->{out_channels}: {std_p:,} weights, "
        f"{std_m:,} multiply-adds. Depthwise {kernel}x{kernel} + pointwise 1x1: {sep_p:,} "
        f"weights, {sep_m:,} multiply-adds. Measured ratio {ratio:.4f}; 1/{out_channels} + "
        f"1/{kernel**2} = {formula:.4f}. Output shapes {list(std_shape)} and {list(sep_shape)}.",
        f"标准 {kernel}x{kernel} 卷积 {in_channels}->{out_channels}：{std_p:,} 个参数，{std_m:,} 次乘加。"
        f"逐通道 {kernel}x{kernel} + 逐点 1x1：{sep_p:,} 个参数，{sep_m:,} 次乘加。实测比值 {ratio:.4f}；"
        f"1/{out_channels} + 1/{kernel**2} = {formula:.4f}。输出形状 {list(std_shape)} 与 {list(sep_shape)}。",
    )
    claims = [Claim("formula_matches", "shown", pick(
        lang, "the measured ratio equals 1/C_out + 1/K^2 and the output shapes agree.",
        "实测比值等于 1/C_out + 1/K^2，输出形状一致。"))
        if abs(ratio - formula) < 1e-12 and std_shape == sep_shape else
        Claim("formula_matches", "not_shown", pick(
            lang, f"the measured ratio {ratio:.6f} differs from the formula {formula:.6f}.",
            f"实测比值 {ratio:.6f} 与公式 {formula:.6f} 不符。"))]
    if ratio * MIN_SAVING <= 1:
        claims.append(Claim("separable_saves", "shown", pick(
            lang, f"the separable conv is {1 / ratio:.1f}x cheaper (at least {MIN_SAVING:g}x).",
            f"可分离卷积便宜 {1 / ratio:.1f} 倍（至少 {MIN_SAVING:g} 倍）。")))
    else:
        claims.append(Claim("separable_saves", "not_shown", pick(
            lang, f"1/C_out + 1/K^2 = {formula:.3f} is not below 1/{MIN_SAVING:g}: with K = 1 "
                  "there is no spatial filter to factor, and with C_out = 1 the pointwise conv "
                  "saves nothing; both need to be larger than 1.",
            f"1/C_out + 1/K^2 = {formula:.3f}，没有低于 1/{MIN_SAVING:g}：K = 1 时没有空间滤波可分解，"
            "C_out = 1 时逐点卷积省不了什么；两者都须大于 1。")))
    metrics = {
        "standard_params": std_p,
        "separable_params": sep_p,
        "param_ratio": ratio,
        "formula_ratio": formula,
        "standard_macs": std_m,
        "separable_macs": sep_m,
        "mac_ratio": sep_m / std_m,
        "standard_out_shape": list(std_shape),
        "separable_out_shape": list(sep_shape),
    }
    return DemoResult(summary, metrics, fig, tuple(claims))


def _group_matches_slices(conv: nn.Conv2d, x: torch.Tensor) -> float:
    """Max difference between a grouped conv and G independent convs on channel slices."""
    g, k = conv.groups, conv.kernel_size[0]
    cin, cout = conv.in_channels // g, conv.out_channels // g
    with torch.no_grad():
        whole = conv(x)
        parts = [F.conv2d(x[:, i * cin:(i + 1) * cin], conv.weight[i * cout:(i + 1) * cout],
                          padding=k // 2) for i in range(g)]
    return float((whole - torch.cat(parts, dim=1)).abs().max())


def _group(channels: int, groups: int, kernel: int, lang: str = "en") -> DemoResult:
    conv = _conv(channels, channels, kernel, groups)
    params = layer_cost(conv, (channels, 8, 8)).params
    standard = layer_cost(_conv(channels, channels, kernel), (channels, 8, 8)).params
    diff = _group_matches_slices(conv, torch.randn(1, channels, 8, 8))
    options = divisors(channels)
    sweep = [layer_cost(_conv(channels, channels, kernel, g), (channels, 1, 1)).params
             for g in options]
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    ax.plot(options, [channels * channels * kernel**2 / g for g in options], "-",
            label=pick(fl, "formula", "公式") + " C*C*K*K / G")
    ax.plot(options, sweep, "o", label="sum(p.numel())")
    ax.plot([channels], [sweep[-1]], "gs", ms=9, mfc="none",
            label=pick(fl, "G = C: depthwise", "G = C：逐通道卷积"))
    ax.plot([groups], [params], "r*", ms=12, label=f"G={groups}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(pick(fl, "groups G", "分组数 G"))
    ax.set_ylabel(pick(fl, "parameters", "参数量"))
    ax.set_title(f"{channels}->{channels}, {kernel}x{kernel}", fontsize=9)
    ax.legend(fontsize=8)
    depthwise, ratio = groups == channels, standard / params
    summary = pick(
        lang,
        f"A {kernel}x{kernel} conv {channels}->{channels} has {standard:,} weights; with "
        f"G={groups} groups each filter sees {channels // groups} input channels and the layer "
        f"has {params:,} (standard / grouped = {ratio:g}). Against {groups} separate convs on channel slices "
        f"the largest difference is {diff:.1e}."
        + (" Here G = C, so every filter sees one channel: a depthwise conv." if depthwise else ""),
        f"{kernel}x{kernel} 卷积 {channels}->{channels} 有 {standard:,} 个参数；分成 G={groups} 组后每个"
        f"滤波器只看 {channels // groups} 个输入通道，共 {params:,} 个参数（标准 / 分组 = {ratio:g}）。与 "
        f"{groups} 个按通道切片的独立卷积相比，最大差异 {diff:.1e}。"
        + ("此处 G = C，每个滤波器只看一个通道：即逐通道卷积。" if depthwise else ""),
    )
    if ratio == groups and diff <= SLICE_TOLERANCE:
        claim = Claim("one_over_g", "shown", pick(
            lang, f"the parameters are exactly 1/G = 1/{groups} of the standard conv, and the "
                  f"grouped conv equals the {groups} slice convs (within {SLICE_TOLERANCE:g}).",
            f"参数量恰为标准卷积的 1/G = 1/{groups}，且分组卷积与 {groups} 个切片卷积一致"
            f"（误差不超过 {SLICE_TOLERANCE:g}）。"))
    else:
        claim = Claim("one_over_g", "not_shown", pick(
            lang, f"the ratio is {ratio:g} (expected {groups}) or the slices differ by {diff:.1e}.",
            f"比值为 {ratio:g}（应为 {groups}），或切片差异为 {diff:.1e}。"))
    metrics = {
        "standard_params": standard,
        "group_params": params,
        "ratio": ratio,
        "weight_shape": list(conv.weight.shape),
        "is_depthwise": depthwise,
        "slice_max_diff": diff,
        "sweep_groups": options,
        "sweep_params": sweep,
    }
    return DemoResult(summary, metrics, fig, (claim,))


RUNNERS = {"one_by_one_bottleneck": _bottleneck, "depthwise_separable": _separable,
           "group_conv": _group}

LABELS: dict[str, tuple[str, str]] = {
    "direct_weights": ("weights, direct conv", "直接卷积参数量"),
    "reduce_weights": ("weights, 1x1 squeeze", "1x1 压缩层参数量"),
    "conv_weights": ("weights, conv after the squeeze", "压缩后卷积参数量"),
    "bottleneck_weights": ("weights, bottleneck total", "瓶颈结构总参数量"),
    "weight_ratio": ("weights, direct / bottleneck", "参数量之比（直接 / 瓶颈）"),
    "direct_macs": ("multiply-adds, direct conv", "直接卷积乘加次数"),
    "bottleneck_macs": ("multiply-adds, bottleneck", "瓶颈结构乘加次数"),
    "mac_ratio": ("multiply-add ratio", "乘加次数之比"),
    "break_even_width": ("break-even bottleneck width", "持平时的瓶颈宽度"),
    "direct_out_shape": ("output shape, direct", "直接卷积输出形状"),
    "bottleneck_out_shape": ("output shape, bottleneck", "瓶颈结构输出形状"),
    "standard_params": ("parameters, standard conv", "标准卷积参数量"),
    "separable_params": ("parameters, separable conv", "可分离卷积参数量"),
    "param_ratio": ("parameter ratio", "参数量之比"),
    "formula_ratio": ("ratio by the formula", "公式比值"),
    "standard_macs": ("multiply-adds, standard", "标准卷积乘加次数"),
    "separable_macs": ("multiply-adds, separable", "可分离卷积乘加次数"),
    "standard_out_shape": ("output shape, standard", "标准卷积输出形状"),
    "separable_out_shape": ("output shape, separable", "可分离卷积输出形状"),
    "group_params": ("parameters, grouped conv", "分组卷积参数量"),
    "ratio": ("parameters, standard / grouped", "参数量之比（标准 / 分组）"),
    "weight_shape": ("weight tensor shape", "权重张量形状"),
    "is_depthwise": ("is a depthwise conv", "是否逐通道卷积"),
    "slice_max_diff": ("largest difference to the slice convs", "与切片卷积的最大差异"),
    "sweep_groups": ("groups tried", "尝试的分组数"),
    "sweep_params": ("parameters per group count", "各分组数的参数量"),
}
