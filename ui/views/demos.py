"""The 演示 / Demos tab: pick a demonstration, set its parameters, run it, read the numbers and the plot.

The parameter form is generated from the demo's schema (:class:`qa.demos.Param`): bounded
numbers become sliders, choices dropdowns, booleans checkboxes. Controls made inside
``gr.render`` are disabled unless marked ``interactive=True``, so every one is. A result shows
what the run measured, then each claim's verdict (shown / not shown / unstable) and the
metrics by name, all in the UI language. The same formatting serves demos run in the chat.
The values set in the form are mirrored in a hidden :attr:`DemosView.setting` (JSON), so that a
language switch, which reloads the page, brings them back (:func:`kept_values`).

>>> format_value(0.000123456), format_value([1, 2.5]), format_value({"a": True}), format_value(None)
('0.0001235', '1, 2.5', 'a: ✓', '–')
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr
from matplotlib.figure import Figure

from kg.errors import ParameterError
from qa import KnowledgeBase
from qa.compose import escape_markdown
from qa.demos import Demo, DemoResult, Param, get_demo, list_demos
from ui.views.errors import friendly
from ui.views.i18n import Lang, lang_of, t

__all__ = ["title", "demo_choices", "claim_markdown", "format_value", "result_markdown", "widget", "slider_step", "run",
           "summary", "setting_json", "kept_values", "DemosView", "build"]

_LIST_ITEMS = 8


def title(demo: Demo, lang: str) -> str:
    """The demo's title in ``lang``."""
    return demo.title(lang)


def demo_choices(lang: str) -> list[tuple[str, str]]:
    """``(title, id)`` of every demo, in curriculum order."""
    return [(title(d, lang), d.id) for d in list_demos()]


def claim_markdown(demo: Demo, lang: str) -> str:
    """Title, the claim the demo tests and the one line "what you will see", before any run."""
    return (f"### {escape_markdown(title(demo, lang))}\n\n**{t(lang, 'claim')}**: {escape_markdown(demo.claim(lang))}"
            f"\n\n**{t(lang, 'preview')}**: {escape_markdown(demo.preview(lang))}")


def format_value(value: Any) -> str:
    """A metric value, short: 4 significant digits, ✓/✗ for booleans, lists and dicts inline."""
    if value is None or value == []:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        shown = ", ".join(format_value(v) for v in value[:_LIST_ITEMS])
        return shown + (", …" if len(value) > _LIST_ITEMS else "")
    return str(value)


def result_markdown(demo: Demo, result: DemoResult, lang: str) -> str:
    """What the run measured, each claim's verdict and the metrics by name (escaped: nothing here is markup).

    The words come from the run itself (``result.lang``); run the demo in the UI language.
    """
    claims = "\n".join(f"- {escape_markdown(c.render(result.lang))}" for c in result.claims)
    table = result.table or tuple((k, v) for k, v in result.metrics.items())
    rows = "\n".join(f"| {escape_markdown(str(k))} | {escape_markdown(format_value(v))} |" for k, v in table)
    return (f"{_run_heading(demo, lang)}\n\n{escape_markdown(result.summary)}\n\n"
            f"**{t(lang, 'verdicts')}**\n\n{claims}\n\n| {t(lang, 'metric')} | {t(lang, 'value')} |\n|---|---|\n{rows}")


Widget = gr.Checkbox | gr.Dropdown | gr.Slider | gr.Number  # the inputs a parameter can have


def widget(param: Param, lang: str, key: str | None = None, value: Any = None) -> Widget:
    """The input for one parameter, labelled in ``lang`` with its help text, showing ``value``
    (default: the parameter's default); ``key`` keeps it (and the value typed into it) the same
    component when the form is rendered again."""
    value = param.default if value is None else value
    info = (param.help_zh or param.help) if lang == "zh" else (param.help or param.help_zh)
    # interactive=True: inside gr.render a control without it is rendered disabled.
    common: dict[str, Any] = {"label": param.name, "info": info or None, "interactive": True,
                              "elem_id": f"kg-param-{param.name}", "key": key}
    if param.kind == "bool":
        return gr.Checkbox(value=bool(value), **common)
    if param.kind == "choice":
        return gr.Dropdown(list(param.choices), value=value, **common)
    if param.min is not None and param.max is not None and not _spans_decades(param):
        return gr.Slider(param.min, param.max, value=value, step=slider_step(param), **common)
    return gr.Number(value=value, precision=0 if param.kind == "int" else None, minimum=param.min,
                     maximum=param.max, **common)


