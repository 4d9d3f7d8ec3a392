"""_plot: font detection picks a CJK family when present and never draws empty boxes."""
from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg

from qa.demos._plot import add_title, new_figure, pick_cjk_font, png_bytes, thin_log_ticks


def test_pick_prefers_the_listed_order() -> None:
    assert pick_cjk_font(["DejaVu Sans", "WenQuanYi Zen Hei", "Noto Sans CJK SC"]) == \
        "Noto Sans CJK SC"
    assert pick_cjk_font(["DejaVu Sans", "WenQuanYi Zen Hei"]) == "WenQuanYi Zen Hei"


def test_pick_falls_back_to_hints_and_to_none() -> None:
    assert pick_cjk_font(["Some Source Han Serif"]) == "Some Source Han Serif"
    assert pick_cjk_font(["DejaVu Sans", "Liberation Mono"]) is None


def test_english_only_title_without_a_cjk_font() -> None:
    fig, _ = new_figure()
    add_title(fig, "Pooling", "池化", font="")
    assert fig.get_suptitle() == "Pooling"


def test_bilingual_title_with_a_cjk_font() -> None:
    fig, _ = new_figure()
    add_title(fig, "Pooling", "池化", font="Noto Sans CJK SC")
    assert fig.get_suptitle() == "Pooling\n池化"
    title = next(t for t in fig.texts if t.get_text() == "Pooling\n池化")
    assert title.get_fontfamily()[0] == "Noto Sans CJK SC"


def test_figures_have_their_own_agg_canvas_and_render() -> None:
    fig, axes = new_figure(2)
    assert isinstance(fig.canvas, FigureCanvasAgg) and len(axes) == 2
    axes[0].semilogy([1, 2, 3], [1e-9, 1e-3, 1.0])
    thin_log_ticks(fig)
    assert axes[0].yaxis.get_minor_locator().__class__.__name__ == "NullLocator"
    assert png_bytes(fig, dpi=20).startswith(b"\x89PNG")
