"""Demo handlers: the form follows each schema and can be changed, runs show verdicts and named numbers in the UI
language, bad values are friendly errors."""
from __future__ import annotations

import gradio as gr
import pytest
from matplotlib.figure import Figure

from qa import KnowledgeBase
from qa.demos import Param, get_demo, list_demos
from qa.demos._claim import Claim
from qa.demos._plot import cjk_font
from ui.views.demos import (
    _reset,
    claim_markdown,
    demo_choices,
    format_value,
    kept_values,
    result_markdown,
    run,
    setting_json,
    summary,
    widget,
)


@pytest.mark.parametrize("param, kind", [
    (Param("k", "int", 3, 1, 7), gr.Slider),
    (Param("p", "float", 0.5, 0.0, 1.0), gr.Slider),
    (Param("act", "choice", "relu", choices=("relu", "tanh")), gr.Dropdown),
    (Param("bias", "bool", True), gr.Checkbox),
    (Param("n", "int", 3), gr.Number),
    (Param("lr", "float", 0.1, 0.0001, 1.0), gr.Number),  # four decades: typed, not slid
])
def test_widget_follows_the_schema(param: Param, kind: type) -> None:
    component = widget(param, "en")
    assert isinstance(component, kind) and component.label == param.name
    assert component.value == param.default
    # Made inside gr.render, a control without interactive=True is disabled in the browser.
    assert component.interactive is True and component.elem_id == f"kg-param-{param.name}"


def test_int_sliders_step_by_one() -> None:
    assert widget(Param("k", "int", 3, 1, 7), "zh").step == 1


@pytest.mark.parametrize("demo_id, name", [(d.id, p.name) for d in list_demos() for p in d.params if p.kind == "float"])
def test_float_sliders_reach_round_values_and_their_bounds(demo_id: str, name: str) -> None:
    param = get_demo(demo_id).param(name)
    component = widget(param, "en")
    if isinstance(component, gr.Number):
        assert component.minimum == param.min and component.maximum == param.max
        return
    step = component.step
    for value in (param.default, param.min, param.max):
        assert abs((value - param.min) / step - round((value - param.min) / step)) < 1e-6


@pytest.mark.parametrize("demo", list_demos(), ids=lambda d: d.id)
def test_every_demo_runs_with_its_form_defaults(hash_kb: KnowledgeBase, demo) -> None:
    values = [widget(p, "zh").value for p in demo.params]
    text, figure = run(hash_kb, demo.id, "zh", *values)
    assert isinstance(figure, Figure) and figure.axes
    assert "| 指标 | 值 |" in text and text.count("\n|") >= 3


def test_choices_claims_and_previews_are_bilingual() -> None:
    zh, en = dict((v, k) for k, v in demo_choices("zh")), dict((v, k) for k, v in demo_choices("en"))
    demo = get_demo("dropout_scaling")
    assert zh[demo.id] == demo.title_zh and en[demo.id] == demo.title_en
    shown_zh, shown_en = claim_markdown(demo, "zh"), claim_markdown(demo, "en")
    assert "它要检验的" in shown_zh and "你将看到" in shown_zh and "输出均值" in shown_zh
    assert "What it tests" in shown_en and "What you will see" in shown_en and "Mean output" in shown_en


@pytest.mark.parametrize("lang, words, verdict", [("zh", "保留单元比例", "✓ 已验证"), ("en", "share of units kept", "✓ Shown")])
def test_result_follows_the_ui_language(hash_kb: KnowledgeBase, lang: str, words: str, verdict: str) -> None:
    text, figure = run(hash_kb, "dropout_scaling", lang, 0.5, 10000)
    assert words in text and verdict in text
    assert "kept_fraction" not in text  # metric names are words, not keys
    rows = [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ")][1:]
    assert rows and not any("_" in name for name in rows)
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in figure.axes[0].get_xlabel())
    assert has_cjk == (lang == "zh" and cjk_font() is not None)


