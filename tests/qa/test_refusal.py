from __future__ import annotations

import numpy as np

from qa.refusal import FEATURES, RefusalModel, fit


def test_fit_separates_and_bounds_false_refusals() -> None:
    rng = np.random.default_rng(0)
    answerable = rng.normal(0.7, 0.1, size=(60, len(FEATURES)))
    unanswerable = rng.normal(0.2, 0.1, size=(20, len(FEATURES)))
    x = np.vstack([answerable, unanswerable])
    y = np.array([1.0] * 60 + [0.0] * 20)
    model = fit(x, y, max_false_refusals=0.05)
    refused = np.array([model.refuse(row) for row in x])
    assert refused[60:].mean() >= 0.9
    assert refused[:60].mean() <= 0.05


def test_default_model_has_one_weight_per_feature() -> None:
    assert len(RefusalModel().weights) == len(FEATURES)
    assert 0 < RefusalModel().threshold <= 0.5
