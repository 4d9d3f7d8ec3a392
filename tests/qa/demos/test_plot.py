"""_plot: font detection picks a CJK family when present and never draws empty boxes."""
from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from qa.demos._plot import (
    add_title,
    new_figure,
    pick_cjk_font,
    plot_lang,
    png_bytes,
    set_font,
    thin_log_ticks,
)


def test_pick_prefers_the_listed_order() -> None:
    assert pick_cjk_font(["DejaVu Sans", "WenQuanYi Zen Hei", "Noto Sans CJK SC"]) == \
        "Noto Sans CJK SC"
    assert pick_cjk_font(["DejaVu Sans", "WenQuanYi Zen Hei"]) == "WenQuanYi Zen Hei"


def test_pick_falls_back_to_hints_and_to_none() -> None:
    assert pick_cjk_font(["Some Source Han Serif"]) == "Some Source Han Serif"
    assert pick_cjk_font(["DejaVu Sans", "Liberation Mono"]) is None


@pytest.mark.parametrize("lang, font, drawn", [
    ("zh", "", "en"), ("zh", "Noto Sans CJK SC", "zh"), ("en", "Noto Sans CJK SC", "en"),
    ("en", "", "en"),
])
def test_chinese_figures_need_a_cjk_font(lang: str, font: str, drawn: str) -> None:
    assert plot_lang(lang, font=font) == drawn


def test_title_and_font_apply_to_every_text() -> None:
    fig, (ax,) = new_figure()
    ax.set_xlabel("层")
    add_title(fig, "池化")
    set_font(fig, "Noto Sans CJK SC")
    assert fig.get_suptitle() == "池化"
    assert ax.xaxis.label.get_fontfamily()[:2] == ["Noto Sans CJK SC", "DejaVu Sans"]


def test_figures_have_their_own_agg_canvas_and_render() -> None:
    fig, axes = new_figure(2)
    assert isinstance(fig.canvas, FigureCanvasAgg) and len(axes) == 2
    axes[0].semilogy([1, 2, 3], [1e-9, 1e-3, 1.0])
    thin_log_ticks(fig)
    assert axes[0].yaxis.get_minor_locator().__class__.__name__ == "NullLocator"
    assert png_bytes(fig, dpi=20).startswith(b"\x89PNG")
