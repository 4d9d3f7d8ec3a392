"""Recurrent networks: how far back does the gradient reach?

We differentiate the last hidden state with respect to every input step. In a tanh RNN the
gradient is multiplied by ``W_hh^T diag(tanh')`` once per step and vanishes; the LSTM cell
state (and the GRU's interpolated state) is carried by gates, so with a large enough "keep"
gate bias the gradient to early steps survives. With the common forget bias of 1 it does not
over 50 steps: the gate keeps about sigmoid(1) = 0.73 per step.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from qa.demos._claim import Claim
from qa.demos._demo import DemoResult
from qa.demos._lang import pick
from qa.demos._plot import new_figure, plot_lang

__all__ = ["LABELS", "RUNNERS", "SURVIVED", "VANISHED", "step_gradients"]

# First step's gradient / last step's: "vanished" at or below 1e-3, "survived" at or above 1e-2.
VANISHED, SURVIVED = 1e-3, 1e-2

_CELLS: dict[str, Callable[..., nn.RNNBase]] = {
    "RNN (tanh)": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU,
}


def _set_keep_bias(cell: nn.RNNBase, hidden: int, bias: float) -> None:
    """Bias the LSTM forget gate / GRU update gate towards keeping the old state.

    torch orders gates (i, f, g, o) for LSTM and (r, z, n) for GRU, so both "keep" gates sit
    in rows hidden..2*hidden. A forget bias of 1 is the common default (Jozefowicz 2015).
    """
    with torch.no_grad():
        cell.get_parameter("bias_ih_l0")[hidden:2 * hidden].fill_(bias)
        cell.get_parameter("bias_hh_l0")[hidden:2 * hidden].zero_()


def step_gradients(kind: str, seq_len: int, hidden: int, keep_bias: float) -> list[float]:
    """Norm of d(sum of last hidden state)/d(input at step t) for t = 1..seq_len.

    Every cell type sees the same input sequence.
    """
    torch.manual_seed(0)
    cell = _CELLS[kind](hidden, hidden, batch_first=True)
    if kind != "RNN (tanh)":
        _set_keep_bias(cell, hidden, keep_bias)
    x = torch.randn(1, seq_len, hidden, generator=torch.Generator().manual_seed(1))
    x.requires_grad_(True)
    out, _ = cell(x)
    out[0, -1].sum().backward()
    assert x.grad is not None
    return [float(v) for v in x.grad[0].norm(dim=1)]


def _recurrent(seq_len: int, hidden: int, keep_bias: float, lang: str = "en") -> DemoResult:
    grads = {kind: step_gradients(kind, seq_len, hidden, keep_bias) for kind in _CELLS}
    fl = plot_lang(lang)
    fig, (ax,) = new_figure()
    for kind, g in grads.items():
        ax.semilogy(range(1, seq_len + 1), [max(v, 1e-30) for v in g], label=kind)
    ax.set_xlabel(pick(fl, "input time step t (last step = output)", "输入时间步 t（最后一步 = 输出）"))
    ax.set_ylabel("|d h_T / d x_t|")
    ax.set_title(pick(fl, f"hidden {hidden}, keep-gate bias {keep_bias:g}",
                      f"隐藏单元 {hidden}，门控偏置 {keep_bias:g}"), fontsize=9)
    ax.legend(fontsize=8)
    ratios = {kind: g[0] / g[-1] for kind, g in grads.items()}
    # A gate biased by b keeps about sigmoid(b) of the state per step, over seq_len - 1 steps.
    kept = (1 / (1 + math.exp(-keep_bias))) ** (seq_len - 1)
    metrics = {
        "first_over_last": ratios,
        "rnn_first_over_last": ratios["RNN (tanh)"],
        "lstm_first_over_last": ratios["LSTM"],
        "gru_first_over_last": ratios["GRU"],
        "gate_keeps": kept,
    }
    summary = pick(
        lang,
        f"Gradient of the last hidden state w.r.t. the first of {seq_len} inputs, relative to "
        f"the last input: tanh RNN {ratios['RNN (tanh)']:.1e}, LSTM {ratios['LSTM']:.1e}, GRU "
        f"{ratios['GRU']:.1e} (keep-gate bias {keep_bias:g}; a gate at that bias keeps about "
        f"sigmoid({keep_bias:g})^{seq_len - 1} = {kept:.1e} across the sequence).",
        f"最后一个隐藏状态对 {seq_len} 个输入中第一个的梯度，相对于对最后一个输入的梯度：tanh RNN "
        f"{ratios['RNN (tanh)']:.1e}，LSTM {ratios['LSTM']:.1e}，GRU {ratios['GRU']:.1e}（门控偏置 "
        f"{keep_bias:g}；该偏置下门在整个序列上约保留 sigmoid({keep_bias:g})^{seq_len - 1} = {kept:.1e}）。",
    )
    return DemoResult(summary, metrics, fig, _claims(ratios, seq_len, keep_bias, kept, lang))


def _claims(ratios: dict[str, float], seq_len: int, keep_bias: float, kept: float,
            lang: str) -> tuple[Claim, ...]:
    rnn = ratios["RNN (tanh)"]
    claims = [Claim("rnn_vanishes", "shown", pick(
        lang, f"in the tanh RNN the gradient to step 1 is {rnn:.1e} of the last step's (at most "
              f"{VANISHED:g}): it vanishes"
              + (", below float32's smallest number." if rnn == 0 else "."),
        f"tanh RNN 中第 1 步的梯度只有最后一步的 {rnn:.1e}（不超过 {VANISHED:g}）：梯度消失"
        + ("，低于 float32 能表示的最小数。" if rnn == 0 else "。")))
        if rnn <= VANISHED else Claim("rnn_vanishes", "not_shown", pick(
            lang, f"over only {seq_len} steps the RNN's gradient fell to {rnn:.1e}, not below "
                  f"{VANISHED:g}: vanishing needs a longer sequence.",
            f"只有 {seq_len} 步时 RNN 的梯度降到 {rnn:.1e}，没有低于 {VANISHED:g}：需要更长的序列才会消失。"))]
    for kind in ("LSTM", "GRU"):
        r = ratios[kind]
        if r >= SURVIVED:
            claims.append(Claim(f"{kind.lower()}_keeps", "shown", pick(
                lang, f"in the {kind} the gradient to step 1 is {r:.1e} of the last step's (at "
                      f"least {SURVIVED:g}): it survives.",
                f"{kind} 中第 1 步的梯度是最后一步的 {r:.1e}（至少 {SURVIVED:g}）：梯度得以保留。")))
        else:
            claims.append(Claim(f"{kind.lower()}_keeps", "not_shown", pick(
                lang, f"in the {kind} the gradient to step 1 is only {r:.1e} of the last step's "
                      f"(below {SURVIVED:g}): with keep-gate bias {keep_bias:g} the gate keeps "
                      f"about sigmoid({keep_bias:g}) = {1 / (1 + math.exp(-keep_bias)):.2f} per "
                      f"step, {kept:.1e} over {seq_len - 1} steps; raise keep_bias or shorten the sequence.",
                f"{kind} 中第 1 步的梯度只有最后一步的 {r:.1e}（低于 {SURVIVED:g}）：门控偏置 {keep_bias:g} "
                f"时门每步约保留 sigmoid({keep_bias:g}) = {1 / (1 + math.exp(-keep_bias)):.2f}，{seq_len - 1} "
                f"步后为 {kept:.1e}；请调大 keep_bias 或缩短序列。")))
    return tuple(claims)


RUNNERS = {"lstm_vs_rnn_gradients": _recurrent}

LABELS: dict[str, tuple[str, str]] = {
    "first_over_last": ("first / last step gradient", "首步 / 末步梯度之比"),
    "rnn_first_over_last": ("first / last step, tanh RNN", "首步 / 末步（tanh RNN）"),
    "lstm_first_over_last": ("first / last step, LSTM", "首步 / 末步（LSTM）"),
    "gru_first_over_last": ("first / last step, GRU", "首步 / 末步（GRU）"),
    "gate_keeps": ("share a gate keeps over the sequence", "门在整个序列上保留的比例"),
}
