"""The two records of the demo package: a :class:`Demo` and the :class:`DemoResult` it makes.

A demo is data (titles, claim, a one-line preview, concept links, parameter schema) plus the
name of the family module that runs it. This module imports neither torch nor matplotlib:
listing demos, linking them to an answer and showing their preview stay cheap, and only
:meth:`Demo.run` loads the experiment (see :mod:`qa.demos._runtime`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import ParameterError
from qa.demos._claim import Claim
from qa.demos._lang import Lang, lang_of, pick
from qa.demos._param import Param, ParamValue

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Demo", "DemoResult"]


@dataclass(frozen=True, eq=False)
class DemoResult:
    """What a run shows: a description, its claims' verdicts, JSON-able numbers and a figure.

    ``summary`` states the measured numbers; each of ``claims`` is ``shown``, ``not_shown``
    or ``unstable`` at these settings. ``table`` is ``metrics`` with names in words, in ``lang``.
    Example: ``run_demo("dropout_scaling", lang="en").claims[0].state == "shown"``.
    """

    summary: str
    metrics: dict[str, Any]
    figure: Figure = field(repr=False)
    claims: tuple[Claim, ...] = ()
    lang: Lang = "zh"
    table: tuple[tuple[str, Any], ...] = ()

    @property
    def text(self) -> str:
        """The summary, then one line per claim with its state."""
        return "\n".join([self.summary, *(c.render(self.lang) for c in self.claims)])

    def png_bytes(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        from qa.demos._plot import png_bytes

        return png_bytes(self.figure, dpi=dpi)

    def save_png(self, path: str | Path, dpi: int = 100) -> Path:
        """Write the figure to ``path`` as PNG and return the path."""
        target = Path(path)
        target.write_bytes(self.png_bytes(dpi=dpi))
        return target

    def to_dict(self) -> dict[str, Any]:
        """Text, claims and metrics (no figure), ready for ``json.dumps``."""
        return {"text": self.text, "lang": self.lang, "claims": [c.to_dict() for c in self.claims],
                "metrics": dict(self.metrics)}


@dataclass(frozen=True)
class Demo:
    """A registered toy experiment tied to concepts of the knowledge graph.

    ``family`` names the module under ``qa.demos`` whose ``RUNNERS[id]`` runs it and whose
    ``LABELS`` name its metrics; ``check`` (optional) rejects combinations a single
    :class:`Param` cannot express, e.g. a kernel larger than the padded input.
    ``preview_*`` is the one line "what you will see", shown before anything runs.
    """

    id: str
    title_en: str
    title_zh: str
    claim_en: str
    claim_zh: str
    preview_en: str
    preview_zh: str
    concepts: tuple[str, ...]
    params: tuple[Param, ...]
    family: str
    check: Callable[[Mapping[str, ParamValue]], None] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # ``lang`` is the keyword of run(); a parameter of that name could never be set.
        if any(p.name == "lang" for p in self.params):
            raise ValueError(f"demo {self.id}: a parameter may not be called 'lang'")

    def title(self, lang: str) -> str:
        """The title in ``lang``."""
        return pick(lang, self.title_en, self.title_zh)

    def claim(self, lang: str) -> str:
        """The general claim the demo tests, in ``lang``."""
        return pick(lang, self.claim_en, self.claim_zh)

    def preview(self, lang: str) -> str:
        """One line: what a run will show, in ``lang`` (no torch needed)."""
        return pick(lang, self.preview_en, self.preview_zh)

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

    def run(self, lang: str = "zh", **params: object) -> DemoResult:
        """Validate ``params`` and run the experiment deterministically, worded in ``lang``."""
        values = self.validate(params)
        from qa.demos._runtime import execute  # torch and matplotlib load here, not before

        return execute(self, values, lang_of(lang))

    def to_dict(self) -> dict[str, Any]:
        """Everything but the functions, JSON-able."""
        return {
            "id": self.id,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "claim_en": self.claim_en,
            "claim_zh": self.claim_zh,
            "preview_en": self.preview_en,
            "preview_zh": self.preview_zh,
            "concepts": list(self.concepts),
            "params": [p.to_dict() for p in self.params],
        }
