"""The second-stage ranker: a model over each fused candidate's features.

Either small LambdaRank trees (:class:`~qa.trees.TreeEnsemble`, the shipped one) or a pointwise
logistic regression (:class:`~qa.linear.LinearModel`) on "this passage holds the answer". In
both, similarity, rank and match features may only raise a passage (monotone constraints), and
each score splits into per-feature contributions for the "why these sources" panel. Fitted by
``bench/calibrate.py`` on our own questions (never the dev set) and saved as
``qa/models/ranker.json``. Without that file the ranker keeps the fused (RRF) order.

>>> r = Ranker.default(("rrf", "x"))
>>> [float(v) for v in r.score(np.array([[2.0, 9.0], [1.0, 0.0]]))]
[2.0, 1.0]
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg.errors import StoreError
from qa.linear import LinearModel
from qa.trees import TreeEnsemble

__all__ = ["Ranker", "RANKER_FILE"]

RANKER_FILE = Path(__file__).resolve().parent / "models" / "ranker.json"


@dataclass(frozen=True)
class Ranker:
    """Scores candidates; higher is better."""

    model: LinearModel | TreeEnsemble

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
        if not path.exists():
            return cls.default(names)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            kind = TreeEnsemble if data.get("kind") == "trees" else LinearModel
            return cls(kind.from_dict(data, names))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"cannot read the model {path}: {exc}") from None
