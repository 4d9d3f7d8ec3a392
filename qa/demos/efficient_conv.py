"""Cheaper convolutions: 1x1 bottlenecks, depthwise separable and grouped convolutions.

Each demo counts parameters and multiply-adds on real modules (see ``_probe.layer_cost``)
and compares them with the notes' formulas.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from kg.errors import ParameterError
from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param, ParamValue
from qa.demos._plot import new_figure
from qa.demos._probe import layer_cost

__all__ = ["DEMOS", "divisors", "separable_ratio"]


def separable_ratio(c_out: int, kernel: int) -> float:
    """Cost of a depthwise separable conv relative to a standard one: ``1/C_out + 1/K^2``.

    Example: ``separable_ratio(64, 3) == 1/64 + 1/9`` (about 0.127, i.e. ~8x cheaper).
    """
    return 1 / c_out + 1 / kernel**2


def divisors(n: int) -> list[int]:
    """Positive divisors of ``n`` in increasing order.

    Example: ``divisors(12) == [1, 2, 3, 4, 6, 12]``.
    """
    return [d for d in range(1, n + 1) if n % d == 0]


def _check_odd_kernel(values: Mapping[str, ParamValue]) -> None:
    # Odd kernels with padding K//2 keep the spatial size, so output shapes are comparable.
    if int(values["kernel"]) % 2 == 0:
        raise ParameterError(f"kernel={values['kernel']} must be odd: choose 1, 3, 5 or 7")


def _check_groups(values: Mapping[str, ParamValue]) -> None:
    c, g = int(values["channels"]), int(values["groups"])
    _check_odd_kernel(values)
    if c % g:
        options = ", ".join(map(str, divisors(c)))
        raise ParameterError(f"groups={g} must divide channels={c}: choose one of {options}")


def _conv(c_in: int, c_out: int, k: int, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, padding=k // 2, groups=groups, bias=False)


def _bottleneck(
    in_channels: int, out_channels: int, bottleneck: int, kernel: int, in_size: int
) -> DemoResult:
    shape = (in_channels, in_size, in_size)
    direct = layer_cost(_conv(in_channels, out_channels, kernel), shape)
    reduce = layer_cost(_conv(in_channels, bottleneck, 1), shape)
    expand = layer_cost(_conv(bottleneck, out_channels, kernel), reduce.out_shape)
    total_w, total_m = reduce.params + expand.params, reduce.macs + expand.macs
    fig, (left, right) = new_figure(2)
    for ax, (d, r, e), what in (
        (left, (direct.params, reduce.params, expand.params), "weights"),
        (right, (direct.macs, reduce.macs, expand.macs), "multiply-adds"),
    ):
        ax.bar(["direct"], [d], color="tab:red",
               label=f"{kernel}x{kernel} conv {in_channels}->{out_channels}")
        ax.bar(["bottleneck"], [r], color="tab:blue",
               label=f"1x1 conv {in_channels}->{bottleneck}")
        ax.bar(["bottleneck"], [e], bottom=[r], color="tab:cyan",
               label=f"{kernel}x{kernel} conv {bottleneck}->{out_channels}")
        for x, total in ((0, d), (1, r + e)):
            ax.text(x, total, f"{total:,}", ha="center", va="bottom", fontsize=8)
        ax.set_ylim(0, 1.25 * max(d, r + e))
        ax.set_xlabel("design")
        ax.set_ylabel(what)
        ax.legend(fontsize=7, loc="upper right")
    left.set_title(f"{in_channels}->{out_channels} ch, bottleneck {bottleneck}", fontsize=9)
    right.set_title(f"input {in_size}x{in_size}", fontsize=9)
    ratio = direct.params / total_w
    text = (
        f"A {kernel}x{kernel} conv {in_channels}->{out_channels} needs {direct.params:,} weights. "
        f"Squeezing to {bottleneck} channels with a 1x1 conv first costs {reduce.params:,} + "
        f"{expand.params:,} = {total_w:,} weights ({ratio:.2f}x fewer) and "
        f"{direct.macs / total_m:.2f}x fewer multiply-adds, with the same output shape "
        f"{list(direct.out_shape)}."
    )
    metrics = {
        "direct_weights": direct.params,
        "reduce_weights": reduce.params,
        "conv_weights": expand.params,
        "bottleneck_weights": total_w,
        "weight_ratio": ratio,
        "direct_macs": direct.macs,
        "bottleneck_macs": total_m,
        "mac_ratio": direct.macs / total_m,
        "direct_out_shape": list(direct.out_shape),
        "bottleneck_out_shape": list(expand.out_shape),
    }
    return DemoResult(text, metrics, fig)


def _separable(in_channels: int, out_channels: int, kernel: int, in_size: int) -> DemoResult:
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
    fig, (ax,) = new_figure()
    ax.plot(sweep, [separable_ratio(c, kernel) for c in sweep], "-", label="1/C_out + 1/K^2")
    ax.plot(sweep, measured, "o", label="measured params ratio")
    ax.axhline(1 / kernel**2, color="grey", ls="--", lw=0.8, label=f"1/K^2 = {1 / kernel**2:.3f}")
    ax.plot([out_channels], [sep_p / std_p], "r*", ms=12, label=f"C_out={out_channels}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("output channels C_out")
    ax.set_ylabel("separable / standard cost")
    ax.set_title(f"C_in={in_channels}, K={kernel}", fontsize=9)
    ax.legend(fontsize=8)
    text = (
        f"Standard {kernel}x{kernel} conv {in_channels}->{out_channels}: {std_p:,} weights, "
        f"{std_m:,} multiply-adds. Depthwise {kernel}x{kernel} + pointwise 1x1: {sep_p:,} "
        f"weights, {sep_m:,} multiply-adds. Ratio {sep_p / std_p:.4f} = 1/{out_channels} + "
        f"1/{kernel**2} = {separable_ratio(out_channels, kernel):.4f}; same output shape "
        f"{list(sep_shape)}."
    )
    metrics = {
        "standard_params": std_p,
        "separable_params": sep_p,
        "param_ratio": sep_p / std_p,
        "formula_ratio": separable_ratio(out_channels, kernel),
        "standard_macs": std_m,
        "separable_macs": sep_m,
        "mac_ratio": sep_m / std_m,
        "standard_out_shape": list(std_shape),
        "separable_out_shape": list(sep_shape),
    }
    return DemoResult(text, metrics, fig)


def _group_matches_slices(conv: nn.Conv2d, x: torch.Tensor) -> float:
    """Max difference between a grouped conv and G independent convs on channel slices."""
    g, k = conv.groups, conv.kernel_size[0]
    cin, cout = conv.in_channels // g, conv.out_channels // g
    with torch.no_grad():
        whole = conv(x)
        parts = [F.conv2d(x[:, i * cin:(i + 1) * cin], conv.weight[i * cout:(i + 1) * cout],
                          padding=k // 2) for i in range(g)]
    return float((whole - torch.cat(parts, dim=1)).abs().max())


def _group(channels: int, groups: int, kernel: int) -> DemoResult:
    conv = _conv(channels, channels, kernel, groups)
    params = layer_cost(conv, (channels, 8, 8)).params
    standard = layer_cost(_conv(channels, channels, kernel), (channels, 8, 8)).params
    diff = _group_matches_slices(conv, torch.randn(1, channels, 8, 8))
    options = divisors(channels)
    sweep = [layer_cost(_conv(channels, channels, kernel, g), (channels, 1, 1)).params
             for g in options]
    fig, (ax,) = new_figure()
    ax.plot(options, [channels * channels * kernel**2 / g for g in options], "-",
            label="C*C*K*K / G")
    ax.plot(options, sweep, "o", label="sum(p.numel())")
    ax.plot([channels], [sweep[-1]], "gs", ms=9, mfc="none", label="G = C: depthwise")
    ax.plot([groups], [params], "r*", ms=12, label=f"G={groups}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("groups G")
    ax.set_ylabel("parameters")
    ax.set_title(f"{channels}->{channels} channels, {kernel}x{kernel}", fontsize=9)
    ax.legend(fontsize=8)
    depthwise = groups == channels
    text = (
        f"A {kernel}x{kernel} conv {channels}->{channels} has {standard:,} weights; with "
        f"G={groups} groups each filter sees only {channels // groups} input channels, so it "
        f"has {params:,} ({standard / params:g}x fewer = G). It equals {groups} separate convs "
        f"on channel slices (max diff {diff:.1e})."
        + (" With G = C every filter sees one channel: a depthwise conv." if depthwise else "")
    )
    metrics = {
        "standard_params": standard,
        "group_params": params,
        "ratio": standard / params,
        "weight_shape": list(conv.weight.shape),
        "is_depthwise": depthwise,
        "slice_max_diff": diff,
        "sweep_groups": options,
        "sweep_params": sweep,
    }
    return DemoResult(text, metrics, fig)


_CIN = Param("in_channels", "int", 128, 1, 256, help="input channels", help_zh="输入通道数")
_COUT = Param("out_channels", "int", 256, 1, 256, help="output channels", help_zh="输出通道数")
_ODD = Param("kernel", "int", 5, 1, 7, help="odd kernel size K", help_zh="奇数卷积核大小 K")

DEMOS: tuple[Demo, ...] = (
    Demo(
        id="one_by_one_bottleneck",
        title_en="1x1 convolution bottleneck",
        title_zh="1x1 卷积瓶颈层",
        claim_en="A 1x1 conv to 32 channels before a 5x5 conv cuts weights ~4x, same output.",
        claim_zh="在 5x5 卷积前用 1x1 卷积降到 32 通道，参数约减为 1/4，输出形状不变。",
        concepts=("conv_1x1", "bottleneck", "dimension_reduction", "parameter_count", "flops"),
        params=(
            _CIN, _COUT,
            Param("bottleneck", "int", 32, 1, 256, help="channels after the 1x1 conv",
                  help_zh="1x1 卷积后的通道数"),
            _ODD,
            Param("in_size", "int", 100, 1, 128, help="input height = width", help_zh="输入边长"),
        ),
        fn=_bottleneck,
        check=_check_odd_kernel,
    ),
    Demo(
        id="depthwise_separable",
        title_en="Depthwise separable convolution",
        title_zh="深度可分离卷积",
        claim_en="Depthwise + 1x1 costs 1/C_out + 1/K^2 of a standard conv, same output shape.",
        claim_zh="逐通道卷积 + 1x1 卷积的代价约为标准卷积的 1/C_out + 1/K^2，输出形状相同。",
        concepts=("depthwise_separable_convolution", "depthwise_convolution", "mobilenet",
                  "conv_1x1", "parameter_count", "flops"),
        params=(
            Param("in_channels", "int", 32, 1, 256, help="input channels", help_zh="输入通道数"),
            Param("out_channels", "int", 64, 1, 256, help="output channels",
                  help_zh="输出通道数"),
            Param("kernel", "int", 3, 1, 7, help="odd kernel size K", help_zh="奇数卷积核大小 K"),
            Param("in_size", "int", 32, 1, 64, help="input height = width", help_zh="输入边长"),
        ),
        fn=_separable,
        check=_check_odd_kernel,
    ),
    Demo(
        id="group_conv",
        title_en="Group convolution",
        title_zh="分组卷积",
        claim_en="G groups cut parameters to 1/G; with G = channels it is a depthwise conv.",
        claim_zh="分 G 组后参数量变为 1/G；G 等于通道数时就是逐通道（depthwise）卷积。",
        concepts=("group_convolution", "depthwise_convolution", "parameter_count"),
        params=(
            Param("channels", "int", 64, 1, 256, help="input = output channels C",
                  help_zh="输入 = 输出通道数 C"),
            Param("groups", "int", 4, 1, 256, help="groups G (must divide C)",
                  help_zh="分组数 G（须整除 C）"),
            Param("kernel", "int", 3, 1, 7, help="odd kernel size K", help_zh="奇数卷积核大小 K"),
        ),
        fn=_group,
        check=_check_groups,
    ),
)
