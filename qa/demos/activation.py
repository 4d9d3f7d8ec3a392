"""Activation functions: their derivative ranges and what that does to deep networks.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._plot import new_figure

__all__ = ["DEMOS", "activation_derivative", "layer_grad_norms"]

Activation = Callable[[torch.Tensor], torch.Tensor]


def _activations(slope: float) -> dict[str, Activation]:
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        f"leaky_relu({slope:g})": lambda x: F.leaky_relu(x, slope),
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


def _activation_gradients(depth: int, width: int, negative_slope: float) -> DemoResult:
    x = torch.linspace(-6, 6, 1201)
    acts = _activations(negative_slope)
    derivs = {name: activation_derivative(act, x) for name, act in acts.items()}
    norms = {name: layer_grad_norms(act, depth, width) for name, act in acts.items()}
    fig, (left, right) = new_figure(2)
    # Distinct line styles: ReLU and LeakyReLU coincide for x > 0 and would hide each other.
    for (name, d), style in zip(derivs.items(), ("-", "-", "--", ":"), strict=True):
        left.plot(x.numpy(), d.numpy(), style, lw=1.8, label=name)
        right.semilogy(range(1, depth + 1), norms[name], style, marker="o", ms=3, label=name)
    left.set_xlabel("pre-activation x")
    left.set_ylabel("derivative f'(x)")
    left.set_title("derivatives", fontsize=9)
    left.legend(fontsize=7)
    right.set_xlabel("layer (1 = next to the input)")
    right.set_ylabel("weight-gradient norm")
    right.set_title(f"{depth}-layer MLP, width {width}, He init", fontsize=9)
    right.legend(fontsize=7)
    names = list(acts)
    metrics: dict[str, object] = {
        "sigmoid_grad_max": float(derivs["sigmoid"].max()),
        "tanh_grad_max": float(derivs["tanh"].max()),
        "relu_grad_values": sorted({float(v) for v in derivs["relu"]}),
        "leaky_relu_grad_values": sorted({float(v) for v in derivs[names[3]]}),
        "first_layer_grad": {name: n[0] for name, n in norms.items()},
        "last_layer_grad": {name: n[-1] for name, n in norms.items()},
    }
    sig, relu = norms["sigmoid"], norms["relu"]
    metrics["sigmoid_first_over_last"] = sig[0] / sig[-1]
    metrics["relu_first_over_last"] = relu[0] / relu[-1]
    text = (
        f"Derivatives: sigmoid peaks at {metrics['sigmoid_grad_max']:.4f} (at x=0), tanh at "
        f"{metrics['tanh_grad_max']:.4f}, ReLU is 0 or 1, LeakyReLU {negative_slope:g} or 1. "
        f"Back-propagating through {depth} layers multiplies by f' each time: the first-layer "
        f"gradient is {sig[0]:.1e} with sigmoid vs {relu[0]:.1e} with ReLU (same weights), "
        f"i.e. {sig[0] / sig[-1]:.1e} vs {relu[0] / relu[-1]:.1e} of the last layer's."
    )
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="activation_gradients",
        title_en="Activation derivatives and vanishing gradients",
        title_zh="激活函数导数与梯度消失",
        claim_en="Sigmoid's derivative is at most 0.25, so deep sigmoid nets' gradients vanish.",
        claim_zh="sigmoid 的导数最大为 0.25，深层 sigmoid 网络的梯度因此消失；ReLU 不会。",
        concepts=("sigmoid", "tanh", "relu", "leaky_relu", "vanishing_gradient"),
        params=(
            Param("depth", "int", 20, 2, 40, help="number of layers", help_zh="层数"),
            Param("width", "int", 32, 8, 128, help="units per layer", help_zh="每层单元数"),
            Param("negative_slope", "float", 0.01, 0.001, 0.5, help="LeakyReLU slope for x < 0",
                  help_zh="LeakyReLU 负半轴斜率"),
        ),
        fn=_activation_gradients,
    ),
)
