"""Executable toy demonstrations: small deterministic torch experiments tied to concepts.

Each demo tests a claim from the notes with numbers (``metrics``) and a figure, in well under
a second of CPU, and says for each part of the claim whether this run shows it, does not
show it at these settings (and why), or diverged. Text, figure and metric names follow
``lang`` ("zh" by default, or "en"). The registry is fixed and light (no torch until a demo
runs): demos are our own functions, parameters are typed and bounded, and no user text is
ever evaluated.

Example::

    >>> from qa.demos import get_demo, run_demo
    >>> get_demo("dropout_scaling").preview("en")[:31]
    'Mean output / mean input agains'
    >>> run_demo("one_by_one_bottleneck", lang="en").metrics["direct_weights"]
    819200
"""
from __future__ import annotations

from qa.demos._demo import Demo, DemoResult
from qa.demos._param import Param
from qa.demos._registry import DEMOS, demos_for_concepts, get_demo, list_demos, run_demo

__all__ = [
    "DEMOS",
    "Demo",
    "DemoResult",
    "Param",
    "demos_for_concepts",
    "get_demo",
    "list_demos",
    "run_demo",
]