def _spans_decades(param: Param) -> bool:
    """A float range over 3+ decades (a learning rate 1e-4..1): a slider cannot hit 0.001 and 0.1 both."""
    low, high = param.min, param.max
    return param.kind == "float" and low is not None and high is not None and low > 0 and high / low >= 1000


def slider_step(param: Param) -> float:
    """1 for integers; for floats a power of ten near 1/100 of the range, so round values such as
    0.9 can be set exactly (a step of (max - min)/100 = 0.0095 snaps 0.9 to 0.9025).

    >>> slider_step(Param("p", "float", 0.5, 0.0, 0.95)), slider_step(Param("k", "int", 3, 1, 7))
    (0.001, 1)
    """
    if param.kind == "int" or param.min is None or param.max is None:
        return 1
    return 10.0 ** math.floor(math.log10((param.max - param.min) / 100))


def run(kb: KnowledgeBase, demo_id: str, lang: str, *values: Any) -> tuple[str, Figure]:
    """Run ``demo_id`` with ``values`` in parameter order: (result markdown, figure)."""
    lang = lang_of(lang)
    with friendly(lang):
        demo = get_demo(demo_id)
        params = {p.name: v for p, v in zip(demo.params, values)}
        result = kb.run_demo(demo_id, lang=lang, **params)
    return result_markdown(demo, result, lang), result.figure


def setting_json(demo_id: str, names: Sequence[str], *values: Any) -> str:
    """What :attr:`DemosView.setting` holds: the demo and the values in its form, by name.

    >>> setting_json("conv_output_size", ["stride"], 2)
    '{"demo": "conv_output_size", "values": {"stride": 2}}'
    """
    return json.dumps({"demo": demo_id, "values": dict(zip(names, values))}, ensure_ascii=False)


def kept_values(demo: Demo, setting: str | None) -> dict[str, Any]:
    """The values that ``setting`` (:func:`setting_json`, carried over a reload) holds for ``demo``,
    each checked against its schema. Another demo's, a value out of its bounds (sessionStorage can
    be edited) or junk give nothing, so the form shows the default instead.

    >>> demo = get_demo("conv_output_size")
    >>> kept_values(demo, setting_json(demo.id, ["stride", "kernel"], 2, 99)), kept_values(demo, "{oops")
    ({'stride': 2}, {})
    """
    try:
        saved = json.loads(setting or "{}")
    except ValueError:
        return {}
    values = saved.get("values") if isinstance(saved, dict) and saved.get("demo") == demo.id else None
    if not isinstance(values, dict):
        return {}
    out: dict[str, Any] = {}
    for param in demo.params:
        if param.name in values:
            try:
                out[param.name] = param.coerce(values[param.name])
            except ParameterError:
                pass
    return out


