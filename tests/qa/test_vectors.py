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


def _unit(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    matrix = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _saved(tmp_path: Path, model: str = "hash-8") -> tuple[Path, EmbeddingCache]:
    cache = EmbeddingCache(model, {text_key("passage", t): v for t, v in zip("abcde", _unit(5, 8))})
    path = tmp_path / "index" / f"{model}.npz"
    cache.save(path)
    return path, cache


def _rewrite(path: Path, **changes: np.ndarray) -> None:
    """Replace arrays of a saved file, keeping its manifest: what a swapped or damaged file looks like."""
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays.update(changes)
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


def test_saved_vectors_carry_a_manifest_and_round_trip(tmp_path: Path) -> None:
    path, cache = _saved(tmp_path)
    with np.load(path) as data:
        assert "manifest" in data.files
    read = EmbeddingCache.read(path, "hash-8")
    assert read.keys() == cache.keys() and all(np.array_equal(read[k], cache._entries[k]) for k in read)


@pytest.mark.parametrize("damage", ["rows swapped", "other vectors", "model relabelled", "keys renamed", "no manifest"])
def test_a_swapped_or_damaged_vector_file_is_refused_with_a_warning(
        tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    path, _ = _saved(tmp_path)
    with np.load(path) as data:
        vectors = data["vectors"]
    if damage == "rows swapped":
        _rewrite(path, vectors=vectors[::-1].copy())
    elif damage == "other vectors":
        _rewrite(path, vectors=_unit(5, 8, seed=1))
    elif damage == "model relabelled":
        _saved(tmp_path, "other-8")
        (tmp_path / "index" / "other-8.npz").replace(path)
        _rewrite(path, model=np.array("hash-8"))
    elif damage == "keys renamed":
        _rewrite(path, keys=np.array(sorted(text_key("query", t) for t in "abcde")))
    else:
        with np.load(path) as data:
            arrays = {name: data[name] for name in data.files if name != "manifest"}
        with path.open("wb") as handle:
            np.savez(handle, **arrays)
    with caplog.at_level("WARNING", logger="kgqa"):
        assert EmbeddingCache.read(path, "hash-8") == {}
    assert str(path) in caplog.text and "again" in caplog.text


def test_vectors_of_another_dimension_are_embedded_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A file of another model's width under our name (manifest and all) never reaches FAISS."""
    cache = EmbeddingCache("hash-8", {text_key("passage", "a"): _unit(1, 4)[0]})
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return HashEmbedder(8).encode_passages(texts)

    with caplog.at_level("WARNING", logger="kgqa"):
        vectors = cache.embed("passage", ["a", "b"], encode, 8)
    assert vectors.shape == (2, 8) and calls == [["a", "b"]] and "4" not in str(vectors.shape)
    assert "8-dimensional" in caplog.text


def test_bundled_vectors_without_a_manifest_still_load_when_sound(tmp_path: Path) -> None:
    path = bundled_vectors_path(DEFAULT_MODEL)
    assert path.exists()
    assert len(EmbeddingCache.open(DEFAULT_MODEL, [path])) > 1000


def test_a_knowledge_base_whose_vector_file_was_swapped_answers_as_a_fresh_one(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Reverse the rows of the saved cache (valid unit vectors, wrong texts): reopening must not trust them."""
    fresh = KnowledgeBase.open(tmp_path / "fresh", embedder=HashEmbedder())
    kb_dir = tmp_path / "kb"
    KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    saved = kb_dir / "index" / "hash-256.npz"
    if not saved.exists():
        pytest.skip("this knowledge base keeps its embedding cache elsewhere (no index/hash-256.npz)")
    with np.load(saved) as data:
        _rewrite(saved, vectors=data["vectors"][::-1].copy())
    with caplog.at_level("WARNING", logger="kgqa"):
        reopened = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    assert "refused" in caplog.text
    question = "转置卷积为什么会有棋盘效应?"
    assert [s.citation for s in reopened.ask(question).sources] == [s.citation for s in fresh.ask(question).sources]


def test_a_refused_cache_file_is_rewritten_even_when_nothing_needs_embedding(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """With e5 every bundled text comes from the package's vectors; an old cache file without a
    manifest must still be replaced once, not warned about at every start."""
    saved = tmp_path / "index" / bundled_vectors_path(DEFAULT_MODEL).name
    saved.parent.mkdir(parents=True)
    np.savez(saved, model=np.array(DEFAULT_MODEL), keys=np.array(["k"]), vectors=np.ones((1, 384), np.float32) / 384 ** 0.5)
    for attempt in range(2):
        caplog.clear()
        with caplog.at_level("WARNING", logger="kgqa"):
            KnowledgeBase.open(tmp_path)
        assert ("refused" in caplog.text) == (attempt == 0)
