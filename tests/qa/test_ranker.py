"""The second-stage ranker: the shipped fit, the fused-order default, explanations."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kg.errors import StoreError
from qa import HashEmbedder, KnowledgeBase
from qa.linear import LinearModel
from qa.ranker import RANKER_FILE, Ranker
from qa.retrieve import FEATURES
from qa.trees import TreeEnsemble, fit_lambdarank

RISING = ("a", "b")


def test_shipped_ranker_is_small_trees_over_the_features() -> None:
    ranker = Ranker.load(FEATURES)
    assert RANKER_FILE.exists() and isinstance(ranker.model, TreeEnsemble) and ranker.model.names == FEATURES
    assert len(ranker.model.roots) <= 5 * 200 and len(ranker.model.feature) <= 5 * 200 * 7  # 5 bags of 200 trees of 4 leaves


def _groups(seed: int, n: int = 60) -> list[tuple[np.ndarray, np.ndarray]]:
    """Questions of 8 candidates whose answer has the largest a + b (c is noise)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.random((8, 3))
        y = np.zeros(8, int)
        y[np.argmax(x[:, 0] + x[:, 1])] = 1
        out.append((x, y))
    return out


@pytest.fixture(scope="module")
def fitted() -> TreeEnsemble:
    return fit_lambdarank(_groups(0), ("a", "b", "c"), increasing=RISING, trees=60, leaves=4, min_rows=5)


def test_lambdarank_trees_learn_the_order_and_agree_with_lightgbm(fitted: TreeEnsemble) -> None:
    import lightgbm

    groups = _groups(1)
    hits = [int(np.argmax(fitted.logit(x)) == np.argmax(y)) for x, y in groups]
    assert np.mean(hits) > 0.6  # 1 in 8 by chance
    single = fit_lambdarank(_groups(0), ("a", "b", "c"), increasing=RISING, trees=60, leaves=4, min_rows=5, bags=1)
    rows = np.vstack([x for x, _ in groups])
    booster = lightgbm.LGBMRanker(objective="lambdarank", n_estimators=60, num_leaves=4, learning_rate=0.03,
                                  min_child_samples=5, deterministic=True, n_jobs=1, seed=0, verbose=-1,
                                  monotone_constraints=[1, 1, 0])
    train = _groups(0)
    booster.fit(np.vstack([x for x, _ in train]), np.concatenate([y for _, y in train]), group=[8] * len(train))
    assert np.allclose(booster.predict(rows), single.logit(rows), atol=1e-4)


def test_bags_are_averaged_not_summed() -> None:
    """Bags fitted on the same questions (share 1) are one fit: the average is that fit's score."""
    kwargs = {"increasing": RISING, "trees": 20, "leaves": 4, "min_rows": 5}
    single = fit_lambdarank(_groups(0, 40), ("a", "b", "c"), bags=1, **kwargs)
    same = fit_lambdarank(_groups(0, 40), ("a", "b", "c"), bags=3, share=1.0, **kwargs)
    rows = np.random.default_rng(3).random((20, 3))
    assert len(same.roots) == 3 * len(single.roots)
    assert np.allclose(same.logit(rows), single.logit(rows), atol=1e-5)


@pytest.mark.parametrize("feature", [0, 1])
def test_a_rising_feature_only_raises_the_score(fitted: TreeEnsemble, feature: int) -> None:
    rows = np.random.default_rng(2).random((50, 3))
    higher = rows.copy()
    higher[:, feature] += 0.3
    assert (fitted.logit(higher) >= fitted.logit(rows) - 1e-9).all()


@pytest.mark.parametrize("seed", range(3))
def test_tree_contributions_add_up_to_the_score(fitted: TreeEnsemble, seed: int) -> None:
    row = tuple(np.random.default_rng(seed).random(3))
    parts = fitted.explain(row)
    assert [abs(p[2]) for p in parts] == sorted((abs(p[2]) for p in parts), reverse=True)
    assert sum(p[2] for p in parts) + fitted.bias == pytest.approx(float(fitted.logit(np.array([row]))[0]), abs=1e-9)


def test_trees_round_trip_and_a_damaged_file_is_one_clear_error(fitted: TreeEnsemble, tmp_path) -> None:
    import json

    assert TreeEnsemble.from_dict(fitted.to_dict(), ("a", "b", "c")) == fitted
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({**fitted.to_dict(), "roots": [10**6]}))
    with pytest.raises(StoreError, match="refit"):
        Ranker.load(("a", "b", "c"), path)
    path.write_text(json.dumps(fitted.to_dict()))
    with pytest.raises(StoreError, match="do not match"):
        Ranker.load(("a", "b"), path)
    assert Ranker.load(("a", "b", "c"), path).model == fitted


def test_default_ranker_keeps_the_fused_order() -> None:
    rows = np.array([[0.3, 5.0], [0.9, -5.0], [0.1, 0.0]])
    assert list(np.argsort(-Ranker.default(("rrf", "x")).score(rows))) == [1, 0, 2]


def test_explain_lists_contributions_that_sum_to_the_logit() -> None:
    model = LinearModel(("a", "b"), (1.0, 0.0), (2.0, 1.0), (1.0, -3.0), 0.25)
    parts = model.explain((3.0, 1.0))
    assert [p[0] for p in parts] == ["b", "a"]
    assert sum(p[2] for p in parts) + 0.25 == float(model.logit(np.array([[3.0, 1.0]]))[0])


def test_a_linear_ranker_round_trips_through_a_dict() -> None:
    model = LinearModel(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (0.5,) * len(FEATURES), 0.1)
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
    kb.answerer = replace(kb.answerer, ranker=flipped)
    assert [h.passage for h in kb.retrieve("池化层的作用?", k=30).hits] == sorted(
        [h.passage for h in normal.hits], key=lambda p: ({h.passage: h.features[0] for h in normal.hits}[p], p))


@pytest.mark.parametrize(("question", "variants"), [("ResNet-50 一共有多少个参数?", ("ResNet-50",)), ("ResNet-152 的结构", ("ResNet-152",)),
                                                    ("ResNet 的作用", ()), ("Inception v3 做了哪些改进", ()), ("BN层的作用", ())])
def test_variants_the_notes_never_write_count_as_unknown(hash_kb: KnowledgeBase, question: str, variants: tuple[str, ...]) -> None:
    assert tuple(written for written, _ in hash_kb.retriever().unknown_variants(question)) == variants
