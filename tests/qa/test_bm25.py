from __future__ import annotations

import pytest

from qa.bm25 import BM25, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [("BN层的作用?", {"bn", "作用"}), ("1×1卷积", {"1x1", "卷积"}), ("What is Dropout?", {"dropout"})],
)
def test_tokens_are_folded_and_keep_terms(text: str, expected: set[str]) -> None:
    assert expected <= set(tokenize(text))


def test_function_words_are_dropped() -> None:
    assert not {"的", "什么", "the", "is"} & set(tokenize("什么是 the BN 的 is"))


def test_bigrams_make_segmentation_irrelevant() -> None:
    assert "归一" in tokenize("批归一化") and "归一" not in tokenize("批归一化", bigrams=False)


def test_bm25_prefers_the_matching_document_and_ignores_repeats() -> None:
    docs = [tokenize("池化层的作用是下采样"), tokenize("BN层加快收敛"), tokenize("卷积层提取特征")]
    index = BM25(docs)
    scores = index.scores(tokenize("池化的作用"))
    assert scores.argmax() == 0 and scores[1] == 0
    assert (index.scores(tokenize("池化 池化 池化")) == index.scores(tokenize("池化"))).all()
    assert BM25([]).scores(["x"]).shape == (0,)
