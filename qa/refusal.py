"""Deciding that the notes do not cover a question: a small logistic model over retrieval features.

Features, each in a comparable range:

* ``coverage`` - share of the question's content words found in the top passages;
* ``dense``    - cosine of the best passage to the question;
* ``linked``   - how many catalogue concepts the question names (0, 1, 2+ -> 0, .5, 1);
* ``fused``    - fused RRF score of the best passage, scaled by the largest possible score.

The weights are fitted by :func:`fit` (L2-regularised logistic regression, plain gradient
descent, deterministic) on our own labelled questions in ``tests/data/eval/train.jsonl``
by ``bench/calibrate.py``, which prints the weights to paste here. The threshold is the
probability 0.5 of "answerable".

>>> RefusalModel().refuse((0.0, 0.2, 0.0, 0.1))
True
>>> RefusalModel().refuse((1.0, 0.6, 1.0, 0.6))
False
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["FEATURES", "RefusalModel", "fit"]

FEATURES = ("coverage", "dense", "linked", "fused")


@dataclass(frozen=True)
class RefusalModel:
    """P(answerable) = sigmoid(w . x + b); refuse below ``threshold``."""

    weights: tuple[float, ...] = (6.0, 4.0, 2.0, 3.0)
    bias: float = -5.5
    threshold: float = 0.5

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x))
        return 1.0 / (1.0 + math.exp(-z))

    def refuse(self, x: Sequence[float]) -> bool:
        return self.probability(x) < self.threshold


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 5000, lr: float = 0.5) -> RefusalModel:
    """Fit weights on features ``x`` (n, 4) and labels ``y`` (1 = answerable)."""
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad = p - y
        w -= lr * (x.T @ grad / len(y) + l2 * w)
        b -= lr * float(grad.mean())
    return RefusalModel(tuple(round(float(v), 3) for v in w), round(b, 3))
