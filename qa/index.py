"""The search index of a knowledge base: passages, their tokens and vectors, and concept vectors.

Built from a :class:`~kg.store.Snapshot` and an :class:`~qa.embed.Embedder`, saved next to
``kb.json`` in ``index/`` (every file written atomically, the manifest last), and rebuilt
whenever the passages, the concepts or the embedding model change: the manifest records a
fingerprint of the first two and the model id and dimension of the third.

Dense search uses FAISS inner-product indexes over L2-normalised vectors (cosine).
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from kg.errors import StoreError
from kg.model import Concept
from kg.store import Snapshot, atomic_write
from qa.bm25 import BM25, add_terms, tokenize
from qa.chunks import Passage, passages, substantive
from qa.embed import Embedder
from qa.intent import describe

__all__ = ["INDEX_VERSION", "Index", "build_index", "load_or_build", "concept_text", "english_view", "mention_maps"]

INDEX_VERSION = 1
_DIR = "index"


def concept_text(concept: Concept) -> str:
    """What a concept node is embedded as: its names and its gloss."""
    names = ", ".join(dict.fromkeys([concept.name, *concept.zh, *concept.aliases]))
    return f"{names}: {concept.gloss}" if concept.gloss else names


def english_view(passage: Passage, titled: Sequence[str], mentioned: Sequence[str], concepts: dict[str, Concept]) -> str:
    """An English stand-in for a Chinese passage, so an English question can be matched by meaning:
    the heading's concepts with their glosses, what kind of answer the heading gives, and the
    other concepts the passage mentions. Never shown to users."""
    heads = [concepts[c] for c in titled if c in concepts]
    others = [concepts[c].name for c in mentioned if c in concepts and c not in titled][:8]
    parts = [", ".join(c.name for c in heads), describe(passage.title),
             " ".join(c.gloss for c in heads[:2]), ", ".join(others)]
    return ". ".join(p for p in parts if p) or passage.heading


def mention_maps(snapshot: Snapshot, items: Sequence[Passage]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """For each passage, the concepts its lines mention and those its section heading names (in order)."""
    by_section: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for m in snapshot.mentions:
        by_section[m.section].append((m.line, m.concept))
    starts = {s.id: s.start_line for s in snapshot.sections}
    mentioned, titled = [], []
    for p in items:
        found = by_section.get(p.section, [])
        mentioned.append(tuple(dict.fromkeys(c for line, c in found if p.start_line <= line <= p.end_line)))
        titled.append(tuple(dict.fromkeys(c for line, c in found if line == starts[p.section])))
    return mentioned, titled


def _views(snapshot: Snapshot, items: Sequence[Passage], concepts: Sequence[Concept]) -> list[str]:
    mentioned, titled = mention_maps(snapshot, items)
    by_id = {c.id: c for c in concepts}
    return [english_view(p, t, m, by_id) for p, t, m in zip(items, titled, mentioned)]


def _passages(snapshot: Snapshot) -> list[Passage]:
    return [p for s in snapshot.sections if substantive(s.body) for p in passages(s)]


def _fingerprint(items: list[Passage], concepts: list[Concept], views: list[str]) -> str:
    digest = hashlib.sha256()
    for p, view in zip(items, views):
        digest.update(f"{p.id}\0{p.start_line}\0{p.end_line}\0{p.indexed_text}\0{view}\0".encode())
    for c in concepts:
        digest.update(f"{c.id}\0{concept_text(c)}\0".encode())
    return digest.hexdigest()


@dataclass
class Index:
    """Everything retrieval reads; immutable once built, so threads can share it."""

    passages: list[Passage]
    concepts: list[Concept]
    tokens: list[list[str]]
    passage_vectors: faiss.Index
    concept_vectors: faiss.Index
    view_vectors: faiss.Index
    model_id: str
    fingerprint: str
    views: list[str] = field(init=False, default_factory=list)
    bm25: BM25 = field(init=False)
    title_bm25: BM25 = field(init=False)
    mentions: list[frozenset[str]] = field(init=False)
    title_mentions: list[frozenset[str]] = field(init=False)
    by_line: dict[tuple[str, int], list[int]] = field(init=False)

    def attach(self, snapshot: Snapshot) -> Index:
        """Derive the lexical index and the concept/line maps from the snapshot."""
        self.bm25 = BM25(self.tokens)
        # Headings are short: a word said twice in one heading is no stronger a match (k1 small).
        self.title_bm25 = BM25([tokenize(p.heading) for p in self.passages], k1=0.3)
        mentioned, titled = mention_maps(snapshot, self.passages)
        self.mentions = [frozenset(m) for m in mentioned]
        self.title_mentions = [frozenset(t) for t in titled]
        self.by_line = defaultdict(list)
        for i, p in enumerate(self.passages):
            for line in range(p.start_line, p.end_line + 1):
                self.by_line[(p.doc, line)].append(i)
        add_terms(z for c in self.concepts for z in c.zh)
        return self

    def search(self, vectors: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, ids) of one normalised query row."""
        k = min(k, vectors.ntotal)
        if k == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        scores, ids = vectors.search(query.reshape(1, -1).astype(np.float32), k)
        return scores[0], ids[0]


def _flat(vectors: np.ndarray, dim: int) -> faiss.Index:
    index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _embed(texts: list[str], embedder: Embedder, cache: dict[str, np.ndarray]) -> np.ndarray:
    """Vectors for ``texts``, encoding only those whose vector is not cached already."""
    todo = [t for t in dict.fromkeys(texts) if _key(t) not in cache]
    if todo:
        for text, vector in zip(todo, embedder.encode(todo)):
            cache[_key(text)] = vector
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    return np.stack([cache[_key(t)] for t in texts]).astype(np.float32)