def summary(kb: KnowledgeBase, demo_id: str, params: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """API endpoint: run a demo and return its text and metrics (JSON, no figure)."""
    lang = lang_of(lang)
    with friendly(lang):
        result = kb.run_demo(demo_id, lang=lang, **(params or {}))
    return {"id": demo_id, **result.to_dict()}


@dataclass(frozen=True)
class DemosView:
    tab: gr.Tab
    choice: gr.Dropdown
    claim: gr.Markdown
    figure: gr.Plot
    setting: gr.Textbox  # hidden: the form's values as JSON (setting_json), for a reload to bring back
    shown: gr.Number  # hidden: the page's load sets it once the kept values are back, which renders the form

    @property
    def labelled(self) -> list[gr.blocks.Block]:
        return [self.tab, self.choice, self.figure]

    def relabel(self, lang: Lang) -> list[object]:
        """Updates for :attr:`labelled`, in the same order."""
        return [gr.Tab(label=t(lang, "tab_demos")), gr.Dropdown(label=t(lang, "demo"), choices=demo_choices(lang)),
                gr.Plot(label=t(lang, "figure"))]


def _reset(demo_id: str, lang: str, shown: str | None) -> tuple[str, Any, Any]:
    """A new demo or language: show its claim, clear the previous run, unless what is ``shown``
    is already a run of this demo in this language. After a language switch the page's load sets
    the language and the demo again, and on a loaded machine this reset has landed after a Run
    pressed straight after the switch, wiping its result.

    >>> _reset("conv_output_size", "en", "")[1:]
    ('', None)
    """
    lang = lang_of(lang)
    with friendly(lang):
        demo = get_demo(demo_id)
    if (shown or "").startswith(_run_heading(demo, lang)):
        return claim_markdown(demo, lang), gr.skip(), gr.skip()
    return claim_markdown(demo, lang), "", None


def _run_heading(demo: Demo, lang: str) -> str:
    """How :func:`result_markdown` heads a run of ``demo`` in ``lang``."""
    return f"**{t(lang, 'demo_run')} · {escape_markdown(title(demo, lang))}**"


def _form(kb: KnowledgeBase, outputs: Sequence[gr.components.Component], setting: gr.Textbox, demo_id: str,
          lang_value: str, setting_value: str | None) -> None:
    lang = lang_of(lang_value)
    with friendly(lang):
        demo = get_demo(demo_id)
    kept = kept_values(demo, setting_value)
    # Keys keep the form's components and its Run event the same across renders of one demo: a
    # language switch renders it more than once, and a Run pressed between two renders must still
    # reach a live event, not one the second render removed.
    with gr.Group():
        widgets = [widget(p, lang, key=f"{demo.id}-{p.name}", value=kept.get(p.name)) for p in demo.params]
    button = gr.Button(t(lang, "run"), variant="primary", elem_id="kg-run-demo", key=f"{demo.id}-run")
    button.click(partial(run, kb, demo.id, lang), widgets, list(outputs), api_visibility="private", key=f"{demo.id}-run")
    if widgets:
        gr.on([w.change for w in widgets], partial(setting_json, demo.id, [p.name for p in demo.params]), widgets,
              setting, api_visibility="private", queue=False, key=f"{demo.id}-kept")


def build(kb: KnowledgeBase, lang: gr.Radio) -> DemosView:
    """The tab's components and events (call inside ``gr.Tabs``)."""
    first = list_demos()[0]
    result = gr.Markdown(render=False, elem_id="kg-demo-result")
    figure = gr.Plot(label=t("zh", "figure"), format="png", render=False, elem_id="kg-demo-plot")
    with gr.Tab(t("zh", "tab_demos"), id="demos") as tab:
        with gr.Row():
            with gr.Column(scale=2):
                choice = gr.Dropdown(demo_choices("zh"), value=first.id, label=t("zh", "demo"), elem_id="kg-demo-choice")
                claim = gr.Markdown(claim_markdown(first, "zh"), elem_id="kg-demo-claim")
                setting = gr.Textbox(visible=False, elem_id="kg-demo-setting")
                shown = gr.Number(0, visible=False)
                # Rendered when the page's load has brought back what a language switch kept (the
                # load sets `shown`), not at load itself, which would render the defaults first.
                gr.render(inputs=[choice, lang, setting], triggers=[shown.change, choice.change, lang.change])(
                    partial(_form, kb, (result, figure), setting))
            with gr.Column(scale=3):
                figure.render()
                result.render()
    # Outside the queue, like the relabel it accompanies: queued, a reset that waited behind busy
    # workers could land after a Run pressed right after the switch and wipe its result.
    gr.on([choice.change, lang.change], _reset, [choice, lang, result], [claim, result, figure], api_visibility="private",
          queue=False)
    return DemosView(tab, choice, claim, figure, setting, shown)
