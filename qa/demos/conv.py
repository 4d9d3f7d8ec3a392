"""Convolution arithmetic: output size, parameter count and multiply-adds.

Each formula from the notes is checked against a real ``nn.Conv2d``.
"""
from __future__ import annotations

import torch
from torch import nn

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang
from qa.demos._probe import layer_cost

__all__ = ["LABELS", "RUNNERS", "conv_out", "conv_weights"]


def conv_out(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution: ``floor((in + 2p - d(k-1) - 1) / s) + 1``.

    With ``dilation=1`` this is the notes' ``floor((in + 2p - k) / s) + 1``.
    Example: ``conv_out(32, 3, 1, 1) == 32``; ``conv_out(7, 3, 2) == 3``.
    """
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_weights(c_in: int, c_out: int, kernel: int, groups: int = 1, bias: bool = False) -> int:
    """Parameters of a 2-D conv: ``C_in/G * K * K * C_out`` (+ ``C_out`` biases).

    Example: ``conv_weights(128, 256, 5) == 819_200``.
    """
    return c_in // groups * kernel * kernel * c_out + (c_out if bias else 0)


def _measured_out(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    layer = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    with torch.no_grad():
        return int(layer(torch.zeros(1, 1, size, size)).shape[-1])


def _output_size(in_size: int, kernel: int, stride: int, padding: int, dilation: int,
                 lang: str = "en") -> DemoResult:
    formula = conv_out(in_size, kernel, stride, padding, dilation)
    measured = _measured_out(in_size, kernel, stride, padding, dilation)
    grid = [
        (k, s, p)
        for k in (1, 3, 5, 7)
        for s in (1, 2, 3, 4)
        for p in (0, 1, 2, 3)
        if dilation * (k - 1) + 1 <= in_size + 2 * p
    ]
    matched = sum(
        conv_out(in_size, k, s, p, dilation) == _measured_out(in_size, k, s, p, dilation)
        for k, s, p in grid
    )
    sizes = [n for n in range(1, 65) if dilation * (kernel - 1) + 1 <= n + 2 * padding]
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    ax.step(sizes, [conv_out(n, kernel, stride, padding, dilation) for n in sizes],
            where="mid", label=pick(fl, "formula", "公式") + " floor((in+2p-d(k-1)-1)/s)+1")
    ax.plot(sizes, [_measured_out(n, kernel, stride, padding, dilation) for n in sizes],
            "o", ms=3, label=pick(fl, "measured nn.Conv2d", "nn.Conv2d 实测"))
    ax.plot([in_size], [measured], "r*", ms=12, label=f"in={in_size} -> out={measured}")
    ax.set_xlabel(pick(fl, "input size (pixels)", "输入尺寸（像素）"))
    ax.set_ylabel(pick(fl, "output size (pixels)", "输出尺寸（像素）"))
    ax.set_title(f"k={kernel}, s={stride}, p={padding}, d={dilation}", fontsize=9)
    ax.legend(fontsize=8)
    worked = (f"floor(({in_size}+2*{padding}-{dilation}*({kernel}-1)-1)/{stride})+1 = {formula}")
    summary = pick(
        lang,
        f"A {kernel}x{kernel} conv (stride {stride}, padding {padding}, dilation {dilation}) on a "
        f"{in_size}-pixel input: the formula gives {worked}; nn.Conv2d gives {measured}. Over "
        f"{len(grid)} other settings (k in 1,3,5,7; s in 1..4; p in 0..3) they agreed "
        f"{matched} times.",
        f"{kernel}x{kernel} 卷积（步长 {stride}，补零 {padding}，空洞率 {dilation}）作用于边长 "
        f"{in_size} 的输入：公式给出 {worked}；nn.Conv2d 实测 {measured}。在另外 {len(grid)} "
        f"组设置（k 取 1,3,5,7；s 取 1..4；p 取 0..3）中两者一致 {matched} 次。",
    )
    agree = formula == measured and matched == len(grid)
    claim = Claim("formula_matches", "shown", pick(
        lang, f"the formula with dilation matches nn.Conv2d here and in all {len(grid)} settings.",
        f"含空洞率的公式在此设置及全部 {len(grid)} 组设置中都与 nn.Conv2d 一致。",
    )) if agree else Claim("formula_matches", "not_shown", pick(
        lang, f"the formula and nn.Conv2d disagree ({formula} vs {measured}; "
              f"{len(grid) - matched} grid settings differ).",
        f"公式与 nn.Conv2d 不一致（{formula} 对 {measured}；{len(grid) - matched} 组设置不同）。",
    ))
    metrics = {
        "formula": formula,
        "measured": measured,
        "grid_total": len(grid),
        "grid_matched": matched,
        "all_match": agree,
    }
    return DemoResult(summary, metrics, fig, (claim,))


def _params_flops(in_channels: int, out_channels: int, kernel: int, in_size: int, stride: int,
                  bias: bool, lang: str = "en") -> DemoResult:
    out = conv_out(in_size, kernel, stride, kernel // 2)
    hand_params = conv_weights(in_channels, out_channels, kernel, bias=bias)
    hand_macs = out * out * in_channels * kernel * kernel * out_channels
    layer = nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2, bias=bias)
    cost = layer_cost(layer, (in_channels, in_size, in_size))
    kernels = list(range(1, 8))
    costs = [
        layer_cost(nn.Conv2d(in_channels, out_channels, k, stride, k // 2, bias=bias),
                   (in_channels, in_size, in_size))
        for k in kernels
    ]
    fl = plot_lang(lang)
    fig, (left, right) = new_figure(2)
    left.plot(kernels, [conv_weights(in_channels, out_channels, k, bias=bias) for k in kernels],
              "-", label=pick(fl, "formula", "公式") + " C1*K*K*C (+C)")
    left.plot(kernels, [c.params for c in costs], "o", label="sum(p.numel())")
    right.plot(kernels, [conv_out(in_size, k, stride, k // 2) ** 2 * in_channels * k * k
                         * out_channels for k in kernels], "-",
               label=pick(fl, "formula", "公式") + " W1*H1*C1*K*K*C")
    right.plot(kernels, [c.macs for c in costs], "o",
               label=pick(fl, "counted on nn.Conv2d", "在 nn.Conv2d 上计数"))
    for ax, what in ((left, pick(fl, "parameters", "参数量")),
                     (right, pick(fl, "multiply-adds", "乘加次数"))):
        ax.set_yscale("log")
        ax.set_xlabel(pick(fl, "kernel size K", "卷积核大小 K"))
        ax.set_ylabel(what)
        ax.axvline(kernel, color="grey", lw=0.8, ls=":")
        ax.legend(fontsize=8)
    left.set_title(f"C1={in_channels}, C={out_channels}", fontsize=9)
    right.set_title(f"{in_size}x{in_size}, stride {stride}", fontsize=9)
    plus = f" + {out_channels}" if bias else ""
    summary = pick(
        lang,
        f"Conv {in_channels}->{out_channels}, {kernel}x{kernel}, stride {stride} on "
        f"{in_size}x{in_size} (output {out}x{out}): parameters {in_channels}*{kernel}*{kernel}*"
        f"{out_channels}{plus} = {hand_params:,} (layer: {cost.params:,}); multiply-adds "
        f"{out}*{out}*{in_channels}*{kernel}*{kernel}*{out_channels} = {hand_macs:,} (counted: "
        f"{cost.macs:,}). From K=1 to K=7 the weights grow {costs[-1].params / costs[0].params:.1f}x "
        f"(K^2 = 49).",
        f"卷积 {in_channels}->{out_channels}，{kernel}x{kernel}，步长 {stride}，输入 {in_size}x{in_size}"
        f"（输出 {out}x{out}）：参数量 {in_channels}*{kernel}*{kernel}*{out_channels}{plus} = "
        f"{hand_params:,}（层实测 {cost.params:,}）；乘加次数 {out}*{out}*{in_channels}*{kernel}*"
        f"{kernel}*{out_channels} = {hand_macs:,}（实测 {cost.macs:,}）。K 从 1 到 7，参数量增长 "
        f"{costs[-1].params / costs[0].params:.1f} 倍（K^2 = 49）。",
    )
    agree = hand_params == cost.params and hand_macs == cost.macs
    claim = Claim("formulas_match", "shown", pick(
        lang, "both formulas equal the counts on the real layer.",
        "两个公式都与真实层上的计数相等。",
    )) if agree else Claim("formulas_match", "not_shown", pick(
        lang, f"the counts differ from the formulas (parameters {hand_params:,} vs "
              f"{cost.params:,}, multiply-adds {hand_macs:,} vs {cost.macs:,}).",
        f"计数与公式不符（参数量 {hand_params:,} 对 {cost.params:,}，乘加 {hand_macs:,} 对 {cost.macs:,}）。",
    ))
    metrics = {
        "params_formula": hand_params,
        "params_measured": cost.params,
        "macs_formula": hand_macs,
        "macs_measured": cost.macs,
        "out_size": out,
        "out_shape": list(cost.out_shape),
    }
    return DemoResult(summary, metrics, fig, (claim,))


RUNNERS = {"conv_output_size": _output_size, "conv_params_flops": _params_flops}

# metric key -> (English, Chinese): the names shown next to the numbers.
LABELS: dict[str, tuple[str, str]] = {
    "formula": ("output size by the formula", "公式给出的输出尺寸"),
    "measured": ("output size of nn.Conv2d", "nn.Conv2d 的输出尺寸"),
    "grid_total": ("settings compared", "比较的设置数"),
    "grid_matched": ("settings that agree", "一致的设置数"),
    "all_match": ("formula always matches", "公式始终一致"),
    "params_formula": ("parameters by the formula", "公式参数量"),
    "params_measured": ("parameters of the layer", "层的参数量"),
    "macs_formula": ("multiply-adds by the formula", "公式乘加次数"),
    "macs_measured": ("multiply-adds counted", "实测乘加次数"),
    "out_size": ("output side", "输出边长"),
    "out_shape": ("output shape", "输出形状"),
}
