"""The second-stage ranker: a linear model over each fused candidate's features.

Pointwise logistic regression on "this passage holds the answer" (weights of similarity,
rank and match features kept non-negative, so each one can only raise a passage), fitted by
``bench/calibrate.py`` on our own questions (never the dev set) and saved as
``qa/models/ranker.json``. Without that file the ranker keeps the fused (RRF) order.

>>> r = Ranker.default(("rrf", "x"))
>>> [float(v) for v in r.score(np.array([[2.0, 9.0], [1.0, 0.0]]))]
[2.0, 1.0]
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.linear import LinearModel

__all__ = ["Ranker", "RANKER_FILE"]

RANKER_FILE = Path(__file__).resolve().parent / "models" / "ranker.json"


@dataclass(frozen=True)
class Ranker:
    """Scores candidates; higher is better."""

    model: LinearModel

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.model.logit(rows)

    @classmethod
    def default(cls, names: Sequence[str]) -> Ranker:
        """Fused order: weight 1 on the first feature (the RRF score), 0 elsewhere."""
        n = len(names)
        return cls(LinearModel(tuple(names), (0.0,) * n, (1.0,) * n, (1.0,) + (0.0,) * (n - 1), 0.0))

    @classmethod
    def load(cls, names: Sequence[str], path: Path = RANKER_FILE) -> Ranker:
        """The fitted ranker at ``path``, or the fused order when none was fitted yet."""
        return cls(LinearModel.read(path, names)) if path.exists() else cls.default(names)
