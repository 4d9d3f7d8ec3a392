"""The read model's image on disk: a compiled :class:`~qa.readmodel.ReadModel`, saved once and
read back when the same store is opened again at the same generation.

Compiling is deterministic but costly at scale (about 29 s to open 1,000 notes: reading stored
rows, tokens, BM25, sentences, maps), while reading the image back takes 3-5 s. The image is only
ever a cache of the store: its name holds a :func:`image_key` of everything the model depends on
(the store's uid and generation, the shipped corpus, the embedder, kgqa's source, the library
versions), so another store, another generation or other code never reads it as current, and
anything unreadable is compiled again. A server may start from an earlier generation's image of
the same store and code (:func:`older_key`) while it compiles the current one.

The file is a pickle read by an unpickler that resolves only the record classes a read model is
made of (:data:`ALLOWED`): no function, no other class, so a crafted file cannot run code.
Objects that own native state are written as how to rebuild them: the tokenizer as its terms, the
linker as its concepts, a vector index as its rows (a large graph index is read back from its own
file, see :func:`qa.readmodel.vector_index`).

>>> key = image_key("uid", 3, "corpus", "e5")           # doctest: +SKIP
>>> save_image(model, folder, key)                      # doctest: +SKIP
>>> load_image(folder, key, folder) is not None         # doctest: +SKIP
True
"""
from __future__ import annotations

import functools
import hashlib
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ingest.linker import Linker
from kg.collector import paused
from kg.store import atomic_file
from qa.bm25 import Tokenizer
from qa.readmodel import READ_MODEL_VERSION, ReadModel, vector_index
from qa.vectors import FaissIndex

__all__ = ["ALLOWED", "image_key", "load_image", "older_key", "save_image"]

_ROOT = Path(__file__).resolve().parents[1]
_PREFIX = "model-"

# Every global an image may name. Classes are rebuilt from their fields; the three callables
# rebuild native state from plain data and touch nothing else.
ALLOWED = frozenset({
    ("ingest.linker", "Linker"), ("qa.bm25", "Tokenizer"), ("qa.image", "_index"),
    ("kg.graph", "KnowledgeGraph"), ("kg.store", "Snapshot"),
    *(("kg.model", n) for n in ("Concept", "Document", "Evidence", "Mention", "Relation", "Section", "Term")),
    ("qa.bank", "Bank"), ("qa.bank", "Question"), ("qa.bm25", "BM25"), ("qa.chunks", "Passage"),
    ("qa.readmodel", "ReadModel"), ("qa.readmodel", "Unit"), ("qa.homophone", "Homophones"),
    ("networkx.classes.multidigraph", "MultiDiGraph"), ("networkx.classes.coreviews", "MultiAdjacencyView"),
    ("networkx.classes.reportviews", "NodeView"), ("networkx.classes.reportviews", "InMultiEdgeView"),
    ("networkx.classes.reportviews", "OutMultiEdgeView"),
    ("numpy", "dtype"), ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
    ("builtins", "frozenset"), ("builtins", "set"), ("collections", "OrderedDict"),
})


@functools.cache
def _source_digest() -> str:
    """sha256 of kgqa's own source (kg, ingest, qa): a model compiled by other code is never read."""
    digest = hashlib.sha256()
    for path in sorted(p for package in ("kg", "ingest", "qa") for p in (_ROOT / package).rglob("*.py")):
        digest.update(f"{path.relative_to(_ROOT)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def image_key(uid: str, generation: int, corpus: str, model_id: str) -> str:
    """What an image is named by, ``<family>-<generation>``: the store (``uid``) at ``generation``,
    with the shipped corpus's fingerprint, the embedder, and the code and library versions that
    compiled it. The family names all but the generation, so :func:`older_key` can find the same
    store's last image for a server to answer from while the current generation compiles.

    >>> image_key("a", 1, "c", "m") != image_key("a", 2, "c", "m")
    True
    >>> image_key("a", 1, "c", "m").rpartition("-")[0] == image_key("a", 2, "c", "m").rpartition("-")[0]
    True
    """
    import faiss
    import jieba
    import networkx
    import numpy

    parts = [str(READ_MODEL_VERSION), uid, corpus, model_id, _source_digest(), sys.version,
             numpy.__version__, faiss.__version__, jieba.__version__, networkx.__version__, str(pickle.HIGHEST_PROTOCOL)]
    return f"{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()[:32]}-{int(generation)}"


def older_key(folder: Path, key: str) -> str | None:
    """The key of the newest image in ``folder`` of ``key``'s family (same store, corpus, embedder
    and code) but an earlier generation, or None: what a server may answer from while it compiles."""
    family, _, generation = key.rpartition("-")
    earlier = [int(tail) for path in folder.glob(f"{_PREFIX}{family}-*.pickle")
               if (tail := path.stem[len(_PREFIX) + len(family) + 1:]).isdigit() and int(tail) < int(generation)]
    return f"{family}-{max(earlier)}" if earlier else None


def _index(directory: Path | None, matrix: Any) -> FaissIndex:
    """A vector index of ``matrix`` (a saved graph index is read back from ``directory``)."""
    return vector_index(matrix, directory, set())


class _Pickler(pickle.Pickler):
    def __init__(self, file: BinaryIO, model: ReadModel) -> None:
        super().__init__(file, protocol=5)
        self._concepts = model.concepts

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Tokenizer):
            return Tokenizer, (obj.terms,)
        if isinstance(obj, Linker):  # the model's one linker is made of the model's concepts
            return Linker, (self._concepts,)
        if isinstance(obj, FaissIndex):
            return _index, (None, obj.matrix)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO, directory: Path | None) -> None:
        super().__init__(file)
        self._directory = directory

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a read model")
        if (module, name) == ("qa.image", "_index"):
            return lambda _directory, matrix: _index(self._directory, matrix)
        return super().find_class(module, name)


def _path(folder: Path, key: str) -> Path:
    return folder / f"{_PREFIX}{key}.pickle"


def save_image(model: ReadModel, folder: Path, key: str) -> Path:
    """Write ``model``'s image as ``folder/model-<key>.pickle`` (atomically) and delete older images."""
    path = _path(folder, key)
    with atomic_file(path) as handle, paused():  # streamed: the image is as large as the model
        _Pickler(handle, model).dump(model)
    for old in folder.glob(f"{_PREFIX}*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def load_image(folder: Path, key: str, index_dir: Path | None,
               warn: Callable[[str], None] | None = None) -> ReadModel | None:
    """The model saved under ``key`` in ``folder``, or None when there is none or it is unreadable
    (truncated, from elsewhere, naming a global outside :data:`ALLOWED`); ``warn`` hears why."""
    path = _path(folder, key)
    try:
        handle = path.open("rb")
    except OSError:
        return None
    try:
        with handle, paused(settle=True):  # millions of long-lived small objects (kg.collector)
            model = _Unpickler(handle, index_dir).load()
    except Exception as exc:  # noqa: BLE001 - any damage means: compile again
        if warn:
            warn(f"ignoring the saved read model {path.name} ({type(exc).__name__}: {exc}); compiling it again")
        try:
            path.unlink(missing_ok=True)
        except OSError:  # a read-only folder: it stays, and is ignored again next time
            pass
        return None
    return model if isinstance(model, ReadModel) else None
