"""Running a demo: the family's function under a fixed seed and one thread, then the figure's
title, fonts and the metric names in the run's language.

This is the only place torch and matplotlib are imported for a run (through the family
module), so ``import qa.demos`` and the registry lookups stay light.
"""
from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace

import torch

from qa.demos._demo import Demo, DemoResult
from qa.demos._lang import Lang, pick
from qa.demos._param import ParamValue
from qa.demos._plot import add_title, cjk_font, plot_lang, set_font, thin_log_ticks

__all__ = ["SEED", "deterministic", "execute"]

SEED = 0
# torch's seed and thread count are process-global; the app runs handlers on threads, so
# runs are serialised. Each run is well under a second, so the lock is cheap.
_RUN_LOCK = threading.RLock()


@contextmanager
def deterministic(seed: int = SEED) -> Iterator[None]:
    """Run the body with torch seeded and single-threaded, then restore both.

    ``fork_rng`` puts the caller's global RNG state back afterwards, so a demo never
    disturbs other torch code in the process.
    """
    with _RUN_LOCK, torch.random.fork_rng(devices=[]):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        torch.manual_seed(seed)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


def execute(demo: Demo, values: Mapping[str, ParamValue], lang: Lang) -> DemoResult:
    """Run ``demo`` with validated ``values``; text in ``lang``, figure in :func:`plot_lang`."""
    family = importlib.import_module(f"qa.demos.{demo.family}")
    with deterministic():
        result: DemoResult = family.RUNNERS[demo.id](lang=lang, **values)
    figure_lang = plot_lang(lang)
    add_title(result.figure, demo.title(figure_lang))
    font = cjk_font()
    if figure_lang == "zh" and font:
        set_font(result.figure, font)
    thin_log_ticks(result.figure)
    labels: Mapping[str, tuple[str, str]] = family.LABELS
    table = tuple((pick(lang, *labels[key]), value) for key, value in result.metrics.items())
    return replace(result, lang=lang, table=table)
