"""Residual connections: gradients through identity shortcuts vs through a plain stack.
"""
from __future__ import annotations

import torch
from torch import nn

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._plot import new_figure

__all__ = ["DEMOS", "grad_norms"]


def grad_norms(layers: list[nn.Linear], activation: str, residual: bool) -> list[float]:
    """Weight-gradient norm per layer (input side first) of ``h <- [h +] act(W h)``.

    The same ``layers`` serve both variants, so the shortcut is the only difference.
    """
    act = torch.tanh if activation == "tanh" else torch.relu
    for layer in layers:
        layer.zero_grad()
    h = torch.randn(64, layers[0].in_features, generator=torch.Generator().manual_seed(1),
                    dtype=layers[0].weight.dtype)
    for layer in layers:
        branch = act(layer(h))
        h = h + branch if residual else branch
    h.pow(2).mean().backward()
    return [float(layer.weight.grad.norm()) for layer in layers if layer.weight.grad is not None]


def _ratio(a: float, b: float) -> float | None:
    """``a / b``, or ``None`` when ``b`` is 0 (e.g. a ReLU stack whose units all died)."""
    return a / b if b else None


def _fmt(x: float | None) -> str:
    """A spread for the text: ``1.9x``, ``4.7e+07x``, or ``infinitely`` for a 0 denominator."""
    if x is None:
        return "infinitely"
    return f"{x:.1f}x" if x < 100 else f"{x:.1e}x"


def _residual(depth: int, width: int, activation: str) -> DemoResult:
    # PyTorch's default init; float64 because the plain stack's gradients fall below
    # float32's smallest number after ~50 layers.
    layers = [nn.Linear(width, width, dtype=torch.float64) for _ in range(depth)]
    plain = grad_norms(layers, activation, residual=False)
    resid = grad_norms(layers, activation, residual=True)
    # Relative to the last layer, so both curves start at 1 on the output side.
    rel_plain = [_ratio(g, plain[-1]) or 0.0 for g in plain]
    rel_resid = [_ratio(g, resid[-1]) or 0.0 for g in resid]
    plain_spread, resid_spread = _ratio(max(plain), min(plain)), _ratio(max(resid), min(resid))
    fig, (ax,) = new_figure()
    ax.semilogy(range(1, depth + 1), rel_plain, "o-", ms=3, label="plain: h = f(h)")
    ax.semilogy(range(1, depth + 1), rel_resid, "s-", ms=3, label="residual: h = h + f(h)")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("gradient norm / last layer's")
    ax.set_title(f"{depth} layers of width {width}, {activation}", fontsize=9)
    ax.legend(fontsize=8)
    metrics = {
        "plain_first_over_last": rel_plain[0],
        "residual_first_over_last": rel_resid[0],
        "plain_spread": plain_spread,
        "residual_spread": resid_spread,
        "plain_relative": rel_plain,
        "residual_relative": rel_resid,
    }
    text = (
        f"Same {depth} {activation} layers, with and without identity shortcuts. Plain: the "
        f"first layer's gradient is {rel_plain[0]:.1e} of the last layer's (it decays toward "
        f"the input). Residual: {rel_resid[0]:.2f}, because d(h + f(h))/dh = I + f' always "
        f"passes the gradient through unchanged; across layers the norms vary "
        f"{_fmt(resid_spread)} instead of {_fmt(plain_spread)}."
    )
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="residual_gradient_flow",
        title_en="Gradient flow with residual connections",
        title_zh="残差连接中的梯度流动",
        claim_en="Identity shortcuts keep per-layer gradients near constant; a plain stack decays.",
        claim_zh="恒等捷径使各层梯度大致不变；普通堆叠网络的梯度向输入端衰减。",
        concepts=("residual_connection", "resnet", "vanishing_gradient"),
        params=(
            Param("depth", "int", 30, 2, 60, help="number of layers", help_zh="层数"),
            Param("width", "int", 32, 8, 128, help="units per layer", help_zh="每层单元数"),
            Param("activation", "choice", "tanh", choices=("tanh", "relu"),
                  help="activation inside each layer", help_zh="每层的激活函数"),
        ),
        fn=_residual,
    ),
)
