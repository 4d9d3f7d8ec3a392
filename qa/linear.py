"""A small, explainable linear model over named features: the ranker's and the refusal's.

Features are standardised with the mean and scale seen at fitting time, then weighted;
:meth:`LinearModel.explain` lists each feature's contribution, which is what the
"why these sources" panel shows. Fitting uses L2-regularised logistic regression (scikit-learn, or SciPy when
some weights must stay non-negative); running needs only numpy, so neither is imported at
ask time.

>>> m = LinearModel(("a", "b"), (0.0, 0.0), (1.0, 1.0), (2.0, -1.0), 0.5)
>>> float(m.logit(np.array([[1.0, 1.0]]))[0])
1.5
"""
from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
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
                 balanced: bool = True, monotone: Collection[str] = (), falling: Collection[str] = ()) -> LinearModel:
    """L2 logistic regression of ``y`` (0/1) on ``x``, standardised; weights rounded for a stable file.

    Features named in ``monotone`` may only count for a positive label (weight >= 0), those in
    ``falling`` only against it (weight <= 0). The ranker's similarity features are like that:
    correlated cosines and ranks otherwise trade signs (a negative weight on the heading
    cosine), which fits our questions no better under cross-validation and transfers worse to
    other wording; so is the refusal's novelty (words the notes never use cannot make a
    question more answerable, whatever colloquial answerable questions teach a free fit).
    Unconstrained fits use scikit-learn; constrained ones minimise the same objective with
    SciPy's L-BFGS-B.

    >>> x = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]]); y = np.array([0, 1, 0, 1])
    >>> fit_logistic(x, y, ("good", "bad"), monotone=("bad",)).weights[1] >= 0
    True
    >>> fit_logistic(x, y, ("good", "bad"), falling=("good",)).weights[0] <= 0
    True
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    if monotone or falling:
        rising, dropping = set(monotone), set(falling)
        weights, bias = _fit_bounded(z, y, c, balanced, [1 if n in rising else -1 if n in dropping else 0 for n in names])
    else:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=2000)
        model.fit(z, y)
        weights, bias = model.coef_[0], float(model.intercept_[0])
    return LinearModel(tuple(names), tuple(round(float(v), 6) for v in mean), tuple(round(float(v), 6) for v in scale),
                       tuple(round(float(v), 5) for v in weights), round(float(bias), 5))


def _fit_bounded(z: np.ndarray, y: np.ndarray, c: float, balanced: bool, signs: Sequence[int]) -> tuple[np.ndarray, float]:
    """scikit-learn's objective (``C`` * weighted log-loss + ||w||^2 / 2) with each weight of sign
    1 kept >= 0 and of sign -1 kept <= 0."""
    from scipy.optimize import minimize

    sign = 2.0 * y - 1.0
    positives = max(float(y.sum()), 1.0)
    sample = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * max(len(y) - positives, 1.0))) if balanced else np.ones(len(y))

    def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:-1], params[-1]
        margin = sign * (z @ w + b)
        loss = c * float(sample @ np.logaddexp(0.0, -margin)) + 0.5 * float(w @ w)
        slope = -c * sample * sign / (1.0 + np.exp(margin))
        return loss, np.append(z.T @ slope + w, slope.sum())

    bounds = [(0.0, None) if sign > 0 else (None, 0.0) if sign < 0 else (None, None) for sign in signs] + [(None, None)]
    result = minimize(objective, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return result.x[:-1], float(result.x[-1])
