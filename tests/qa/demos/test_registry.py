"""Registry and Demo records: ids, concept links, previews, parameter schemas, a light import,
determinism, output."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from matplotlib.lines import Line2D
from matplotlib.text import Text

import qa.demos
from kg.errors import NotFoundError, ParameterError
from qa.demos import (
    DEMOS,
    Demo,
    DemoResult,
    Param,
    demos_for_concepts,
    get_demo,
    list_demos,
    run_demo,
)
from qa.demos._plot import plot_lang
from qa.demos._registry import _ORDER, build_registry

REPO = Path(__file__).resolve().parents[3]

# The concept ids demos may link to (fallback when corpus/concepts.yaml is absent).
ALLOWED_CONCEPTS = frozenset("""
convolution padding stride conv_1x1 bottleneck receptive_field effective_receptive_field
convolution_factorization vgg dilated_convolution depthwise_separable_convolution
depthwise_convolution mobilenet group_convolution pooling max_pooling average_pooling
global_average_pooling fully_connected_layer batch_normalization dropout overfitting sigmoid
tanh relu leaky_relu vanishing_gradient exploding_gradient residual_connection resnet sgd
momentum adagrad rmsprop adam weight_initialization xavier_initialization he_initialization
transposed_convolution checkerboard_artifacts upsampling downsampling dimension_reduction
enlarge_receptive_field label_smoothing exponential_moving_average spectral_normalization
power_iteration lstm gru rnn parameter_count flops class_imbalance focal_loss
internal_covariate_shift
""".split())

REQUIRED = (
    "conv_output_size", "conv_params_flops", "one_by_one_bottleneck",
    "stacked_3x3_receptive_field", "receptive_field_growth", "depthwise_separable", "group_conv",
    "pooling_backward", "batchnorm_train_eval", "dropout_scaling", "activation_gradients",
    "residual_gradient_flow", "optimizer_race", "weight_init_stats",
    "transposed_conv_checkerboard", "label_smoothing",
)
IDS = list(DEMOS)
NUMERIC = [(d.id, p) for d in DEMOS.values() for p in d.params if p.kind in ("int", "float")]


def test_public_api_is_pinned() -> None:
    assert qa.demos.__all__ == [
        "DEMOS", "Demo", "DemoResult", "Param", "demos_for_concepts", "get_demo", "list_demos",
        "run_demo",
    ]


def test_registry_holds_the_required_demos_in_order() -> None:
    assert len(DEMOS) >= 16
    assert set(REQUIRED) <= set(DEMOS)
    assert [d.id for d in list_demos()] == IDS
    assert all(DEMOS[i].id == i for i in IDS)


def test_registry_is_read_only_and_rejects_duplicates() -> None:
    with pytest.raises(TypeError):
        DEMOS["x"] = DEMOS[IDS[0]]  # type: ignore[index]
    with pytest.raises(ValueError, match="duplicate"):
        build_registry([DEMOS[IDS[0]], DEMOS[IDS[0]]])


@pytest.mark.parametrize("demo_id", IDS)
def test_demo_record_is_complete(demo_id: str) -> None:
    demo = DEMOS[demo_id]
    for text in (demo.title_en, demo.title_zh, demo.claim_en, demo.claim_zh, demo.preview_en,
                 demo.preview_zh):
        assert text.strip() and "\n" not in text
    for zh, en in ((demo.title_zh, demo.title_en), (demo.claim_zh, demo.claim_en),
                   (demo.preview_zh, demo.preview_en)):
        assert _has_cjk(zh) and not _has_cjk(en)
    assert len(demo.preview_en) <= 160 and len(demo.preview_zh) <= 80
    assert demo.concepts and len(set(demo.concepts)) == len(demo.concepts)
    assert len({p.name for p in demo.params}) == len(demo.params)
    assert all(p.help and p.help_zh for p in demo.params)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# Everything the chat and the explorer do with a demo before running it.
_LIGHT_USE = """
import sys
import qa.demos
from qa.demos import demos_for_concepts, get_demo, list_demos
for demo_id in demos_for_concepts(["dropout", "adam", "stride", "lstm"]):
    d = get_demo(demo_id)
    d.title("zh"), d.title_en, d.title_zh, d.preview("en"), d.claim("zh"), d.concepts
    d.validate({}), d.to_dict(), [p.to_dict() for p in d.params]
