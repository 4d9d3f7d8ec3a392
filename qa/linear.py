"""A small, explainable linear model over named features: the ranker's and the refusal's.

Features are standardised with the mean and scale seen at fitting time, then weighted;
:meth:`LinearModel.explain` lists each feature's contribution, which is what the
"why these sources" panel shows. Fitting uses scikit-learn's L2-regularised logistic
regression (deterministic with ``lbfgs``); running needs only numpy, so no scikit-learn
import happens at ask time.

>>> m = LinearModel(("a", "b"), (0.0, 0.0), (1.0, 1.0), (2.0, -1.0), 0.5)
>>> float(m.logit(np.array([[1.0, 1.0]]))[0])
1.5
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import StoreError

__all__ = ["LinearModel", "fit_logistic", "sigmoid"]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@dataclass(frozen=True)
class LinearModel:
    """``logit = bias + sum(weight * (x - mean) / scale)`` over ``names``."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float = 0.0

    def logit(self, rows: np.ndarray) -> np.ndarray:
        x = (np.atleast_2d(rows) - np.array(self.mean)) / np.array(self.scale)
        return x @ np.array(self.weights) + self.bias

    def explain(self, row: Sequence[float]) -> list[tuple[str, float, float]]:
        """(feature, value, contribution to the logit), largest contribution first."""
        parts = [(n, float(v), w * (float(v) - mu) / s)
                 for n, v, mu, s, w in zip(self.names, row, self.mean, self.scale, self.weights)]
        return sorted(parts, key=lambda t: -abs(t[2]))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], names: Sequence[str]) -> LinearModel:
        """The model saved in ``data``; it must have been fitted on exactly ``names``."""
        if tuple(data.get("names", ())) != tuple(names):
            raise StoreError(f"model features {data.get('names')} do not match {list(names)}: refit with bench/calibrate.py")
        return cls(tuple(data["names"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                   float(data["bias"]))

    @classmethod
    def read(cls, path: Path, names: Sequence[str]) -> LinearModel:
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")), names)
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"cannot read the model {path}: {exc}") from None


def fit_logistic(x: np.ndarray, y: np.ndarray, names: Sequence[str], c: float = 1.0,
                 balanced: bool = True) -> LinearModel:
    """L2 logistic regression of ``y`` (0/1) on ``x``, standardised; weights rounded for a stable file."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=2000)
    model.fit((x - mean) / scale, y)
    return LinearModel(tuple(names), tuple(round(float(v), 6) for v in mean), tuple(round(float(v), 6) for v in scale),
                       tuple(round(float(v), 5) for v in model.coef_[0]), round(float(model.intercept_[0]), 5))
