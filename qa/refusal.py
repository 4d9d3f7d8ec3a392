"""Deciding how sure an answer is: answered, a possible match, or refused.

A logistic model over the question-level features of :data:`qa.retrieve.QUESTION_FEATURES`
(the ranker's best score and its margin, the best sentence / heading / passage cosines,
coverage, novelty, unknown technical names, linked concepts, English) gives P(answerable).
Two thresholds split it in three: below ``refuse_below`` the answer is refused (with the
nearest real topics); below ``low_below`` the best passages are shown marked as a possible
match; above, it is answered. Refusing an answerable question is the worst failure (the
user concludes the notes lack what they have), so ``bench/calibrate.py`` sets
``refuse_below`` where it refuses 1% of the answerable training questions, and ``low_below``
where the passages shown become more often right than wrong.

The cosines mean different things under different embedders, so a fit belongs to one
model (``qa/models/refusal-<model>.json``). An embedder without a fit answers every
question that has candidates: an uncalibrated refusal would refuse at random.

>>> m = RefusalModel.default(("top",))
>>> m.state((5.0,)), m.state((-5.0,))
('answered', 'refused')
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kg.errors import StoreError
from qa.linear import LinearModel, sigmoid

__all__ = ["RefusalModel", "Confidence", "refusal_file"]

Confidence = Literal["answered", "low", "refused"]


def refusal_file(model_id: str) -> Path:
    """Where the refusal model fitted for embedder ``model_id`` is shipped."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model_id)
    return Path(__file__).resolve().parent / "models" / f"refusal-{safe}.json"


@dataclass(frozen=True)
class RefusalModel:
    """P(answerable) and the two thresholds that turn it into a :data:`Confidence`."""

    model: LinearModel
    refuse_below: float = 0.5
    low_below: float = 0.5

    def probability(self, features: Sequence[float]) -> float:
        return sigmoid(float(self.model.logit(features)[0]))  # type: ignore[arg-type]

    def state(self, features: Sequence[float]) -> Confidence:
        p = self.probability(features)
        return "refused" if p < self.refuse_below else "low" if p < self.low_below else "answered"

    def refuse(self, features: Sequence[float]) -> bool:
        return self.state(features) == "refused"

    def to_dict(self) -> dict[str, object]:
        return {**self.model.to_dict(), "refuse_below": self.refuse_below, "low_below": self.low_below}

    @classmethod
    def default(cls, names: Sequence[str]) -> RefusalModel:
        """Refuse when the first feature (the ranker's best score) is negative."""
        n = len(names)
        return cls(LinearModel(tuple(names), (0.0,) * n, (1.0,) * n, (1.0,) + (0.0,) * (n - 1), 0.0))

    @classmethod
    def lenient(cls, names: Sequence[str]) -> RefusalModel:
        """Never refuses (used for embedders without a fit)."""
        n = len(names)
        return cls(LinearModel(tuple(names), (0.0,) * n, (1.0,) * n, (0.0,) * n, 50.0))

    @classmethod
    def load(cls, names: Sequence[str], model_id: str) -> RefusalModel:
        """The fit for ``model_id``, else :meth:`lenient`."""
        path = refusal_file(model_id)
        if not path.exists():
            return cls.lenient(names)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(LinearModel.from_dict(data, names), float(data["refuse_below"]), float(data["low_below"]))
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"cannot read the refusal model {path}: {exc}") from None