list_demos()
print(",".join(m for m in ("torch", "matplotlib") if m in sys.modules))
"""


def test_registry_imports_neither_torch_nor_matplotlib() -> None:
    done = subprocess.run([sys.executable, "-c", _LIGHT_USE], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.strip() == "", f"loaded before any run: {done.stdout.strip()}"


def test_running_a_demo_loads_torch() -> None:
    code = ("import sys; from qa.demos import run_demo; run_demo('conv_output_size'); "
            "print('torch' in sys.modules and 'matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize("family", _ORDER)
def test_each_family_runs_and_names_exactly_its_demos(family: str) -> None:
    module = importlib.import_module(f"qa.demos.{family}")
    mine = {d.id for d in DEMOS.values() if d.family == family}
    assert mine and set(module.RUNNERS) == mine


def test_optimizer_surfaces_match_the_card() -> None:
    from qa.demos.optim import SURFACES

    assert get_demo("optimizer_race").param("surface").choices == tuple(SURFACES)


def test_concepts_are_in_the_allowed_list() -> None:
    used = {c for d in DEMOS.values() for c in d.concepts}
    assert used <= ALLOWED_CONCEPTS, sorted(used - ALLOWED_CONCEPTS)


def _catalogue_ids(data: Any) -> set[str]:
    """Concept ids from a catalogue: a list of {id: ...}, a mapping by id, or {concepts: ...}."""
    if isinstance(data, dict) and "concepts" in data:
        return _catalogue_ids(data["concepts"])
    if isinstance(data, dict):
        return {str(k) for k in data}
    if isinstance(data, list):
        return {str(item["id"]) for item in data if isinstance(item, dict) and "id" in item}
    return set()


def test_concepts_exist_in_the_catalogue_when_present() -> None:
    path = REPO / "corpus" / "concepts.yaml"
    if not path.exists():
        pytest.skip("corpus/concepts.yaml not written yet; checked against ALLOWED_CONCEPTS")
    yaml = pytest.importorskip("yaml")
    known = _catalogue_ids(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert known, f"could not find concept ids in {path}"
    used = {c for d in DEMOS.values() for c in d.concepts}
    assert used <= known, sorted(used - known)


def test_demos_for_concepts_in_registry_order_without_duplicates() -> None:
    found = demos_for_concepts(["stride", "padding", "stride"])
    assert found[0] == "conv_output_size"
    assert found == [i for i in IDS if i in found] and len(found) == len(set(found))
    assert set(demos_for_concepts(["vanishing_gradient"])) >= {
        "activation_gradients", "residual_gradient_flow", "lstm_vs_rnn_gradients"}
    assert demos_for_concepts(["no_such_concept"]) == []
    assert demos_for_concepts(iter(["adam"])) == ["optimizer_race", "ema_smoothing"]


@pytest.mark.parametrize("demo_id", IDS)
def test_defaults_validate_and_round_trip_as_strings(demo_id: str) -> None:
    demo = DEMOS[demo_id]
    defaults = {p.name: p.default for p in demo.params}
    assert demo.validate({}) == defaults
    as_cli = {p.name: str(p.default) for p in demo.params}
    assert demo.validate(as_cli) == defaults


@pytest.mark.parametrize("demo_id, param", NUMERIC, ids=[f"{d}.{p.name}" for d, p in NUMERIC])
def test_out_of_range_values_name_the_valid_range(demo_id: str, param: Param) -> None:
    demo = DEMOS[demo_id]
    assert param.max is not None and param.min is not None
    for bad in (param.max + 1, param.min - 1):
        with pytest.raises(ParameterError) as info:
            demo.validate({param.name: bad})
        message = str(info.value)
        assert message.startswith(f"{param.name}=") and param.valid_range() in message


@pytest.mark.parametrize("demo_id", IDS)
def test_wrong_types_and_unknown_names_are_rejected(demo_id: str) -> None:
    demo = DEMOS[demo_id]
    for p in demo.params:
        with pytest.raises(ParameterError, match=p.name):
            demo.validate({p.name: "__import__('os')"})
    with pytest.raises(ParameterError) as info:
        demo.validate({"no_such_param": 1})
    assert "no_such_param" in str(info.value)
    assert all(p.name in str(info.value) for p in demo.params)


def test_cross_parameter_checks_explain_themselves() -> None:
    with pytest.raises(ParameterError, match="kernel=11"):
        run_demo("conv_output_size", in_size=4, kernel=11, padding=0)
    with pytest.raises(ParameterError, match="choose one of 1, 2, 3, 4, 6, 12"):
        run_demo("group_conv", channels=12, groups=5)
    with pytest.raises(ParameterError, match="odd"):
        run_demo("depthwise_separable", kernel=4)
    with pytest.raises(ParameterError, match="multiple of kernel"):
        run_demo("pooling_backward", size=5, kernel=2)


def test_unknown_demo_lists_valid_ids() -> None:
    with pytest.raises(NotFoundError) as info:
        get_demo("no_such_demo")
    assert all(i in str(info.value) for i in IDS)
    with pytest.raises(NotFoundError):
        run_demo("no_such_demo")
    with pytest.raises(NotFoundError):
        get_demo(["not", "hashable"])  # type: ignore[arg-type]


def test_run_accepts_cli_strings() -> None:
    assert run_demo("conv_output_size", stride="2", padding="1").metrics["formula"] == 16


@pytest.mark.parametrize("demo_id", IDS)
def test_runs_are_deterministic(demo_id: str, default_results: dict[str, DemoResult]) -> None:
    again = run_demo(demo_id)
    assert json.dumps(again.metrics, sort_keys=True) == json.dumps(
        default_results[demo_id].metrics, sort_keys=True)
    assert again.text == default_results[demo_id].text


def test_run_restores_threads_and_global_rng() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        state = torch.get_rng_state()
        run_demo("dropout_scaling")
        assert torch.get_num_threads() == 2
        assert torch.equal(torch.get_rng_state(), state)
    finally:
        torch.set_num_threads(before)


def _series_lines(ax: Any) -> list[Line2D]:
    """Plotted data series (not 2-point reference lines such as axhline)."""
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]


@pytest.mark.parametrize("demo_id", IDS)
def test_figure_is_titled_labelled_and_renders(
    demo_id: str, default_results: dict[str, DemoResult]
) -> None:
    result = default_results[demo_id]
    fig = result.figure
    assert fig.get_suptitle() == DEMOS[demo_id].title(plot_lang(result.lang))
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert axes
    for ax in axes:
        assert ax.get_xlabel().strip() and ax.get_ylabel().strip()
        if len(_series_lines(ax)) >= 2:
            assert ax.get_legend() is not None
    assert result.png_bytes(dpi=30).startswith(b"\x89PNG\r\n\x1a\n")
    w, h = fig.get_size_inches()
    assert w <= 8 and h <= 5


@pytest.mark.parametrize("demo_id", IDS)
def test_figure_speaks_the_run_language_when_it_can(demo_id: str,
                                                   default_results: dict[str, DemoResult]) -> None:
    # Chinese runs draw Chinese figures with a CJK font, English ones without (never empty boxes).
    texts = [t.get_text() for t in default_results[demo_id].figure.findobj(Text)]
    assert any(_has_cjk(t) for t in texts) == (plot_lang("zh") == "zh")
    english = run_demo(demo_id, lang="en").figure.findobj(Text)
    assert not any(_has_cjk(t.get_text()) for t in english)


@pytest.mark.parametrize("demo_id", IDS)
def test_metric_names_are_words_in_both_languages(demo_id: str,
                                                  default_results: dict[str, DemoResult]) -> None:
    family = importlib.import_module(f"qa.demos.{DEMOS[demo_id].family}")
    result = default_results[demo_id]
    assert [name for name, _ in result.table] == [family.LABELS[k][1] for k in result.metrics]
    for en, zh in (family.LABELS[k] for k in result.metrics):
        assert "_" not in en and "_" not in zh and not _has_cjk(en) and en != zh


@pytest.mark.parametrize("demo_id", IDS)
def test_to_dict_is_json(demo_id: str, default_results: dict[str, DemoResult]) -> None:
    data = default_results[demo_id].to_dict()
    assert set(data) == {"text", "lang", "claims", "metrics"} and data["text"]
    assert data["claims"] and all(set(c) == {"id", "state", "text"} for c in data["claims"])
    json.dumps(data, allow_nan=False)
    described = DEMOS[demo_id].to_dict()
    json.dumps(described, allow_nan=False)
    assert "fn" not in described and described["id"] == demo_id


def test_save_png_writes_a_png(tmp_path: Path) -> None:
    target = run_demo("ema_smoothing").save_png(tmp_path / "ema.png", dpi=30)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_demo_is_a_frozen_record() -> None:
    demo = get_demo("conv_output_size")
    assert isinstance(demo, Demo)
    with pytest.raises(AttributeError):
        demo.id = "x"  # type: ignore[misc]