def build_index(snapshot: Snapshot, embedder: Embedder, progress: Callable[[str], None] | None = None,
                cache: dict[str, np.ndarray] | None = None) -> Index:
    """Embed and index the snapshot; ``cache`` (text key -> vector) spares re-encoding unchanged texts."""
    items = _passages(snapshot)
    concepts = list(snapshot.graph.concepts())
    cache = {} if cache is None else cache
    views = _views(snapshot, items, concepts)
    texts = [p.indexed_text for p in items] + [concept_text(c) for c in concepts] + views
    new = sum(1 for t in dict.fromkeys(texts) if _key(t) not in cache)
    if progress and new:
        progress(f"embedding {new} new texts with {embedder.model_id}")
    dim = embedder.dim
    passage_vectors = _embed([p.indexed_text for p in items], embedder, cache)
    concept_vectors = _embed([concept_text(c) for c in concepts], embedder, cache)
    view_vectors = _embed(views, embedder, cache)
    index = Index(
        passages=items,
        concepts=concepts,
        tokens=[tokenize(p.indexed_text) for p in items],
        passage_vectors=_flat(passage_vectors, dim),
        concept_vectors=_flat(concept_vectors, dim),
        view_vectors=_flat(view_vectors, dim),
        model_id=embedder.model_id,
        fingerprint=_fingerprint(items, concepts, views),
    )
    index.views = views
    return index.attach(snapshot)


def save_index(index: Index, kb: Path) -> None:
    folder = Path(kb) / _DIR
    atomic_write(folder / "passages.faiss", faiss.serialize_index(index.passage_vectors).tobytes())
    atomic_write(folder / "concepts.faiss", faiss.serialize_index(index.concept_vectors).tobytes())
    atomic_write(folder / "views.faiss", faiss.serialize_index(index.view_vectors).tobytes())
    atomic_write(folder / "tokens.json", json.dumps(index.tokens, ensure_ascii=False).encode("utf-8"))
    manifest = {
        "version": INDEX_VERSION,
        "fingerprint": index.fingerprint,
        "model_id": index.model_id,
        "dim": index.passage_vectors.d,
        "passages": len(index.passages),
        "concepts": len(index.concepts),
        "passage_keys": [_key(p.indexed_text) for p in index.passages],
        "concept_keys": [_key(concept_text(c)) for c in index.concepts],
        "view_keys": [_key(v) for v in index.views],
    }
    atomic_write(folder / "manifest.json", json.dumps(manifest, indent=1).encode("utf-8"))


def _read(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


def _cached_vectors(folder: Path, manifest: dict) -> dict[str, np.ndarray]:
    """Vectors of the previous index by text key, so a rebuild re-encodes only new texts."""
    cache: dict[str, np.ndarray] = {}
    for name, field_name in (("passages.faiss", "passage_keys"), ("concepts.faiss", "concept_keys"), ("views.faiss", "view_keys")):
        keys = manifest.get(field_name, [])
        try:
            stored = faiss.deserialize_index(np.frombuffer(_read(folder, name), dtype=np.uint8))
        except (OSError, RuntimeError):
            continue
        if stored.ntotal == len(keys) and keys:
            cache.update(zip(keys, stored.reconstruct_n(0, stored.ntotal)))
    return cache


def load_or_build(
    snapshot: Snapshot, kb: Path, embedder: Embedder, progress: Callable[[str], None] | None = None
) -> Index:
    """The saved index when it matches the snapshot and the model, else a fresh one (saved)."""
    items = _passages(snapshot)
    concepts = list(snapshot.graph.concepts())
    views = _views(snapshot, items, concepts)
    fingerprint = _fingerprint(items, concepts, views)
    folder = Path(kb) / _DIR
    cache: dict[str, np.ndarray] = {}
    try:
        manifest = json.loads(_read(folder, "manifest.json"))
        if manifest.get("model_id") == embedder.model_id:
            cache = _cached_vectors(folder, manifest)
        if (
            manifest.get("version") == INDEX_VERSION
            and manifest.get("fingerprint") == fingerprint
            and manifest.get("model_id") == embedder.model_id
        ):
            index = Index(
                passages=items,
                concepts=concepts,
                tokens=json.loads(_read(folder, "tokens.json")),
                passage_vectors=faiss.deserialize_index(np.frombuffer(_read(folder, "passages.faiss"), dtype=np.uint8)),
                concept_vectors=faiss.deserialize_index(np.frombuffer(_read(folder, "concepts.faiss"), dtype=np.uint8)),
                view_vectors=faiss.deserialize_index(np.frombuffer(_read(folder, "views.faiss"), dtype=np.uint8)),
                model_id=embedder.model_id,
                fingerprint=fingerprint,
            )
            index.views = views
            if index.passage_vectors.ntotal == len(items) and len(index.tokens) == len(items):
                return index.attach(snapshot)
    except (OSError, ValueError, RuntimeError):
        pass  # missing or damaged index files: rebuild below
    if progress:
        progress(f"building the search index in {folder}")
    index = build_index(snapshot, embedder, progress, cache)
    try:
        save_index(index, kb)
    except OSError as exc:
        raise StoreError(f"cannot write the search index to {folder}: {exc}") from None
    return index
