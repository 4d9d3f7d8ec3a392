"""The fixed registry of demonstrations, in a stable order, and the lookups over it.

The registry is built once from the catalogue cards (``_catalogue_*``): no import-time side
effects, no plugin discovery, nothing a user types can add to it, and no torch or matplotlib
until a demo runs.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from kg.errors import NotFoundError
from qa.demos import _catalogue_training, _catalogue_vision
from qa.demos._demo import Demo, DemoResult

__all__ = ["DEMOS", "build_registry", "demos_for_concepts", "get_demo", "list_demos", "run_demo"]

_CARDS = {**_catalogue_vision.FAMILIES, **_catalogue_training.FAMILIES}
# Curriculum order: convolution arithmetic first, then layers, training, and sequences.
_ORDER = ("conv", "efficient_conv", "receptive_field", "pooling", "normalization",
          "regularization", "activation", "residual", "initialization", "optim", "upsampling",
          "recurrent")


def build_registry(demos: Iterable[Demo]) -> Mapping[str, Demo]:
    """A read-only id -> Demo mapping in the given order; duplicate ids are a bug.

    Example: ``list(build_registry([a, b])) == [a.id, b.id]``.
    """
    table: dict[str, Demo] = {}
    for demo in demos:
        if demo.id in table:
            raise ValueError(f"duplicate demo id {demo.id!r}")
        table[demo.id] = demo
    return MappingProxyType(table)


DEMOS: Mapping[str, Demo] = build_registry(d for family in _ORDER for d in _CARDS[family])


def list_demos() -> list[Demo]:
    """All demos in registry order."""
    return list(DEMOS.values())


def get_demo(demo_id: str) -> Demo:
    """The demo called ``demo_id``, or ``NotFoundError`` listing the valid ids."""
    try:
        return DEMOS[demo_id]
    except (KeyError, TypeError):
        valid = ", ".join(DEMOS)
        raise NotFoundError(f"unknown demo {demo_id!r}: choose one of {valid}") from None


def run_demo(demo_id: str, lang: str = "zh", **params: object) -> DemoResult:
    """Look up ``demo_id`` and run it with ``params`` (strings or native values), worded in ``lang``.

    Example: ``run_demo("conv_output_size", stride="2").metrics["formula"] == 16``.
    """
    return get_demo(demo_id).run(lang, **params)


def demos_for_concepts(concept_ids: Iterable[str]) -> list[str]:
    """Ids of demos linked to any of ``concept_ids``, in registry order, without duplicates.

    Example: ``demos_for_concepts(["stride"])`` -> ``["conv_output_size", ...]``.
    """
    wanted = set(concept_ids)
    return [d.id for d in DEMOS.values() if wanted.intersection(d.concepts)]
