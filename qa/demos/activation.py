"""Activation functions: their derivative ranges and what that does to deep networks.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang

__all__ = ["KEPT", "LABELS", "RUNNERS", "VANISHED", "activation_derivative", "layer_grad_norms"]

# First-layer gradient / last layer's: "vanished" at or below 1e-2, "kept" within 10x of 1.
VANISHED, KEPT = 1e-2, 10.0

Activation = Callable[[torch.Tensor], torch.Tensor]


def _activations(slope: float) -> dict[str, Activation]:
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "ReLU": torch.relu,
        f"LeakyReLU({slope:g})": lambda x: F.leaky_relu(x, slope),
    }


def activation_derivative(act: Activation, x: torch.Tensor) -> torch.Tensor:
    """Elementwise derivative of ``act`` at ``x``, by autograd.

    Example: ``activation_derivative(torch.sigmoid, torch.zeros(1))`` -> ``tensor([0.25])``.
    """
    leaf = x.detach().clone().requires_grad_(True)
    act(leaf).sum().backward()
    assert leaf.grad is not None
    return leaf.grad


def layer_grad_norms(act: Activation, depth: int, width: int) -> list[float]:
    """Weight-gradient norm of each layer (input side first) of a ``depth``-layer MLP.

    Every network gets the same He-initialised weights and the same batch, so the only
    difference between two calls is the activation.
    """
    gen = torch.Generator().manual_seed(0)
    # float64: 40 sigmoid layers push the first gradients near float32's smallest number.
    layers = [nn.Linear(width, width, bias=False, dtype=torch.float64) for _ in range(depth)]
    with torch.no_grad():
        for layer in layers:
            layer.weight.normal_(0.0, (2 / width) ** 0.5, generator=gen)
    h = torch.randn(64, width, generator=gen, dtype=torch.float64)
    for layer in layers:
        h = act(layer(h))
    h.pow(2).mean().backward()
    return [float(layer.weight.grad.norm()) for layer in layers if layer.weight.grad is not None]


def _ratio(norms: list[float]) -> float | None:
    """First layer's gradient over the last layer's; ``None`` when the last one is 0."""
    return norms[0] / norms[-1] if norms[-1] else None


def _activation_gradients(depth: int, width: int, negative_slope: float,
                          lang: str = "en") -> DemoResult:
    x = torch.linspace(-6, 6, 1201)
    acts = _activations(negative_slope)
    derivs = {name: activation_derivative(act, x) for name, act in acts.items()}
    norms = {name: layer_grad_norms(act, depth, width) for name, act in acts.items()}
    fl = plot_lang(lang)
    fig, (left, right) = new_figure(2)
    # Distinct line styles: ReLU and LeakyReLU coincide for x > 0 and would hide each other.
    for (name, d), style in zip(derivs.items(), ("-", "-", "--", ":"), strict=True):
        left.plot(x.numpy(), d.numpy(), style, lw=1.8, label=name)
        right.semilogy(range(1, depth + 1), [max(v, 1e-300) for v in norms[name]], style,
                       marker="o", ms=3, label=name)
    left.set_xlabel(pick(fl, "pre-activation x", "激活前的值 x"))
    left.set_ylabel(pick(fl, "derivative f'(x)", "导数 f'(x)"))
    left.set_title(pick(fl, "derivatives", "导数"), fontsize=9)
    left.legend(fontsize=7)
    right.set_xlabel(pick(fl, "layer (1 = next to the input)", "层（1 = 紧邻输入）"))
    right.set_ylabel(pick(fl, "weight-gradient norm", "权重梯度范数"))
    right.set_title(pick(fl, f"{depth} layers, width {width}, He init",
                         f"{depth} 层，宽 {width}，He 初始化"), fontsize=9)
    right.legend(fontsize=7)
    names = list(acts)
    sig, relu = _ratio(norms["sigmoid"]), _ratio(norms["ReLU"])
    metrics: dict[str, object] = {
        "sigmoid_grad_max": float(derivs["sigmoid"].max()),
        "tanh_grad_max": float(derivs["tanh"].max()),
        "relu_grad_values": sorted({float(v) for v in derivs["ReLU"]}),
        "leaky_relu_grad_values": sorted({float(v) for v in derivs[names[3]]}),
        "first_layer_grad": {name: n[0] for name, n in norms.items()},
        "last_layer_grad": {name: n[-1] for name, n in norms.items()},
        "sigmoid_first_over_last": sig,
        "relu_first_over_last": relu,
    }
    shown = "n/a" if relu is None else f"{relu:.1e}"
    summary = pick(
        lang,
        f"Derivatives: sigmoid peaks at {metrics['sigmoid_grad_max']:.4f} (at x=0), tanh at "
        f"{metrics['tanh_grad_max']:.4f}, ReLU is 0 or 1, LeakyReLU {negative_slope:g} or 1. In "
        f"a {depth}-layer MLP with the same He-initialised weights, the first layer's gradient "
        f"is {norms['sigmoid'][0]:.1e} with sigmoid and {norms['ReLU'][0]:.1e} with ReLU: "
        f"{sig:.1e} and {shown} of the last layer's.",
        f"导数：sigmoid 最大为 {metrics['sigmoid_grad_max']:.4f}（在 x=0），tanh 最大为 "
        f"{metrics['tanh_grad_max']:.4f}，ReLU 为 0 或 1，LeakyReLU 为 {negative_slope:g} 或 1。在权重相同"
        f"（He 初始化）的 {depth} 层 MLP 中，第一层的梯度用 sigmoid 时为 {norms['sigmoid'][0]:.1e}，用 "
        f"ReLU 时为 {norms['ReLU'][0]:.1e}：分别是最后一层的 {sig:.1e} 和 {shown}。",
    )
    return DemoResult(summary, metrics, fig, _claims(sig, relu, depth, width, lang))


def _claims(sig: float | None, relu: float | None, depth: int, width: int,
            lang: str) -> tuple[Claim, ...]:
    claims = []
    if sig is not None and sig <= VANISHED:
        claims.append(Claim("sigmoid_vanishes", "shown", pick(
            lang, f"with sigmoid the first layer gets {sig:.1e} of the last layer's gradient "
                  f"(at most {VANISHED:g}): it vanishes.",
            f"用 sigmoid 时第一层的梯度只有最后一层的 {sig:.1e}（不超过 {VANISHED:g}）：梯度消失。")))
    else:
        claims.append(Claim("sigmoid_vanishes", "not_shown", pick(
            lang, f"over {depth} layers the sigmoid gradient only fell to {sig:.1e} of the last "
                  f"layer's, not below {VANISHED:g}: vanishing needs more layers.",
            f"{depth} 层中 sigmoid 的梯度只降到最后一层的 {sig:.1e}，没有低于 {VANISHED:g}：需要更多层才会消失。")))
    if relu is None:
        claims.append(Claim("relu_keeps", "unstable", pick(
            lang, "every ReLU unit of the last layer is dead (gradient 0), so no ratio exists.",
            "最后一层的 ReLU 单元全部死亡（梯度为 0），比值不存在。")))
    elif 1 / KEPT <= relu <= KEPT:
        claims.append(Claim("relu_keeps", "shown", pick(
            lang, f"with ReLU the first layer keeps {relu:.2f} of the last layer's gradient "
                  f"(within {KEPT:g}x of 1).",
            f"用 ReLU 时第一层保留了最后一层梯度的 {relu:.2f}（与 1 相差不到 {KEPT:g} 倍）。")))
    else:
        claims.append(Claim("relu_keeps", "not_shown", pick(
            lang, f"with ReLU the ratio is {relu:.1e}, more than {KEPT:g}x from 1: at width "
                  f"{width} the per-layer fluctuations of a finite layer compound over {depth} "
                  "layers.",
            f"用 ReLU 时比值为 {relu:.1e}，与 1 相差超过 {KEPT:g} 倍：宽度 {width} 时有限宽度带来的逐层波动"
            f"在 {depth} 层中累积。")))
    return tuple(claims)


RUNNERS = {"activation_gradients": _activation_gradients}

LABELS: dict[str, tuple[str, str]] = {
    "sigmoid_grad_max": ("largest sigmoid derivative", "sigmoid 导数最大值"),
    "tanh_grad_max": ("largest tanh derivative", "tanh 导数最大值"),
    "relu_grad_values": ("ReLU derivative values", "ReLU 导数取值"),
    "leaky_relu_grad_values": ("LeakyReLU derivative values", "LeakyReLU 导数取值"),
    "first_layer_grad": ("first-layer gradient", "第一层梯度"),
    "last_layer_grad": ("last-layer gradient", "最后一层梯度"),
    "sigmoid_first_over_last": ("first / last layer, sigmoid", "第一层 / 最后一层（sigmoid）"),
    "relu_first_over_last": ("first / last layer, ReLU", "第一层 / 最后一层（ReLU）"),
}
