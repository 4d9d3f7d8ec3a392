"""Pooling: how gradients flow back through max/mean pooling, and the GAP head.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from torch import nn

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang
from qa.demos._probe import layer_cost

__all__ = ["GAP_TOLERANCE", "LABELS", "RUNNERS", "pooling_grads"]

# "About H*W times fewer" holds when the measured ratio is within 10% of H*W.
GAP_TOLERANCE = 0.1


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


def _pooling(size: int, kernel: int, lang: str = "en") -> DemoResult:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(size, size, generator=generator)
    g_max, g_avg = pooling_grads(x, kernel)
    windows = size // kernel
    per_window = g_max.reshape(windows, kernel, windows, kernel).ne(0).sum(dim=(1, 3))
    argmax_ok = bool(torch.equal(
        F.max_pool2d(x[None, None], kernel)[0, 0],
        (x * g_max).reshape(windows, kernel, windows, kernel).sum(dim=(1, 3)),
    ))
    fl = plot_lang(lang)
    fig, axes = new_figure(3)
    panels = ((x, pick(fl, "input x", "输入 x"), None),
              (g_max, pick(fl, "grad through max pool", "经最大池化的梯度"), 1.0),
              (g_avg, pick(fl, "grad through mean pool", "经平均池化的梯度"), 1.0))
    for ax, (data, title, top) in zip(axes, panels, strict=True):
        # Gradient maps share the 0..1 colour scale, so 0.25 looks dimmer than 1.
        low = float(data.min()) if top is None else 0.0
        high = float(data.max()) if top is None else top
        ax.imshow(data.numpy(), cmap="viridis", vmin=low, vmax=high)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(pick(fl, "column", "列"))
        ax.set_ylabel(pick(fl, "row", "行"))
        for edge in range(0, size + 1, kernel):
            ax.axhline(edge - 0.5, color="red", lw=1.0)
            ax.axvline(edge - 0.5, color="red", lw=1.0)
        if size <= 8:
            _annotate(ax, data, (low + high) / 2)
    max_values = sorted({float(v) for v in g_max.flatten()})
    avg_values = sorted({float(v) for v in g_avg.flatten()})
    n = windows * windows
    summary = pick(
        lang,
        f"With an upstream gradient of 1 per pooled output ({n} windows of {kernel}x{kernel}): "
        f"the max-pool gradient takes the values {max_values} with "
        f"{sorted({int(v) for v in per_window.flatten()})} nonzero entries per window; the "
        f"mean-pool gradient takes {avg_values}. Gradient sums: {float(g_max.sum()):g} and "
        f"{float(g_avg.sum()):g}.",
        f"每个池化输出的上游梯度为 1（{n} 个 {kernel}x{kernel} 窗口）：最大池化的梯度取值 {max_values}，"
        f"每个窗口非零元素个数 {sorted({int(v) for v in per_window.flatten()})}；平均池化的梯度取值 "
        f"{avg_values}。梯度之和：{float(g_max.sum()):g} 和 {float(g_avg.sum()):g}。",
    )
    routed = argmax_ok and bool((per_window == 1).all())
    claims = (
        Claim("max_routes", "shown" if routed else "not_shown", pick(
            lang, "max pooling sends each window's gradient to its argmax only."
            if routed else "some window sent its gradient to more than one input (a tie).",
            "最大池化把每个窗口的梯度只传给最大值位置。" if routed else "有窗口把梯度传给了多个位置（出现并列最大值）。")),
        Claim("mean_splits", "shown" if avg_values == [1 / kernel**2] else "not_shown", pick(
            lang, f"mean pooling gives every input 1/{kernel * kernel} = {1 / kernel**2:g}."
            if avg_values == [1 / kernel**2] else f"the mean-pool gradients are {avg_values}.",
            f"平均池化给每个输入 1/{kernel * kernel} = {1 / kernel**2:g}。"
            if avg_values == [1 / kernel**2] else f"平均池化的梯度为 {avg_values}。")),
    )
    metrics = {
        "max_nonzero_per_window": sorted({int(v) for v in per_window.flatten()}),
        "max_grad_values": max_values,
        "avg_grad_values": avg_values,
        "max_grad_sum": float(g_max.sum()),
        "avg_grad_sum": float(g_avg.sum()),
        "windows": n,
        "max_grad_at_argmax": argmax_ok,
    }
    return DemoResult(summary, metrics, fig, claims)


class _Unset(nn.Linear):
    """A Linear layer whose weights are allocated but not initialised (counting only)."""

    def reset_parameters(self) -> None:
        pass


def _gap_vs_fc(channels: int, spatial: int, classes: int, lang: str = "en") -> DemoResult:
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
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    bars = ax.bar([pick(fl, "flatten + FC", "展平 + 全连接"), pick(fl, "GAP + FC", "GAP + 全连接")],
                  [fc_cost.params, gap_cost.params], color=["tab:red", "tab:blue"])
    ax.bar_label(bars, labels=[f"{fc_cost.params:,}", f"{gap_cost.params:,}"], fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel(pick(fl, "classifier head", "分类头"))
    ax.set_ylabel(pick(fl, "parameters", "参数量"))
    ax.set_title(f"{channels} x {spatial} x {spatial} -> {classes}", fontsize=9)
    ratio, area = fc_cost.params / gap_cost.params, spatial * spatial
    summary = pick(
        lang,
        f"On a {channels}x{spatial}x{spatial} feature map with {classes} classes, flatten + FC "
        f"needs {fc_cost.params:,} parameters and global average pooling + FC "
        f"{gap_cost.params:,}: a ratio of {ratio:.2f}, against H*W = {area}. Given a "
        f"{spatial + 2}x{spatial + 2} map, the GAP head {'works' if gap_other else 'fails'} and "
        f"the FC head {'works' if fc_other else 'fails'}.",
        f"在 {channels}x{spatial}x{spatial} 的特征图、{classes} 个类别上，展平 + 全连接需要 "
        f"{fc_cost.params:,} 个参数，全局平均池化 + 全连接需要 {gap_cost.params:,} 个：比值 "
        f"{ratio:.2f}，H*W = {area}。换成 {spatial + 2}x{spatial + 2} 的特征图时，GAP 分类头"
        f"{'仍可用' if gap_other else '不可用'}，全连接分类头{'可用' if fc_other else '报错'}。",
    )
    if abs(ratio / area - 1) <= GAP_TOLERANCE and area > 1:
        claim = Claim("hw_fewer", "shown", pick(
            lang, f"the GAP head is {ratio:.1f}x smaller, within {GAP_TOLERANCE:.0%} of H*W = {area}.",
            f"GAP 分类头小 {ratio:.1f} 倍，与 H*W = {area} 相差不到 {GAP_TOLERANCE:.0%}。"))
    elif area == 1:
        claim = Claim("hw_fewer", "not_shown", pick(
            lang, "a 1x1 feature map has nothing to average: both heads are the same size.",
            "1x1 的特征图没有可平均的位置：两种分类头一样大。"))
    else:
        claim = Claim("hw_fewer", "not_shown", pick(
            lang, f"the ratio {ratio:.1f} is not within {GAP_TOLERANCE:.0%} of H*W = {area}: "
                  f"with only C = {channels} channel(s) the {classes} biases, shared by both "
                  "heads, are a large part of the GAP head.",
            f"比值 {ratio:.1f} 与 H*W = {area} 相差超过 {GAP_TOLERANCE:.0%}：只有 C = {channels} 个通道时，"
            f"两种分类头都有的 {classes} 个偏置在 GAP 分类头中占了很大比例。"))
    metrics = {
        "fc_params": fc_cost.params,
        "gap_params": gap_cost.params,
        "ratio": ratio,
        "gap_accepts_other_size": gap_other,
        "fc_accepts_other_size": fc_other,
    }
    return DemoResult(summary, metrics, fig, (claim,))


RUNNERS = {"pooling_backward": _pooling, "gap_vs_fc_params": _gap_vs_fc}

LABELS: dict[str, tuple[str, str]] = {
    "max_nonzero_per_window": ("nonzero max-pool gradients per window", "每个窗口最大池化非零梯度数"),
    "max_grad_values": ("max-pool gradient values", "最大池化梯度取值"),
    "avg_grad_values": ("mean-pool gradient values", "平均池化梯度取值"),
    "max_grad_sum": ("max-pool gradient sum", "最大池化梯度之和"),
    "avg_grad_sum": ("mean-pool gradient sum", "平均池化梯度之和"),
    "windows": ("pooling windows", "池化窗口数"),
    "max_grad_at_argmax": ("max-pool gradient sits at the argmax", "最大池化梯度位于最大值处"),
    "fc_params": ("parameters, flatten + FC", "展平 + 全连接参数量"),
    "gap_params": ("parameters, GAP + FC", "GAP + 全连接参数量"),
    "ratio": ("FC / GAP parameters", "全连接 / GAP 参数量之比"),
    "gap_accepts_other_size": ("GAP head takes another size", "GAP 分类头可接受其他尺寸"),
    "fc_accepts_other_size": ("FC head takes another size", "全连接分类头可接受其他尺寸"),
}
