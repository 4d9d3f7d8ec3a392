"""Demo handlers: the form follows each schema, runs show numbers and a figure, bad values are friendly errors."""
from __future__ import annotations

import gradio as gr
import pytest
from matplotlib.figure import Figure

from qa import KnowledgeBase
from qa.demos import Param, get_demo, list_demos
from ui.views.demos import claim_markdown, demo_choices, format_value, result_markdown, run, summary, widget


@pytest.mark.parametrize("param, kind", [
    (Param("k", "int", 3, 1, 7), gr.Slider),
    (Param("p", "float", 0.5, 0.0, 1.0), gr.Slider),
    (Param("act", "choice", "relu", choices=("relu", "tanh")), gr.Dropdown),
    (Param("bias", "bool", True), gr.Checkbox),
    (Param("n", "int", 3), gr.Number),
])
def test_widget_follows_the_schema(param: Param, kind: type) -> None:
    component = widget(param, "en")
    assert isinstance(component, kind) and component.label == param.name
    assert component.value == param.default


def test_int_sliders_step_by_one() -> None:
    assert widget(Param("k", "int", 3, 1, 7), "zh").step == 1


@pytest.mark.parametrize("demo", list_demos(), ids=lambda d: d.id)
def test_every_demo_runs_with_its_form_defaults(hash_kb: KnowledgeBase, demo) -> None:
    values = [widget(p, "zh").value for p in demo.params]
    text, figure = run(hash_kb, demo.id, "zh", *values)
    assert isinstance(figure, Figure) and figure.axes
    assert "| 指标 | 值 |" in text and text.count("\n|") >= 3


def test_choices_and_claims_are_bilingual() -> None:
    zh, en = dict((v, k) for k, v in demo_choices("zh")), dict((v, k) for k, v in demo_choices("en"))
    demo = get_demo("dropout_scaling")
    assert zh[demo.id] == demo.title_zh and en[demo.id] == demo.title_en
    assert "它要说明的" in claim_markdown(demo, "zh") and "What it shows" in claim_markdown(demo, "en")


def test_changed_parameters_change_the_numbers(hash_kb: KnowledgeBase) -> None:
    low, _ = run(hash_kb, "dropout_scaling", "en", 0.1, 10000)
    high, _ = run(hash_kb, "dropout_scaling", "en", 0.8, 10000)
    assert low != high and "p=0.8" in high


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
    evil = type(result)("<b>x</b> *y*", {"k_<i>": [1.0, 2, True]}, result.figure)
    text = result_markdown(demo, evil, "en")
    assert "<b>" not in text and "<i>" not in text and "\\*y\\*" in text


@pytest.mark.parametrize("value, shown", [(True, "✓"), (0.123456, "0.1235"), (list(range(12)), "0, 1, 2, 3, 4, 5, 6, 7, …"),
                                          ({"a": 1.5}, "a: 1.5"), ("text", "text")])
def test_format_value(value: object, shown: str) -> None:
    assert format_value(value) == shown
