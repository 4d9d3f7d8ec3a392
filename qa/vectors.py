"""Dense vectors: a small vector-index protocol (FAISS behind it) and the embedding cache.

:class:`FaissIndex` answers top-k inner-product searches over L2-normalised rows (cosine)
and hands out rows for exact re-scoring of a few candidates. :class:`EmbeddingCache` keeps
vectors by (model, role, text), so a rebuild embeds only new texts; it is saved in the
knowledge base's ``index/`` folder, and the bundled corpus's vectors ship as package data
(``corpus/vectors/<model>.npz``), so a first start embeds nothing it can find there.

Every saved file carries a manifest (model, rows, dimension, SHA-256 of keys and vectors). A
file whose manifest does not match its content, or that belongs to another model, or whose rows
are not finite unit vectors of one dimension, is refused on load with a warning on the
``kgqa`` logger, and its texts are embedded again: a swapped or damaged file is never searched.

>>> index = FaissIndex(np.eye(3, dtype=np.float32))
>>> [int(i) for i in index.search(np.array([0, 1, 0], np.float32), 2)[1]]
[1, 0]
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from kg.store import atomic_write

__all__ = ["VectorIndex", "FaissIndex", "EmbeddingCache", "Role", "text_key", "bundled_vectors_path", "digest"]

Role = Literal["query", "passage"]
MANIFEST = "kgqa-vectors"
_log = logging.getLogger("kgqa")


def digest(model_id: str, keys: Sequence[str], matrix: np.ndarray) -> str:
    """SHA-256 over the model id, the keys in order and the float32 rows (little-endian) with their shape.

    >>> digest("m", ["a"], np.ones((1, 2), np.float32)) == digest("m", ["a"], np.ones((1, 2), np.float32) * 2)
    False
    """
    h = hashlib.sha256(f"{model_id}\0{matrix.shape}\0".encode())
    h.update("\n".join(keys).encode("utf-8"))
    h.update(np.ascontiguousarray(matrix, dtype="<f4").tobytes())
    return h.hexdigest()


def _problem(model_id: str, keys: list[str], matrix: np.ndarray, manifest: dict[str, object] | None) -> str | None:
    """Why these saved vectors must not be used, or None when they are sound."""
    if matrix.ndim != 2 or len(keys) != len(matrix):
        return f"{len(keys)} keys for vectors of shape {matrix.shape}"
    if manifest is not None:
        expected = {"model": model_id, "rows": len(keys), "dim": int(matrix.shape[1]), "sha256": digest(model_id, keys, matrix)}
        wrong = [name for name, value in expected.items() if manifest.get(name) != value]
        if wrong:
            return f"its manifest does not match its content ({', '.join(wrong)})"
    if len(matrix) and not np.all(np.isfinite(matrix)):
        return "it holds vectors that are not finite"
    if len(matrix) and not np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-2):
        return "its vectors are not unit length (they were not written by an embedder of ours)"
    return None


def text_key(role: Role, text: str) -> str:
    """The cache key of ``text`` embedded in ``role``.

    >>> text_key("query", "BN") != text_key("passage", "BN")
    True
    """
    return hashlib.sha1(f"{role}\0{text}".encode()).hexdigest()


class VectorIndex(Protocol):
    """Top-k search over a fixed set of normalised rows."""

    @property
    def size(self) -> int: ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...

    def rows(self, ids: Sequence[int]) -> np.ndarray: ...


APPROXIMATE_ABOVE = 50_000  # rows beyond which a search must not scan every row


def add_in_order(index: object, rows: np.ndarray) -> None:
    """Add ``rows`` to a graph index on one thread, so the same rows in the same order give the same graph."""
    import faiss

    index.hnsw.efSearch = 128  # type: ignore[attr-defined]
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        index.add(rows)  # type: ignore[attr-defined]
    finally:
        faiss.omp_set_num_threads(threads)


class FaissIndex:
    """An inner-product FAISS index plus the matrix it was built from.

    Exact (``IndexFlatIP``) up to :data:`APPROXIMATE_ABOVE` rows, which covers the bundled
    corpus many times over; beyond that a graph index (``IndexHNSWFlat``, built on one thread
    so the same rows give the same graph), whose search cost grows with log(rows) rather than rows.
    """

    def __init__(self, matrix: np.ndarray) -> None:
        import faiss

        self._matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        dim = self._matrix.shape[1] if self._matrix.ndim == 2 else 1
        self._index: faiss.Index
        if len(self._matrix) > APPROXIMATE_ABOVE:
            self._index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            add_in_order(self._index, self._matrix)
        else:
            self._index = faiss.IndexFlatIP(dim)
            if len(self._matrix):
                self._index.add(self._matrix)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def matrix(self) -> np.ndarray:
        """The rows, as given (read-only by convention: the index was built from them)."""
        return self._matrix

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``k`` rows closest to one query row, best first."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k)
        keep = ids[0] >= 0  # a graph index may find fewer than k
        return scores[0][keep], ids[0][keep]

    def rows(self, ids: Sequence[int]) -> np.ndarray:
        return self._matrix[np.asarray(ids, dtype=np.int64)]


def bundled_vectors_path(model_id: str) -> Path:
    """Where the bundled corpus's vectors for ``model_id`` ship (may not exist)."""
    import corpus

    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model_id)
    return Path(corpus.__file__).resolve().parent / "vectors" / f"{safe}.npz"


