"""The two records of the demo package: a :class:`Demo` and the :class:`DemoResult` it makes.

A demo is data (titles, claims, concept links, parameter schema) plus one of our own torch
functions. :meth:`Demo.run` is the only way in: it validates parameters against the schema,
then calls the function under a fixed seed and a single thread, so the same parameters
always give the same metrics.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from matplotlib.figure import Figure

from kg.errors import ParameterError
from qa.demos._param import Param, ParamValue
from qa.demos._plot import add_title, png_bytes, thin_log_ticks

__all__ = ["SEED", "Demo", "DemoResult", "deterministic"]

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


@dataclass(frozen=True, eq=False)
class DemoResult:
    """What a run shows: a short explanation, JSON-able numbers and a figure.

    Example: ``run_demo("dropout_scaling").metrics["eval_is_identity"] is True``.
    """

    text: str
    metrics: dict[str, Any]
    figure: Figure = field(repr=False)

    def png_bytes(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        return png_bytes(self.figure, dpi=dpi)

    def save_png(self, path: str | Path, dpi: int = 100) -> Path:
        """Write the figure to ``path`` as PNG and return the path."""
        target = Path(path)
        target.write_bytes(self.png_bytes(dpi=dpi))
        return target

    def to_dict(self) -> dict[str, Any]:
        """Text and metrics (no figure), ready for ``json.dumps``."""
        return {"text": self.text, "metrics": dict(self.metrics)}


@dataclass(frozen=True)
class Demo:
    """A registered toy experiment tied to concepts of the knowledge graph.

    ``fn`` receives validated keyword parameters and returns a :class:`DemoResult`;
    ``check`` (optional) rejects combinations a single :class:`Param` cannot express,
    e.g. a kernel larger than the padded input.
    """

    id: str
    title_en: str
    title_zh: str
    claim_en: str
    claim_zh: str
    concepts: tuple[str, ...]
    params: tuple[Param, ...]
    fn: Callable[..., DemoResult] = field(repr=False, compare=False)
    check: Callable[[Mapping[str, ParamValue]], None] | None = field(
        default=None, repr=False, compare=False
    )

    def param(self, name: str) -> Param:
        """The parameter called ``name`` (``ParameterError`` listing valid names if absent)."""
        for p in self.params:
            if p.name == name:
                return p
        raise ParameterError(self._unknown(name))

    def _unknown(self, name: str) -> str:
        valid = ", ".join(p.name for p in self.params) or "(none)"
        return f"unknown parameter {name!r} for demo {self.id!r}: valid parameters are {valid}"

    def validate(self, params: Mapping[str, object] | None = None) -> dict[str, ParamValue]:
        """Fill defaults, reject unknown names, coerce each value and check combinations.

        Example: ``get_demo("conv_output_size").validate({"stride": "2"})["stride"] == 2``.
        """
        given = dict(params or {})
        known = {p.name for p in self.params}
        for name in given:
            if name not in known:
                raise ParameterError(self._unknown(str(name)))
        values = {p.name: p.coerce(given[p.name]) if p.name in given else p.default
                  for p in self.params}
        if self.check is not None:
            self.check(values)
        return values

    def run(self, **params: object) -> DemoResult:
        """Validate ``params`` and run the experiment deterministically."""
        values = self.validate(params)
        with deterministic():
            result = self.fn(**values)
        add_title(result.figure, self.title_en, self.title_zh)
        thin_log_ticks(result.figure)
        return result

    def to_dict(self) -> dict[str, Any]:
        """Everything but the function, JSON-able."""
        return {
            "id": self.id,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "claim_en": self.claim_en,
            "claim_zh": self.claim_zh,
            "concepts": list(self.concepts),
            "params": [p.to_dict() for p in self.params],
        }
