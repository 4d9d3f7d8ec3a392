"""Figures for demonstrations: pyplot-free, small, and honest about fonts.

Why no ``pyplot``: the app serves several users from threads and pyplot keeps a global
"current figure". Every figure here is a plain :class:`~matplotlib.figure.Figure` with its
own Agg canvas.

Why the font check: matplotlib's default font (DejaVu Sans) has no Chinese glyphs and draws
empty boxes instead. We add the Chinese half of a title only when a CJK font is installed;
otherwise a Chinese run draws its figure in English (:func:`plot_lang`).
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import NullLocator

from qa.demos._lang import Lang

__all__ = [
    "CJK_FAMILIES",
    "add_title",
    "cjk_font",
    "new_figure",
    "pick_cjk_font",
    "plot_lang",
    "png_bytes",
    "set_font",
    "thin_log_ticks",
]

# Preferred families first; any installed name containing one of _CJK_HINTS is a fallback.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Heiti SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)
_CJK_HINTS = ("cjk", "wenquanyi", "source han", "yahei", "simhei", "pingfang")

WIDTH, HEIGHT = 7.0, 4.0


def pick_cjk_font(available: Iterable[str]) -> str | None:
    """First preferred CJK family among ``available`` font names, else ``None``.

    Example: ``pick_cjk_font(["DejaVu Sans", "WenQuanYi Zen Hei"]) == "WenQuanYi Zen Hei"``.
    """
    names = set(available)
    for family in CJK_FAMILIES:
        if family in names:
            return family
    hinted = sorted(n for n in names if any(h in n.lower() for h in _CJK_HINTS))
    return hinted[0] if hinted else None


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The installed CJK font family matplotlib can use, or ``None`` (cached per process)."""
    return pick_cjk_font(f.name for f in font_manager.fontManager.ttflist)


def new_figure(ncols: int = 1, nrows: int = 1, **subplot_kw: Any) -> tuple[Figure, list[Axes]]:
    """A small Agg-backed figure and its axes as a flat list.

    Example: ``fig, (left, right) = new_figure(2)``.
    """
    fig = Figure(figsize=(WIDTH, HEIGHT), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, subplot_kw=subplot_kw or None)
    return fig, [ax for row in axes for ax in row]


def plot_lang(lang: str, font: str | None = None) -> Lang:
    """The language a figure can be drawn in: ``lang``, unless it is Chinese and no CJK
    ``font`` (default :func:`cjk_font`) is installed.

    Example: ``plot_lang("zh", font="") == "en"``; ``plot_lang("zh", font="Noto Sans CJK SC") == "zh"``.
    """
    font = cjk_font() if font is None else font
    return "zh" if lang == "zh" and font else "en"


def add_title(fig: Figure, title: str) -> None:
    """Set the figure title (one language: see :func:`plot_lang`)."""
    fig.suptitle(title, fontsize=11)


def set_font(fig: Figure, font: str) -> None:
    """Draw every text of ``fig`` in ``font``, falling back to DejaVu Sans for other glyphs.

    Set per text object rather than through ``rcParams``: the app runs handlers on threads
    and rcParams is global.
    """
    for text in fig.findobj(Text):
        text.set_fontfamily([font, "DejaVu Sans"])


def thin_log_ticks(fig: Figure) -> None:
    """Drop minor ticks on log axes spanning more than two decades.

    They are unreadable at this size anyway, and each tick is a Text and a Line2D that the
    layout engine measures: without this a 20-decade axis takes most of the render time.
    """
    for ax in fig.axes:
        for axis, scale, (low, high) in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()),
                                         (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
            if scale == "log" and low > 0 and high / low > 100:
                axis.set_minor_locator(NullLocator())


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """Render ``fig`` as PNG bytes with its own Agg canvas (thread-safe, no pyplot)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