class EmbeddingCache:
    """Vectors by (role, text) for one model; new ones are marked so only they need saving."""

    def __init__(self, model_id: str, entries: dict[str, np.ndarray] | None = None) -> None:
        self.model_id = model_id
        self._entries: dict[str, np.ndarray] = dict(entries or {})
        self._lock = threading.Lock()
        self.added = 0

    def _check_dim(self, dim: int) -> None:
        """Forget cached vectors of another dimension than the embedder's (a swapped file): they are re-embedded."""
        wrong = [k for k, v in self._entries.items() if v.shape != (dim,)]
        if wrong:
            _log.warning("%d cached %s vector(s) are not %d-dimensional; embedding those texts again",
                         len(wrong), self.model_id, dim)
            with self._lock:
                for key in wrong:
                    self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> set[str]:
        return set(self._entries)

    def embed(self, role: Role, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], dim: int) -> np.ndarray:
        """Vectors of ``texts`` in ``role``, calling ``encode`` only for texts not cached yet."""
        if self._entries and next(iter(self._entries.values())).shape != (dim,):
            self._check_dim(dim)
        keys = [text_key(role, t) for t in texts]
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self._entries))
        if todo:
            fresh = encode(todo)
            with self._lock:
                for text, vector in zip(todo, fresh):
                    self._entries[text_key(role, text)] = np.asarray(vector, dtype=np.float32)
                self.added += len(todo)
        if not texts:
            return np.zeros((0, dim), np.float32)
        return np.stack([self._entries[k] for k in keys]).astype(np.float32, copy=False)

    # -- persistence (the I/O edge) -----------------------------------------------------
    def to_bytes(self, keep: set[str] | None = None) -> bytes:
        """An ``.npz`` of the entries (only ``keep`` keys when given), sorted by key, with its manifest: deterministic."""
        keys = sorted(k for k in self._entries if keep is None or k in keep)
        matrix = (np.stack([self._entries[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)).astype(np.float32)
        manifest = {"format": MANIFEST, "model": self.model_id, "rows": len(keys), "dim": int(matrix.shape[1]),
                    "sha256": digest(self.model_id, keys, matrix)}
        buffer = io.BytesIO()
        np.savez(buffer, model=np.array(self.model_id), keys=np.array(keys), vectors=matrix,
                 manifest=np.array(json.dumps(manifest, sort_keys=True)))
        return buffer.getvalue()

    def save(self, path: Path, keep: set[str] | None = None) -> None:
        atomic_write(path, self.to_bytes(keep))

    @staticmethod
    def read(path: Path, model_id: str, *, require_manifest: bool | None = None) -> dict[str, np.ndarray]:
        """Entries saved at ``path`` for ``model_id``; empty when the file is missing, damaged,
        another model's, or does not match its manifest (a warning says which). A manifest is
        required unless ``require_manifest`` is False, which by default only the bundled vectors
        (package data that may predate manifests, checked for shape and unit length) are."""
        path = Path(path)
        if not path.exists():
            return {}
        if require_manifest is None:
            require_manifest = path.resolve().parent != bundled_vectors_path(model_id).parent
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["model"]) != model_id:
                    _log.warning("%s holds vectors of %s, not %s; embedding again", path, data["model"], model_id)
                    return {}
                keys = [str(k) for k in data["keys"]]
                matrix = np.asarray(data["vectors"], dtype=np.float32)
                manifest = json.loads(str(data["manifest"])) if "manifest" in data.files else None
        except (OSError, ValueError, KeyError, EOFError) as exc:
            _log.warning("%s is not a readable vector file (%s); embedding again", path, type(exc).__name__)
            return {}
        if manifest is None and require_manifest:
            problem: str | None = "it has no manifest (written by an older kgqa, or not by kgqa)"
        else:
            problem = _problem(model_id, keys, matrix, manifest)
        if problem:
            _log.warning("%s is refused: %s; embedding its texts again", path, problem)
            return {}
        return dict(zip(keys, matrix))

    @classmethod
    def open(cls, model_id: str, paths: Sequence[Path]) -> EmbeddingCache:
        """A cache seeded from every sound file of ``paths`` (later files win; see :meth:`read`)."""
        entries: dict[str, np.ndarray] = {}
        refused = 0
        for path in paths:
            found = cls.read(path, model_id)
            refused += bool(not found and Path(path).exists())
            entries.update(found)
        cache = cls(model_id, entries)
        cache.added = refused  # a refused file is rewritten (with a manifest) at the next save
        return cache
