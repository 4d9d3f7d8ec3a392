"""Recurrent networks: how far back does the gradient reach?

We differentiate the last hidden state with respect to every input step. In a tanh RNN the
gradient is multiplied by ``W_hh^T diag(tanh')`` once per step and vanishes; the LSTM cell
state (and the GRU's interpolated state) is carried by gates, so with a "keep" gate bias the
gradient to early steps survives.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._plot import new_figure

__all__ = ["DEMOS", "step_gradients"]

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


def _recurrent(seq_len: int, hidden: int, keep_bias: float) -> DemoResult:
    grads = {kind: step_gradients(kind, seq_len, hidden, keep_bias) for kind in _CELLS}
    fig, (ax,) = new_figure()
    for kind, g in grads.items():
        ax.semilogy(range(1, seq_len + 1), [max(v, 1e-30) for v in g], label=kind)
    ax.set_xlabel("input time step t (last step = output)")
    ax.set_ylabel("|d h_T / d x_t|")
    ax.set_title(f"hidden {hidden}, keep-gate bias {keep_bias:g}", fontsize=9)
    ax.legend(fontsize=8)
    ratios = {kind: g[0] / g[-1] for kind, g in grads.items()}
    metrics = {
        "first_over_last": ratios,
        "rnn_first_over_last": ratios["RNN (tanh)"],
        "lstm_first_over_last": ratios["LSTM"],
        "gru_first_over_last": ratios["GRU"],
    }
    text = (
        f"Gradient of the last hidden state w.r.t. the first of {seq_len} inputs, relative to "
        f"the last input: tanh RNN {ratios['RNN (tanh)']:.1e}, LSTM {ratios['LSTM']:.1e}, GRU "
        f"{ratios['GRU']:.1e} (keep-gate bias {keep_bias:g}). The RNN multiplies by "
        "W_hh^T diag(tanh') at every step and the signal vanishes; the gated cell state "
        "carries it across many steps."
    )
    return DemoResult(text, metrics, fig)


DEMOS: tuple[Demo, ...] = (
    Demo(
        id="lstm_vs_rnn_gradients",
        title_en="Gradients through time: LSTM/GRU vs plain RNN",
        title_zh="随时间反向传播：LSTM/GRU 与普通 RNN 的梯度",
        claim_en="The gradient to early time steps survives in an LSTM and vanishes in a tanh RNN.",
        claim_zh="LSTM 中对早期时间步的梯度得以保留，而 tanh RNN 中的梯度会消失。",
        concepts=("lstm", "gru", "rnn", "vanishing_gradient"),
        params=(
            Param("seq_len", "int", 50, 5, 100, help="sequence length", help_zh="序列长度"),
            Param("hidden", "int", 32, 4, 64, help="hidden units", help_zh="隐藏单元数"),
            Param("keep_bias", "float", 1.0, 0.0, 5.0,
                  help="initial bias of the LSTM forget / GRU update gate",
                  help_zh="LSTM 遗忘门 / GRU 更新门的初始偏置"),
        ),
        fn=_recurrent,
    ),
)
