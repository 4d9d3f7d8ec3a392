from __future__ import annotations

import marshal
import math
import random
from pathlib import Path

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


def _okapi(documents: list[list[str]], query: list[str], k1: float, b: float) -> list[float]:
    """Okapi BM25 written out term by term: what the vectorised postings must equal."""
    n = len(documents)
    average = sum(map(len, documents)) / n if n and sum(map(len, documents)) else 1.0
    out = []
    for document in documents:
        score = 0.0
        for term in dict.fromkeys(query):
            df = sum(1 for d in documents if term in d)
            tf = document.count(term)
            if tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(document) / average))
        out.append(score)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k1", [0.3, 1.2])
def test_bm25_equals_the_textbook_formula(seed: int, k1: float) -> None:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(rng.randint(1, 12))]
    documents = [[rng.choice(words) for _ in range(rng.randint(0, 9))] for _ in range(rng.randint(1, 8))]
    query = [rng.choice(words) for _ in range(4)] + ["absent"]
    got = BM25(documents, k1=k1).scores(query)
    assert got.tolist() == pytest.approx(_okapi(documents, query, k1, 0.75), rel=1e-5, abs=1e-6)


def test_jiebas_cache_read_whole_is_the_dictionary_jieba_itself_loads() -> None:
    import jieba

    import qa.bm25 as bm25

    own = jieba.Tokenizer()
    own.initialize()
    base = bm25._base_dictionary()
    assert base.initialized and base.total == own.total and base.FREQ == own.FREQ


@pytest.mark.parametrize("cache", [b"not marshal", b"", marshal.dumps(([1], 2)), marshal.dumps(7)])
def test_an_unreadable_jieba_cache_is_rebuilt_by_jieba(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: bytes) -> None:
    import qa.bm25 as bm25

    expected = bm25._base_dictionary()
    monkeypatch.setattr(bm25, "_base", None)
    monkeypatch.setattr(bm25.tempfile, "gettempdir", lambda: str(tmp_path))  # jieba's temporary folder too
    (tmp_path / "jieba.cache").write_bytes(cache)
    base = bm25._base_dictionary()
    assert base is not expected and base.initialized and base.total == expected.total and base.FREQ == expected.FREQ
