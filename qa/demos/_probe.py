"""Measurements on real torch modules, shared by the demo families.

These are the "independent computation" half of each demo: formulas live in the demos,
and these probes measure what an actual ``nn`` module does, so the two can be compared.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["Cost", "input_gradient", "layer_cost", "nonzero_extent", "ones_conv"]


@dataclass(frozen=True)
class Cost:
    """Parameters, multiply-adds (for one sample) and output shape of a module."""

    params: int
    macs: int
    out_shape: tuple[int, ...]


def _macs_of(module: nn.Module, inp: torch.Tensor, out: torch.Tensor) -> int:
    """Multiply-adds of one conv/linear call for one sample, read off real tensor shapes.

    Each output of a conv is one dot product with one filter (``weight[0]``); each input of a
    transposed conv is scattered through one filter slice. Example: Conv2d(3, 8, 3) on a
    10x10 input -> 8*8*8 outputs * 27 = 13,824.
    """
    per_sample_out = math.prod(out.shape[1:])
    if isinstance(module, nn.ConvTranspose2d):
        return math.prod(inp.shape[1:]) * module.weight[0].numel()
    if isinstance(module, nn.Conv2d | nn.Conv1d):
        return per_sample_out * module.weight[0].numel()
    if isinstance(module, nn.Linear):
        return per_sample_out * module.in_features
    return 0


def layer_cost(module: nn.Module, in_shape: tuple[int, ...]) -> Cost:
    """Count parameters and multiply-adds of ``module`` for an input of ``in_shape``.

    Runs the real module on an *empty batch* (batch size 0): torch still computes every
    output shape, but no arithmetic happens, so a 256-channel 7x7 conv costs milliseconds.
    ``in_shape`` excludes the batch dimension.
    """
    total = [0]

    def hook(mod: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        total[0] += _macs_of(mod, args[0], out)

    # Modules built on the "meta" device (no storage at all) are measured the same way.
    device = next((p.device for p in module.parameters()), torch.device("cpu"))
    handles = [m.register_forward_hook(hook) for m in module.modules()]
    try:
        with torch.no_grad():
            out = module(torch.empty(0, *in_shape, device=device))
    finally:
        for h in handles:
            h.remove()
    params = sum(p.numel() for p in module.parameters())
    return Cost(params=params, macs=total[0], out_shape=tuple(out.shape[1:]))


def ones_conv(conv: nn.Conv2d | nn.ConvTranspose2d) -> nn.Module:
    """Set a conv's weights to 1 and bias to 0 (in place) and return it.

    All-ones weights make "how many paths reach this pixel" visible and rule out a
    random weight cancelling a gradient by accident.
    """
    with torch.no_grad():
        conv.weight.fill_(1.0)
        if conv.bias is not None:
            conv.bias.zero_()
    return conv


def input_gradient(
    net: Callable[[torch.Tensor], torch.Tensor],
    in_size: int,
    pick: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """Gradient of one picked output value w.r.t. a 1-channel ``in_size`` x ``in_size`` input.

    Returns a 2-D tensor; its nonzero support is the receptive field of the picked output.
    """
    x = torch.ones(1, 1, in_size, in_size, requires_grad=True)
    pick(net(x)).backward()
    assert x.grad is not None
    return x.grad[0, 0].detach()


def nonzero_extent(grad: torch.Tensor) -> tuple[int, int]:
    """Height and width of the bounding box of nonzero entries.

    Example: a 5x5 map with nonzeros only in rows 1..3, cols 2..2 -> (3, 1).
    """
    rows = torch.nonzero(grad.abs().sum(dim=1)).flatten()
    cols = torch.nonzero(grad.abs().sum(dim=0)).flatten()
    if rows.numel() == 0:
        return (0, 0)
    return (int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1))
