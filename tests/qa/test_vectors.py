"""The vector index protocol, the embedding cache, and the bundled vectors of the corpus."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa import HashEmbedder, KnowledgeBase, compile_model
from qa.embed import DEFAULT_MODEL
from qa.evaluate import naive_chunks
from qa.vectors import EmbeddingCache, FaissIndex, bundled_vectors_path, text_key


def test_faiss_index_finds_nearest_rows_and_hands_them_out() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(50, 16)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    index = FaissIndex(matrix)
    scores, ids = index.search(matrix[7], 3)
    assert int(ids[0]) == 7 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)
    assert np.array_equal(index.rows([7, 3]), matrix[[7, 3]])
    assert index.search(matrix[0], 500)[1].size == 50 and FaissIndex(np.zeros((0, 4), np.float32)).search(matrix[0][:4], 3)[1].size == 0


def test_cache_encodes_each_text_once_per_role(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    embedder = HashEmbedder(8)

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return embedder.encode_passages(texts)

    cache = EmbeddingCache("hash-8")
    first = cache.embed("passage", ["a", "b", "a"], encode, 8)
    again = cache.embed("passage", ["b", "a"], encode, 8)
    assert calls == [["a", "b"]] and np.array_equal(first[1], again[0])
    cache.embed("query", ["a"], encode, 8)
    assert calls[-1] == ["a"]
    cache.save(tmp_path / "c.npz")
    assert set(EmbeddingCache.read(tmp_path / "c.npz", "hash-8")) == cache.keys()
    assert EmbeddingCache.read(tmp_path / "c.npz", "other-model") == {}
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    assert EmbeddingCache.read(tmp_path / "bad.npz", "hash-8") == {}


def test_bundled_e5_vectors_match_the_current_corpus_texts(hash_kb: KnowledgeBase) -> None:
    """`make vectors` regenerates the file; this fails when the notes or catalogue changed without it."""
    path = bundled_vectors_path(DEFAULT_MODEL)
    assert path.exists(), f"{path} is missing: run `make vectors`"
    stored = EmbeddingCache.read(path, DEFAULT_MODEL)
    chunks = naive_chunks([d.text for d in hash_kb.snapshot.documents])
    expected = hash_kb.model.keys() | {text_key("passage", c) for c in chunks}
    assert set(stored) == expected, f"{len(expected - set(stored))} texts lack a bundled vector: run `make vectors`"
    assert {v.shape for v in stored.values()} == {(384,)}


def test_text_keys_separate_roles() -> None:
    assert text_key("query", "x") != text_key("passage", "x") and text_key("query", "x") == text_key("query", "x")


def test_a_new_note_embeds_only_its_own_texts(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path, embedder=HashEmbedder())
    before = len(kb.model.keys())
    cache = EmbeddingCache.open("hash-256", [tmp_path / "index" / "hash-256.npz"])
    assert set(cache.keys()) == kb.model.keys()
    model = compile_model(kb.snapshot, HashEmbedder(), cache)
    assert cache.added == 0 and len(model.keys()) == before
