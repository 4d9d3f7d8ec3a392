"""Executable toy demonstrations: small deterministic torch experiments tied to concepts.

Each demo SHOWS a phenomenon from the notes as numbers (``metrics``) and a figure, in well
under a second of CPU. The registry is fixed: demos are our own functions, parameters are
typed and bounded, and no user text is ever evaluated.

Example::

    >>> from qa.demos import run_demo
    >>> run_demo("one_by_one_bottleneck").metrics["direct_weights"]
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
