"""Deciding that the notes do not cover a question: a small logistic model over retrieval features.

Features, each in a comparable range:

* ``coverage`` - share of the question's content words found in the top passages;
* ``dense``    - cosine of the best passage to the question;
* ``linked``   - how many catalogue concepts the question names (0, 1, 2+ -> 0, .5, 1);
* ``fused``    - fused RRF score of the best passage, scaled by the largest possible score;
* ``novelty``  - share of the question's content (bigrams, English words) absent from the notes;
* ``unknown``  - technical names the notes never mention (BERT, YOLOv5), 0, 1, 2+ -> 0, .5, 1;
* ``english``  - 1 for an English question: its words meet Chinese notes only through
                 translation, so the other features mean something else and get their own bias.

The weights are fitted by :func:`fit` (L2-regularised logistic regression, plain gradient
descent, deterministic) on our own labelled questions in ``tests/data/eval/train.jsonl``
by ``bench/calibrate.py``, which prints the weights to paste here. The threshold is the
probability 0.5 of "answerable".

>>> RefusalModel().refuse((0.0, 0.2, 0.0, 0.1, 1.0, 1.0, 0.0))
True
>>> RefusalModel().refuse((1.0, 0.6, 1.0, 0.6, 0.0, 0.0, 0.0))
False
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["FEATURES", "RefusalModel", "fit"]

FEATURES = ("coverage", "dense", "linked", "fused", "novelty", "unknown", "english")


@dataclass(frozen=True)
class RefusalModel:
    """P(answerable) = sigmoid(w . x + b); refuse below ``threshold``."""

    weights: tuple[float, ...] = (2.618, 1.383, 1.297, 1.009, -1.392, -1.5, -0.186)
    bias: float = -2.899
    threshold: float = 0.4228

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x))
        return 1.0 / (1.0 + math.exp(-z))

    def refuse(self, x: Sequence[float]) -> bool:
        return self.probability(x) < self.threshold


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 5000, lr: float = 0.5,
        max_false_refusals: float = 0.03) -> RefusalModel:
    """Fit weights on features ``x`` (n, len(FEATURES)) and labels ``y`` (1 = answerable).

    Classes are weighted equally. The threshold is then the highest probability at which
    at most ``max_false_refusals`` of the answerable questions would be refused: wrongly
    refusing a question the notes answer costs more than answering a stray one.
    """
    w = np.zeros(x.shape[1])
    b = 0.0
    weight = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad = (p - y) * weight
        w -= lr * (x.T @ grad / len(y) + l2 * w)
        b -= lr * float(grad.mean())
    model = RefusalModel(tuple(round(float(v), 3) for v in w), round(b, 3))
    answerable = np.sort([model.probability(row) for row, label in zip(x, y) if label == 1])
    allowed = int(max_false_refusals * len(answerable))
    threshold = float(answerable[allowed]) - 1e-6 if len(answerable) else 0.5
    return RefusalModel(model.weights, model.bias, round(min(threshold, 0.5), 4))
