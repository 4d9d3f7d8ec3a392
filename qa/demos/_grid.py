"""Parameter settings that probe a demo's bounds: the defaults, each parameter alone at its
minimum and maximum (every choice, both booleans), and the all-minimum / all-maximum corners.

The truth test and ``bench/demos.py`` run every demo over these; some combinations are
invalid (a kernel larger than the padded input) and are rejected by :meth:`Demo.validate`.

>>> from qa.demos import get_demo
>>> [name for name, _ in edge_settings(get_demo("pooling_backward"))]
['defaults', 'size=2', 'size=16', 'kernel=4']
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from qa.demos._demo import Demo
from qa.demos._param import ParamValue

__all__ = ["corner", "edge_settings"]


def edge_settings(demo: Demo) -> Iterator[tuple[str, dict[str, ParamValue]]]:
    """``(name, params)`` for the defaults, then each parameter alone at each of its edges."""
    yield "defaults", {}
    for p in demo.params:
        if p.kind == "bool":
            values: list[ParamValue] = [not p.default]
        elif p.kind == "choice":
            values = [c for c in p.choices if c != p.default]
        else:
            cast = int if p.kind == "int" else float
            values = [cast(v) for v in (p.min, p.max) if v is not None and v != p.default]
        for v in values:
            yield (f"{p.name}={v:g}" if isinstance(v, float) else f"{p.name}={v}"), {p.name: v}


def corner(demo: Demo, end: Literal["min", "max"]) -> dict[str, ParamValue]:
    """Every numeric parameter at its minimum (or maximum) at once; others at their defaults."""
    return {p.name: (p.min if end == "min" else p.max) for p in demo.params
            if p.kind in ("int", "float") and p.min is not None and p.max is not None}