@pytest.mark.parametrize(("demo_id", "lang", "kept"), [("dropout_scaling", "en", True), ("dropout_scaling", "zh", False),
                                                       ("conv_output_size", "en", False)])
def test_a_reset_keeps_a_run_of_the_same_demo_in_the_same_language_only(hash_kb: KnowledgeBase, demo_id: str, lang: str,
                                                                         kept: bool) -> None:
    shown, _ = run(hash_kb, "dropout_scaling", "en", 0.5, 1000)  # a Run pressed while the load sets language and demo
    claim, result, figure = _reset(demo_id, lang, shown)
    assert claim == claim_markdown(get_demo(demo_id), lang)
    if kept:
        assert isinstance(result, type(gr.skip())) and isinstance(figure, type(gr.skip()))
    else:
        assert (result, figure) == ("", None)


def test_changed_parameters_change_the_numbers_and_the_verdict(hash_kb: KnowledgeBase) -> None:
    low, _ = run(hash_kb, "dropout_scaling", "en", 0.1, 10000)
    high, _ = run(hash_kb, "dropout_scaling", "en", 0.9, 100)
    assert low != high and "p=0.9" in high
    assert "✗ Not shown at these settings" in high and "✗" not in low


def test_out_of_range_parameter_is_a_friendly_error(hash_kb: KnowledgeBase) -> None:
    with pytest.raises(gr.Error, match="out of range"):
        run(hash_kb, "dropout_scaling", "en", 5.0, 100)


def test_summary_is_json_for_the_api(hash_kb: KnowledgeBase) -> None:
    data = summary(hash_kb, "conv_output_size", {"stride": 2}, "en")
    assert data["id"] == "conv_output_size" and data["metrics"]["formula"] == 16
    with pytest.raises(gr.Error, match="unknown parameter"):
        summary(hash_kb, "conv_output_size", {"nope": 1}, "en")


def test_result_markdown_escapes_the_text() -> None:
    demo = get_demo("dropout_scaling")
    result = demo.run()
    evil = type(result)("<b>x</b> *y*", {"k_<i>": [1.0, 2, True]}, result.figure,
                        (Claim("c", "shown", "<img src=x>"),), "en", (("<i>name</i>", 1.0),))
    text = result_markdown(demo, evil, "en")
    assert "<b>" not in text and "<i>" not in text and "<img" not in text and "\\*y\\*" in text


@pytest.mark.parametrize("value, shown", [(True, "✓"), (0.123456, "0.1235"), (list(range(12)), "0, 1, 2, 3, 4, 5, 6, 7, …"),
                                          ({"a": 1.5}, "a: 1.5"), ("text", "text"), (None, "–")])
def test_format_value(value: object, shown: str) -> None:
    assert format_value(value) == shown


@pytest.mark.parametrize("setting, kept", [
    ('{"demo": "conv_output_size", "values": {"stride": 2, "in_size": "20"}}', {"stride": 2, "in_size": 20}),
    ('{"demo": "conv_params_flops", "values": {"stride": 2}}', {}),  # another demo's values
    ('{"demo": "conv_output_size", "values": {"stride": 99, "kernel": true, "padding": 1}}', {"padding": 1}),
    ('{"demo": "conv_output_size", "values": [2]}', {}), ('[1, 2]', {}), ("{oops", {}), ("", {}), (None, {}),
])
def test_kept_values_are_the_valid_ones_of_this_demo(setting: str | None, kept: dict) -> None:
    demo = get_demo("conv_output_size")
    assert kept_values(demo, setting) == kept
    for name, value in kept.items():  # and the form shows them
        assert widget(demo.param(name), "en", value=value).value == value


@pytest.mark.parametrize("demo", list_demos(), ids=lambda d: d.id)
def test_a_form_setting_round_trips(demo) -> None:
    values = [widget(p, "zh").value for p in demo.params]
    assert kept_values(demo, setting_json(demo.id, [p.name for p in demo.params], *values)) == \
        {p.name: p.coerce(v) for p, v in zip(demo.params, values)}
