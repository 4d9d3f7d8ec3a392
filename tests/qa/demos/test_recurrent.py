"""recurrent: gradients to early time steps survive in gated cells and vanish in a tanh RNN."""
from __future__ import annotations

import pytest

from qa.demos import run_demo
from qa.demos.recurrent import step_gradients


def test_lstm_keeps_early_gradients_rnn_loses_them() -> None:
    m = run_demo("lstm_vs_rnn_gradients").metrics  # 50 steps, keep-gate bias 3
    assert m["rnn_first_over_last"] < 1e-10
    assert m["lstm_first_over_last"] > 1e6 * m["rnn_first_over_last"]
    assert m["gru_first_over_last"] > 1e6 * m["rnn_first_over_last"]


def test_a_larger_keep_bias_remembers_longer() -> None:
    weak = run_demo("lstm_vs_rnn_gradients", keep_bias=0.0).metrics
    strong = run_demo("lstm_vs_rnn_gradients", keep_bias=3.0).metrics
    assert strong["lstm_first_over_last"] > 1e3 * weak["lstm_first_over_last"]
    assert strong["lstm_first_over_last"] > 1e-2


@pytest.mark.parametrize("kind", ["RNN (tanh)", "LSTM", "GRU"])
def test_one_gradient_per_step(kind: str) -> None:
    grads = step_gradients(kind, 7, 4, 1.0)
    assert len(grads) == 7 and all(g >= 0 for g in grads)
