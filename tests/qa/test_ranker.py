"""The second-stage ranker: the shipped fit, the fused-order default, explanations."""
from __future__ import annotations

import numpy as np
import pytest

from qa import HashEmbedder, KnowledgeBase
from qa.linear import LinearModel
from qa.ranker import RANKER_FILE, Ranker
from qa.retrieve import FEATURES


def test_shipped_ranker_matches_the_features() -> None:
    ranker = Ranker.load(FEATURES)
    assert RANKER_FILE.exists() and ranker.model.names == FEATURES and any(ranker.model.weights)


def test_default_ranker_keeps_the_fused_order() -> None:
    rows = np.array([[0.3, 5.0], [0.9, -5.0], [0.1, 0.0]])
    assert list(np.argsort(-Ranker.default(("rrf", "x")).score(rows))) == [1, 0, 2]


def test_explain_lists_contributions_that_sum_to_the_logit() -> None:
    model = LinearModel(("a", "b"), (1.0, 0.0), (2.0, 1.0), (1.0, -3.0), 0.25)
    parts = model.explain((3.0, 1.0))
    assert [p[0] for p in parts] == ["b", "a"]
    assert sum(p[2] for p in parts) + 0.25 == float(model.logit(np.array([[3.0, 1.0]]))[0])


def test_round_trip_through_a_dict() -> None:
    model = Ranker.load(FEATURES).model
    assert LinearModel.from_dict(model.to_dict(), FEATURES) == model


def test_hits_are_ordered_by_the_ranker_and_carry_their_features(hash_kb: KnowledgeBase) -> None:
    found = hash_kb.retrieve("BN层的作用是什么?", k=10)
    scores = [h.score for h in found.hits]
    assert scores == sorted(scores, reverse=True) and all(len(h.features) == len(FEATURES) for h in found.hits)
    assert len({h.passage for h in found.hits}) == len(found.hits)


def test_a_reversed_ranker_reverses_the_order(tmp_path) -> None:
    kb = KnowledgeBase.open(tmp_path, embedder=HashEmbedder())
    flipped = Ranker(LinearModel(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (-1.0,) + (0.0,) * (len(FEATURES) - 1)))
    normal = kb.retrieve("池化层的作用?", k=30)
    kb.ranker = flipped
    assert [h.passage for h in kb.retrieve("池化层的作用?", k=30).hits] == sorted(
        [h.passage for h in normal.hits], key=lambda p: ({h.passage: h.features[0] for h in normal.hits}[p], p))


@pytest.mark.parametrize(("question", "count"), [("ResNet-50 一共有多少个参数?", 1), ("ResNet-152 的结构", 1), ("ResNet 的作用", 0),
                                                 ("Inception v3 做了哪些改进", 0), ("BN层的作用", 0)])
def test_variants_the_notes_never_write_count_as_unknown(hash_kb: KnowledgeBase, question: str, count: int) -> None:
    assert hash_kb.retriever().unknown_variants(question) == count
