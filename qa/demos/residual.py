"""Residual connections: gradients through identity shortcuts vs through a plain stack.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang

__all__ = ["DECAYED", "LABELS", "RUNNERS", "STEADY", "grad_norms"]

# "Near constant": the residual stack's per-layer norms stay within 10x of each other.
# "Decays": the plain stack's first layer gets at most 1/10 of the last layer's gradient.
STEADY, DECAYED = 10.0, 0.1


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


def _fmt(x: float | None, lang: str) -> str:
    """A spread for the text: ``1.9x``, ``4.7e+07x``, or "infinite" for a 0 denominator."""
    if x is None:
        return pick(lang, "infinitely", "无穷")
    return f"{x:.1f}x" if x < 100 else f"{x:.1e}x"


def _residual(depth: int, width: int, activation: str, lang: str = "en") -> DemoResult:
    # PyTorch's default init; float64 because the plain stack's gradients fall below
    # float32's smallest number after ~50 layers.
    layers = [nn.Linear(width, width, dtype=torch.float64) for _ in range(depth)]
    plain = grad_norms(layers, activation, residual=False)
    resid = grad_norms(layers, activation, residual=True)
    # Relative to the last layer, so both curves start at 1 on the output side.
    rel_plain = [_ratio(g, plain[-1]) or 0.0 for g in plain]
    rel_resid = [_ratio(g, resid[-1]) or 0.0 for g in resid]
    plain_spread, resid_spread = _ratio(max(plain), min(plain)), _ratio(max(resid), min(resid))
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    ax.semilogy(range(1, depth + 1), [max(v, 1e-300) for v in rel_plain], "o-", ms=3,
                label=pick(fl, "plain: h = f(h)", "普通：h = f(h)"))
    ax.semilogy(range(1, depth + 1), [max(v, 1e-300) for v in rel_resid], "s-", ms=3,
                label=pick(fl, "residual: h = h + f(h)", "残差：h = h + f(h)"))
    ax.set_xlabel(pick(fl, "layer (1 = next to the input)", "层（1 = 紧邻输入）"))
    ax.set_ylabel(pick(fl, "gradient norm / last layer's", "梯度范数 / 最后一层的"))
    ax.set_title(pick(fl, f"{depth} layers of width {width}, {activation}",
                      f"{depth} 层，宽 {width}，{activation}"), fontsize=9)
    ax.legend(fontsize=8)
    metrics = {
        "plain_first_over_last": rel_plain[0],
        "residual_first_over_last": rel_resid[0],
        "plain_spread": plain_spread,
        "residual_spread": resid_spread,
        "plain_relative": rel_plain,
        "residual_relative": rel_resid,
    }
    summary = pick(
        lang,
        f"The same {depth} {activation} layers, with and without identity shortcuts. Plain: the "
        f"first layer's gradient is {rel_plain[0]:.1e} of the last layer's, and the norms vary "
        f"{_fmt(plain_spread, lang)} across layers. Residual: {rel_resid[0]:.2f} of the last "
        f"layer's, varying {_fmt(resid_spread, lang)}. The shortcut adds an identity path to "
        "each layer's Jacobian: d(h + f(h))/dh = I + f'.",
        f"同样的 {depth} 个 {activation} 层，有无恒等捷径。普通堆叠：第一层梯度是最后一层的 "
        f"{rel_plain[0]:.1e}，各层范数相差 {_fmt(plain_spread, lang)}。残差：第一层是最后一层的 "
        f"{rel_resid[0]:.2f}，相差 {_fmt(resid_spread, lang)}。捷径为每层的雅可比矩阵加了一条恒等通路："
        "d(h + f(h))/dh = I + f'。",
    )
    return DemoResult(summary, metrics, fig, _claims(metrics, depth, activation, lang))


def _claims(m: dict, depth: int, activation: str, lang: str) -> tuple[Claim, ...]:
    spread, first = m["residual_spread"], m["plain_first_over_last"]
    values = [*m["plain_relative"], *m["residual_relative"]]
    if spread is None or not all(math.isfinite(v) for v in values):
        return (Claim("residual_steady", "unstable", pick(
            lang, "a gradient overflowed or is exactly 0, so the norms cannot be compared.",
            "有梯度溢出或恰为 0，无法比较范数。")),)
    claims = [Claim("residual_steady", "shown", pick(
        lang, f"with shortcuts the per-layer norms stay within {STEADY:g}x of each other "
              f"({_fmt(spread, lang)}).",
        f"有捷径时各层梯度范数彼此相差不到 {STEADY:g} 倍（{_fmt(spread, lang)}）。"))
        if spread <= STEADY else Claim("residual_steady", "not_shown", pick(
            lang, f"even with shortcuts the norms vary {_fmt(spread, lang)} (more than "
                  f"{STEADY:g}x): over {depth} layers the f' terms add up.",
            f"即使有捷径，各层范数仍相差 {_fmt(spread, lang)}（超过 {STEADY:g} 倍）：{depth} 层中 f' "
            "项不断累积。"))]
    claims.append(Claim("plain_decays", "shown", pick(
        lang, f"without shortcuts the first layer gets {first:.1e} of the last layer's gradient "
              f"(at most {DECAYED:g}): it decays toward the input.",
        f"没有捷径时第一层只得到最后一层梯度的 {first:.1e}（不超过 {DECAYED:g}）：向输入端衰减。"))
        if first <= DECAYED else Claim("plain_decays", "not_shown", pick(
            lang, f"the plain stack's first layer still gets {first:.2f} of the last layer's "
                  f"gradient (more than {DECAYED:g}): {depth} {activation} layers are not deep "
                  "enough to make it decay.",
            f"普通堆叠的第一层仍得到最后一层梯度的 {first:.2f}（超过 {DECAYED:g}）：{depth} 个 "
            f"{activation} 层还不够深，梯度没有衰减。")))
    return tuple(claims)


RUNNERS = {"residual_gradient_flow": _residual}

LABELS: dict[str, tuple[str, str]] = {
    "plain_first_over_last": ("first / last layer, plain", "第一层 / 最后一层（普通）"),
    "residual_first_over_last": ("first / last layer, residual", "第一层 / 最后一层（残差）"),
    "plain_spread": ("largest / smallest layer, plain", "最大 / 最小层（普通）"),
    "residual_spread": ("largest / smallest layer, residual", "最大 / 最小层（残差）"),
    "plain_relative": ("per layer / last, plain", "各层 / 最后一层（普通）"),
    "residual_relative": ("per layer / last, residual", "各层 / 最后一层（残差）"),
}
