"""The refusal model's three states, its shipped fit, and the low-confidence answer."""
from __future__ import annotations

import numpy as np
import pytest

from qa import HashEmbedder, KnowledgeBase, Settings
from qa.embed import DEFAULT_MODEL
from qa.linear import LinearModel, fit_logistic
from qa.refusal import RefusalModel, refusal_file
from qa.retrieve import QUESTION_FEATURES


@pytest.mark.parametrize(("p", "state"), [(0.05, "refused"), (0.3, "low"), (0.9, "answered")])
def test_two_thresholds_make_three_states(p: float, state: str) -> None:
    logit = float(np.log(p / (1 - p)))
    model = RefusalModel(LinearModel(("x",), (0.0,), (1.0,), (1.0,), 0.0), refuse_below=0.2, low_below=0.5)
    assert model.state((logit,)) == state and model.refuse((logit,)) == (state == "refused")


def test_the_shipped_model_is_fitted_on_the_current_features() -> None:
    model = RefusalModel.load(QUESTION_FEATURES, DEFAULT_MODEL)
    assert refusal_file(DEFAULT_MODEL).exists() and model.model.names == QUESTION_FEATURES
    assert 0 < model.refuse_below <= model.low_below < 1


def test_an_embedder_without_a_fit_never_refuses_blindly() -> None:
    model = RefusalModel.load(QUESTION_FEATURES, "hash-256")
    assert model.state((0.0,) * len(QUESTION_FEATURES)) == "answered"


def test_fit_separates_two_clouds() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(1.0, 0.3, size=(60, 3)), rng.normal(-1.0, 0.3, size=(20, 3))])
    y = np.array([1] * 60 + [0] * 20)
    model = RefusalModel(fit_logistic(x, y, ("a", "b", "c")))
    assert np.mean([model.refuse(r) for r in x[60:]]) >= 0.9 and np.mean([model.refuse(r) for r in x[:60]]) <= 0.05


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_signed_features_keep_their_sign_whatever_the_data_teach(seed: int) -> None:
    # "novelty" is made to rise with answerability here; a falling constraint still holds it at <= 0,
    # a rising one holds "match" at >= 0, and the free feature follows the data.
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    x = np.column_stack([-y + rng.normal(0, 0.5, 200), y + rng.normal(0, 0.5, 200), y + rng.normal(0, 0.5, 200)])
    model = fit_logistic(x, y, ("match", "novelty", "free"), monotone=("match",), falling=("novelty",))
    assert model.weights[0] >= 0 and model.weights[1] <= 0 and model.weights[2] > 0
    assert fit_logistic(x, y, ("match", "novelty", "free")).weights[1] > 0  # what the free fit would do


def test_the_shipped_refusal_keeps_the_signs_it_was_fitted_with() -> None:
    import bench.calibrate as calibrate

    weights = dict(zip(QUESTION_FEATURES, RefusalModel.load(QUESTION_FEATURES, DEFAULT_MODEL).model.weights))
    assert all(weights[n] >= 0 for n in calibrate.REFUSAL_RISING) and all(weights[n] <= 0 for n in calibrate.REFUSAL_FALLING)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_possible_match_band_ends_where_the_first_passage_turns_more_often_right(seed: int) -> None:
    import bench.calibrate as calibrate

    # Twelve features; the first carries answerability. Whether the first passage is right rises
    # with it, crossing one half in the middle of the answered range.
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 400)
    x = np.zeros((400, len(QUESTION_FEATURES)))
    x[:, 0] = 2 * y + rng.normal(0, 1, 400)
    right = (y == 1) & (rng.random(400) < 1 / (1 + np.exp(-2 * (x[:, 0] - 1.5))))
    model = calibrate.fit_refusal(x, y, 1.0, right)
    assert model.refuse_below < model.low_below <= calibrate.LOW_MAX
    p = np.array([model.probability(row) for row in x])
    shown = p >= model.refuse_below
    below, above = shown & (p < model.low_below), p >= model.low_below
    assert right[below].mean() < 0.5 <= right[above].mean()
    never = calibrate.fit_refusal(x, y, 1.0, np.zeros(400, dtype=bool))  # nothing to read it from: no band
    assert never.low_below == never.refuse_below


def _forced(state: str) -> RefusalModel:
    """A model whose every question lands in ``state`` (P = 0.5 for all features at zero weight)."""
    names = QUESTION_FEATURES
    flat = LinearModel(names, (0.0,) * len(names), (1.0,) * len(names), (0.0,) * len(names), 0.0)
    return RefusalModel(flat, *{"refused": (0.6, 0.7), "low": (0.4, 0.6), "answered": (0.1, 0.2)}[state])


@pytest.mark.parametrize("lang_question", [("zh", "BN层的作用是什么?"), ("en", "What does batch normalization do?")])
def test_low_confidence_answers_show_passages_marked_as_possible(hash_kb: KnowledgeBase, lang_question, tmp_path) -> None:
    lang, question = lang_question
    kb = KnowledgeBase.open(hash_kb.path, embedder=HashEmbedder(), settings=Settings(refusal=_forced("low")))
    answer = kb.ask(question)
    assert not answer.refused and answer.confidence == "low" and answer.sources
    assert ("可能相关" if lang == "zh" else "Possible match") in answer.markdown.split("\n")[0]
    confident = KnowledgeBase.open(hash_kb.path, embedder=HashEmbedder(), settings=Settings(refusal=_forced("answered")))
    assert confident.ask(question).confidence == "answered" and "Possible" not in confident.ask(question).markdown
    refused = KnowledgeBase.open(hash_kb.path, embedder=HashEmbedder(), settings=Settings(refusal=_forced("refused")))
    assert refused.ask(question).refused and refused.ask(question).confidence == "refused"
