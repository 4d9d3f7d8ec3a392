"""Every demo over a grid of settings, edges of the bounds included: the text never says what the
numbers contradict.

For each run, an oracle written here from the run's *metrics* (with the thresholds the demo
module declares) decides which state each claim must be in: ``shown``, ``not_shown`` or
``unstable``. The run's claims must agree, and its text must carry exactly those verdicts. The
grid varies one parameter at a time to its minimum and maximum, plus every choice and boolean;
the all-minimum and all-maximum corners are heavier and marked ``slow``.
"""
from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from kg.errors import ParameterError
from qa.demos import (
    DEMOS,
    DemoResult,
    activation,
    efficient_conv,
    initialization,
    normalization,
    optim,
    pooling,
    receptive_field,
    recurrent,
    regularization,
    residual,
    run_demo,
)
from qa.demos._claim import STATES, state_label
from qa.demos._grid import corner, edge_settings

Metrics = dict[str, Any]
Oracle = Callable[[Metrics, dict[str, Any]], dict[str, str]]


def _s(ok: bool) -> str:
    return "shown" if ok else "not_shown"


def _conv_out(n: int, k: int, s: int, p: int, d: int) -> int:
    # Written out again on purpose: the demo's formula must include the dilation.
    return math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1


def _conv_output_size(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    expected = _conv_out(p["in_size"], p["kernel"], p["stride"], p["padding"], p["dilation"])
    assert m["formula"] == expected
    return {"formula_matches": _s(m["formula"] == m["measured"]
                                  and m["grid_matched"] == m["grid_total"])}


def _bottleneck(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    saves = min(m["weight_ratio"], m["mac_ratio"]) >= efficient_conv.MIN_SAVING
    return {"bottleneck_saves": _s(saves and m["direct_out_shape"] == m["bottleneck_out_shape"])}


def _separable(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    return {"formula_matches": _s(abs(m["param_ratio"] - m["formula_ratio"]) < 1e-12),
            "separable_saves": _s(m["param_ratio"] * efficient_conv.MIN_SAVING <= 1)}


def _stacked(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    return {"same_field": _s(m["rf_stacked"] == m["rf_single"] == 2 * p["n"] + 1),
            "fewer_weights": _s(m["params_stacked"] < m["params_single"])}


def _growth(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    return {"growth": _s(m["theory_match"] and p["depth"] >= receptive_field.MIN_GROWTH_DEPTH)}


def _gridding(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    return {"gridding": _s(m["touched_on_grid"] and m["gridded_fraction"] < 1),
            "mixed_rates_fill": _s(m["mixed_fraction"] > m["gridded_fraction"])}


def _pooling(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    return {"max_routes": _s(m["max_nonzero_per_window"] == [1] and m["max_grad_at_argmax"]),
            "mean_splits": _s(m["avg_grad_values"] == [1 / p["kernel"] ** 2])}


def _gap(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    area = p["spatial"] ** 2
    return {"hw_fewer": _s(area > 1 and abs(m["ratio"] / area - 1) <= pooling.GAP_TOLERANCE)}


def _batchnorm(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    tol = normalization.STD_TOLERANCE
    normalised = (m["train_mean_abs_max"] <= normalization.MEAN_TOLERANCE
                  and 1 - tol <= m["train_std_min"] and m["train_std_max"] <= 1 + tol)
    return {"train_normalises": _s(normalised),
            "eval_uses_running": _s(m["eval_formula_max_err"] <= 1e-4),
            "running_caught_up": _s(m["running_mean_rel_error"] <= normalization.RUNNING_TOLERANCE)}


def _spectral(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    tol = normalization.SVD_TOLERANCE
    return {"converges": _s(m["rel_error"] <= tol),
            "normalised_to_one": _s(abs(m["normalised_sigma"] - 1) <= 10 * tol)}


def _dropout(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    scale = 1 / (1 - p["p"])
    exact = m["kept_fraction"] > 0 and m["kept_scale_min"] == pytest.approx(scale, rel=1e-5) \
        and m["kept_scale_max"] == pytest.approx(scale, rel=1e-5)
    return {"kept_scaled": _s(exact),
            "mean_kept": _s(abs(m["mean_ratio_over_masks"] - 1) <= regularization.MEAN_TOLERANCE),
            "eval_identity": _s(m["eval_is_identity"])}


def _smoothing(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    tried = p["epsilon"] > 0 and p["steps"] >= regularization.MIN_STEPS
    cycling = tried and m["gap_smooth_turns"] >= regularization.OSCILLATING * 18
    bounded = (tried and m["gap_smooth_change"] <= regularization.SETTLED
               and m["gap_smooth"] < m["gap_hard"])
    return {"targets_sum_to_one": _s(m["target_sum_max_dev"] <= 1e-6
                                     and abs(m["ce_manual"] - m["ce_torch"]) <= 1e-5),
            "gap_bounded": "unstable" if cycling else _s(bounded)}


def _activation(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    relu = m["relu_first_over_last"]
    keeps = "unstable" if relu is None else _s(1 / activation.KEPT <= relu <= activation.KEPT)
    return {"sigmoid_vanishes": _s(m["sigmoid_first_over_last"] <= activation.VANISHED),
            "relu_keeps": keeps}


def _residual(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    if m["residual_spread"] is None:
        return {"residual_steady": "unstable"}
    return {"residual_steady": _s(m["residual_spread"] <= residual.STEADY),
            "plain_decays": _s(m["plain_first_over_last"] <= residual.DECAYED)}


def _init(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    f = initialization.FACTOR
    return {"he_keeps_relu": _s(1 / f <= m["he_relu_change"] <= f),
            "xavier_shrinks_relu": _s(m["xavier_relu_change"] <= 1 / f),
            "normal_explodes_relu": _s(m["normal_relu_change"] >= f),
            "tanh_saturation": _s(m["normal_tanh_saturated"] >= initialization.SATURATED
                                  and m["xavier_tanh_saturated"] <= initialization.LINEAR),
            "zero_symmetric": _s(m["zero_init_unit_spread"] == 0
                                 and m["xavier_init_unit_spread"] > 0)}


def _race(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    final = m["final_loss"]
    if any(final[n] is None for n in ("SGD", "Momentum", "Adam")):
        return {"momentum_adam_beat_sgd": "unstable"}
    beats = all(final[n] * optim.BEATS <= final["SGD"] for n in ("Momentum", "Adam"))
    return {"momentum_adam_beat_sgd": _s(beats)}


def _ema(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    fixed = m["start_error_corrected"] * optim.CORRECTS <= m["start_error_raw"]
    return {"correction_fixes_bias": _s(fixed)}


def _checkerboard(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    even = m["ratio_chosen"] == 1.0
    return {"divisibility_rule": _s((p["kernel"] % p["stride"] == 0) == even),
            "even_alternatives": _s(m["ratio_divisible"] == m["ratio_resize_conv"] == 1.0)}


def _recurrent(m: Metrics, p: dict[str, Any]) -> dict[str, str]:
    return {"rnn_vanishes": _s(m["rnn_first_over_last"] <= recurrent.VANISHED),
            "lstm_keeps": _s(m["lstm_first_over_last"] >= recurrent.SURVIVED),
            "gru_keeps": _s(m["gru_first_over_last"] >= recurrent.SURVIVED)}


ORACLES: dict[str, Oracle] = {
    "conv_output_size": _conv_output_size,
    "conv_params_flops": lambda m, p: {"formulas_match": _s(
        m["params_formula"] == m["params_measured"] and m["macs_formula"] == m["macs_measured"])},
    "one_by_one_bottleneck": _bottleneck,
    "depthwise_separable": _separable,
    "group_conv": lambda m, p: {"one_over_g": _s(
        m["ratio"] == p["groups"] and m["slice_max_diff"] <= efficient_conv.SLICE_TOLERANCE)},
    "stacked_3x3_receptive_field": _stacked,
    "receptive_field_growth": _growth,
    "dilated_conv_gridding": _gridding,
    "pooling_backward": _pooling,
    "gap_vs_fc_params": _gap,
    "batchnorm_train_eval": _batchnorm,
    "spectral_norm_power_iteration": _spectral,
    "dropout_scaling": _dropout,
    "label_smoothing": _smoothing,
    "activation_gradients": _activation,
    "residual_gradient_flow": _residual,
    "weight_init_stats": _init,
    "optimizer_race": _race,
    "ema_smoothing": _ema,
    "transposed_conv_checkerboard": _checkerboard,
    "lstm_vs_rnn_gradients": _recurrent,
}


# Settings that the issue found contradicted by their own text, and a few near thresholds.
_EXTRA: list[tuple[str, dict[str, Any]]] = [
    ("dropout_scaling", {"p": 0.9, "units": 100}),
    ("optimizer_race", {"lr": 1.0}),
    ("optimizer_race", {"lr": 1.0, "surface": "rosenbrock"}),
    ("optimizer_race", {"steps": 100}),
    ("weight_init_stats", {"depth": 30, "width": 16}),
    ("lstm_vs_rnn_gradients", {"keep_bias": 1.0}),
    ("conv_output_size", {"dilation": 3, "kernel": 5, "padding": 0, "stride": 2}),
    ("transposed_conv_checkerboard", {"kernel": 4, "stride": 2}),
    ("label_smoothing", {"epsilon": 0.0}),
    ("label_smoothing", {"steps": 5}),
    ("label_smoothing", {"epsilon": 0.5, "classes": 2}),  # gradient descent cycles here
]

GRID = [(d.id, name, params) for d in DEMOS.values() for name, params in edge_settings(d)]
GRID += [(demo_id, ",".join(f"{k}={v}" for k, v in params.items()), params)
         for demo_id, params in _EXTRA]
CORNERS = [(d.id, end) for d in DEMOS.values() for end in ("min", "max")
           if any(p.kind in ("int", "float") for p in d.params)]


def check_agreement(demo_id: str, params: dict[str, Any], result: DemoResult) -> None:
    """The claims are the oracle's states, and the text shows exactly those verdicts."""
    values = DEMOS[demo_id].validate(params)
    expected = ORACLES[demo_id](result.metrics, values)
    got = {c.id: c.state for c in result.claims}
    assert got == expected, f"{demo_id} {params}: claims {got} but the numbers say {expected}"
    for c in result.claims:
        assert c.state in STATES and c.text.strip()
        assert c.render(result.lang) in result.text
    for state in STATES:
        wanted = sum(c.state == state for c in result.claims)
        assert result.text.count(state_label(state, result.lang)) == wanted
    json.dumps(result.to_dict(), allow_nan=False)
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in result.text)
    assert cjk == (result.lang == "zh"), f"{demo_id}: text is not in {result.lang}"


def _run(demo_id: str, params: dict[str, Any], lang: str) -> DemoResult | None:
    try:
        return run_demo(demo_id, lang=lang, **params)
    except ParameterError:
        return None  # an edge that makes an invalid combination is rejected, not run


@pytest.mark.parametrize("index", range(len(GRID)),
                         ids=[f"{d}[{n}]" for d, n, _ in GRID])
def test_text_agrees_with_the_numbers(index: int) -> None:
    demo_id, _, params = GRID[index]
    result = _run(demo_id, params, "zh" if index % 2 else "en")  # both languages, half the cost
    if result is None:
        pytest.skip("not a valid combination")
    check_agreement(demo_id, params, result)


@pytest.mark.slow
@pytest.mark.parametrize("demo_id, end", CORNERS)
def test_text_agrees_at_the_corners(demo_id: str, end: str) -> None:
    params = corner(DEMOS[demo_id], end)
    result = _run(demo_id, params, "zh")
    if result is None:
        pytest.skip("the corner is not a valid combination")
    check_agreement(demo_id, params, result)


def test_every_demo_has_an_oracle() -> None:
    assert set(ORACLES) == set(DEMOS)


@pytest.mark.parametrize("demo_id", list(DEMOS))
def test_language_changes_words_not_numbers(demo_id: str) -> None:
    zh, en = run_demo(demo_id, lang="zh"), run_demo(demo_id, lang="en")
    assert json.dumps(zh.metrics, sort_keys=True) == json.dumps(en.metrics, sort_keys=True)
    assert [c.state for c in zh.claims] == [c.state for c in en.claims]
    assert zh.text != en.text


def test_the_reported_contradictions_are_gone() -> None:
    drop = run_demo("dropout_scaling", lang="en", p=0.9, units=100)
    assert "about 1" not in drop.text and "0.659" in drop.summary
    race = run_demo("optimizer_race", lang="en", lr=1.0)
    assert race.claims[0].state == "unstable"
    assert "crawls" not in race.text and "much further" not in race.text
    init = run_demo("weight_init_stats", lang="en", depth=30, width=16)
    assert {c.id: c.state for c in init.claims}["he_keeps_relu"] == "not_shown"
    assert "O(1)" not in init.text
    weak = run_demo("lstm_vs_rnn_gradients", lang="zh", keep_bias=1.0)
    assert {c.id: c.state for c in weak.claims}["lstm_keeps"] == "not_shown"
    assert "9.1e-06" in weak.text
    conv = DEMOS["conv_output_size"]
    assert "d(k-1)" in conv.claim_en and "d(k-1)" in conv.claim_zh
    assert run_demo("conv_output_size", dilation=2).metrics["formula"] == 30


def test_default_settings_show_every_claim() -> None:
    # A first run should demonstrate the idea; the other states are for changed settings.
    not_shown = {d: [c.id for c in run_demo(d).claims if c.state != "shown"] for d in DEMOS}
    assert not any(not_shown.values()), not_shown


def test_grid_size() -> None:
    # The closing note reports this figure: demos x settings checked.
    assert len(DEMOS) == 21 and len(GRID) >= 140
    assert {d for d, _, _ in GRID} == set(DEMOS)


@pytest.mark.parametrize("flip", ["state", "text"])
def test_a_claim_that_disagrees_is_caught(flip: str) -> None:
    result = run_demo("dropout_scaling", lang="en", p=0.9, units=100)
    claims = list(result.claims)
    wrong = claims[1]
    if flip == "state":  # the old template: "about 1" beside 0.659
        claims[1] = type(wrong)(wrong.id, "shown", "the mean ratio is about 1.")
        tampered = dataclasses.replace(result, claims=tuple(claims))
    else:  # the right state, but the text keeps another verdict
        tampered = dataclasses.replace(result, summary=result.summary + " " + state_label("shown", "en"))
    with pytest.raises(AssertionError):
        check_agreement("dropout_scaling", {"p": 0.9, "units": 100}, tampered)
