"""Convolution arithmetic: output size, parameter count and multiply-adds.

Each formula from the notes is checked against a real ``nn.Conv2d``.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from kg.errors import ParameterError
from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param, ParamValue
from qa.demos._plot import new_figure
from qa.demos._probe import layer_cost

__all__ = ["DEMOS", "conv_out", "conv_weights"]


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


def _check_fits(values: Mapping[str, ParamValue]) -> None:
    size, k, p, d = (int(values[n]) for n in ("in_size", "kernel", "padding", "dilation"))
    span = d * (k - 1) + 1
    if span > size + 2 * p:
        raise ParameterError(
            f"kernel={k} with dilation={d} spans {span} pixels but the padded input is only "
            f"{size + 2 * p} (in_size + 2*padding): use a smaller kernel/dilation or a larger "
            "in_size/padding"
        )


def _output_size(in_size: int, kernel: int, stride: int, padding: int, dilation: int) -> DemoResult:
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
    fig, (ax,) = new_figure()
    ax.step(sizes, [conv_out(n, kernel, stride, padding, dilation) for n in sizes],
            where="mid", label="formula floor((in+2p-d(k-1)-1)/s)+1")
    ax.plot(sizes, [_measured_out(n, kernel, stride, padding, dilation) for n in sizes],
            "o", ms=3, label="measured nn.Conv2d")
    ax.plot([in_size], [measured], "r*", ms=12, label=f"in={in_size} -> out={measured}")
    ax.set_xlabel("input size (pixels)")
    ax.set_ylabel("output size (pixels)")
    ax.set_title(f"k={kernel}, s={stride}, p={padding}, d={dilation}", fontsize=9)
    ax.legend(fontsize=8)
    text = (
        f"A {kernel}x{kernel} conv (stride {stride}, padding {padding}, dilation {dilation}) maps "
        f"{in_size} -> floor(({in_size}+2*{padding}-{dilation}*({kernel}-1)-1)/{stride})+1 = "
        f"{formula}; nn.Conv2d gives {measured}. The formula matched nn.Conv2d in "
        f"{matched}/{len(grid)} grid settings (k in 1,3,5,7; s in 1..4; p in 0..3)."
    )
    metrics = {
        "formula": formula,
        "measured": measured,
        "grid_total": len(grid),
        "grid_matched": matched,
        "all_match": matched == len(grid) and formula == measured,
    }
    return DemoResult(text, metrics, fig)


def _params_flops(
    in_channels: int, out_channels: int, kernel: int, in_size: int, stride: int, bias: bool
) -> DemoResult:
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
    fig, (left, right) = new_figure(2)
    left.plot(kernels, [conv_weights(in_channels, out_channels, k, bias=bias) for k in kernels],
              "-", label="C1*K*K*C (+C)")
    left.plot(kernels, [c.params for c in costs], "o", label="sum(p.numel())")
    right.plot(kernels, [conv_out(in_size, k, stride, k // 2) ** 2 * in_channels * k * k
                         * out_channels for k in kernels], "-", label="W1*H1*C1*K*K*C")
    right.plot(kernels, [c.macs for c in costs], "o", label="counted on nn.Conv2d")
    for ax, what in ((left, "parameters"), (right, "multiply-adds")):
        ax.set_yscale("log")
        ax.set_xlabel("kernel size K")
        ax.set_ylabel(what)
        ax.axvline(kernel, color="grey", lw=0.8, ls=":")
        ax.legend(fontsize=8)
    left.set_title(f"C1={in_channels}, C={out_channels}", fontsize=9)
    right.set_title(f"input {in_size}x{in_size}, stride {stride}", fontsize=9)
    text = (
        f"Conv {in_channels}->{out_channels}, {kernel}x{kernel}, stride {stride} on "
        f"{in_size}x{in_size}: parameters {in_channels}*{kernel}*{kernel}*{out_channels}"
        f"{f' + {out_channels}' if bias else ''} = {hand_params:,} (layer: {cost.params:,}); "
        f"multiply-adds {out}*{out}*{in_channels}*{kernel}*{kernel}*{out_channels} = "
        f"{hand_macs:,} (counted: {cost.macs:,}). Cost grows with K squared."
    )
    metrics = {
        "params_formula": hand_params,
        "params_measured": cost.params,
        "macs_formula": hand_macs,
        "macs_measured": cost.macs,
        "out_size": out,
        "out_shape": list(cost.out_shape),
    }
    return DemoResult(text, metrics, fig)


_KERNEL_HELP = ("kernel size K", "卷积核大小 K")

DEMOS: tuple[Demo, ...] = (
    Demo(
        id="conv_output_size",
        title_en="Convolution output size",
        title_zh="卷积输出尺寸",
        claim_en="out = floor((in + 2p - k)/s) + 1 matches nn.Conv2d for every setting.",
        claim_zh="输出尺寸 = floor((in + 2p - k)/s) + 1，与 nn.Conv2d 的结果一致。",
        concepts=("convolution", "padding", "stride", "dilated_convolution", "downsampling"),
        params=(
            Param("in_size", "int", 32, 1, 64, help="input height = width", help_zh="输入边长"),
            Param("kernel", "int", 3, 1, 11, help=_KERNEL_HELP[0], help_zh=_KERNEL_HELP[1]),
            Param("stride", "int", 1, 1, 4, help="stride s", help_zh="步长 s"),
            Param("padding", "int", 1, 0, 5, help="zero padding p per side", help_zh="每侧补零 p"),
            Param("dilation", "int", 1, 1, 4, help="dilation d", help_zh="空洞率 d"),
        ),
        fn=_output_size,
        check=_check_fits,
    ),
    Demo(
        id="conv_params_flops",
        title_en="Convolution parameters and multiply-adds",
        title_zh="卷积的参数量与计算量",
        claim_en="Params = C1*K*K*C (+C bias); multiply-adds = W1*H1*C1*K*K*C.",
        claim_zh="参数量 = C1*K*K*C（+C 偏置），乘加次数 = W1*H1*C1*K*K*C。",
        concepts=("convolution", "parameter_count", "flops"),
        params=(
            Param("in_channels", "int", 64, 1, 256, help="input channels C1",
                  help_zh="输入通道 C1"),
            Param("out_channels", "int", 128, 1, 256, help="output channels C",
                  help_zh="输出通道 C"),
            Param("kernel", "int", 3, 1, 7, help=_KERNEL_HELP[0], help_zh=_KERNEL_HELP[1]),
            Param("in_size", "int", 32, 1, 64, help="input height = width", help_zh="输入边长"),
            Param("stride", "int", 1, 1, 4, help="stride", help_zh="步长"),
            Param("bias", "bool", True, help="add a bias per output channel",
                  help_zh="每个输出通道加偏置"),
        ),
        fn=_params_flops,
    ),
)
