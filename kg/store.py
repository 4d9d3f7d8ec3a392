"""The in-memory :class:`Snapshot` of a knowledge base, and the version-1 ``kb.json`` format.

A :class:`Snapshot` is everything the graph side knows: the stored notes, their sections,
the concept mentions, the catalogue it was built from and the graph; the read model compiles
one. The knowledge base itself lives in a :mod:`kg.storage` store (``DIR/kb.sqlite``);
:func:`load` reads an old ``DIR/kb.json`` so that it can be migrated, and :func:`save` still
writes that format (atomically: temporary file, fsync, rename) for tests and exports.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = save(Snapshot(KnowledgeGraph()), d)
>>> load(d).graph.stats()["concepts"]
0
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import networkx as nx

from kg.errors import StoreError
from kg.graph import KnowledgeGraph
from kg.model import Concept, Document, Mention, Section

__all__ = ["FORMAT", "VERSION", "KB_FILE", "Snapshot", "save", "load", "atomic_write", "node_link", "exists"]

FORMAT = "kgqa-kb"
VERSION = 1
KB_FILE = "kb.json"


@dataclass(frozen=True)
class Snapshot:
    """The persisted state of a knowledge base (the graph side; indexes live beside it)."""

    graph: KnowledgeGraph
    documents: tuple[Document, ...] = ()
    sections: tuple[Section, ...] = ()
    mentions: tuple[Mention, ...] = ()
    catalogue: tuple[Concept, ...] = ()
    corpus_fingerprint: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    def heading_concepts(self) -> dict[str, set[str]]:
        """For each section id, the concepts its heading line names."""
        starts = {s.id: s.start_line for s in self.sections}
        found: dict[str, set[str]] = {}
        for m in self.mentions:
            if m.line == starts.get(m.section):
                found.setdefault(m.section, set()).add(m.concept)
        return found


def atomic_write(path: Path, data: bytes | memoryview) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never a torn one."""
    with atomic_file(path) as handle:
        handle.write(data)


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` (fsynced, by rename) when the block exits normally;
    after an exception, ``path`` is untouched and nothing is left behind. For writes too large
    to hold in memory at once (a read model's image)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def node_link(graph: KnowledgeGraph) -> dict[str, Any]:
    """networkx node-link data of the graph.

    Edges appear under ``edges`` (networkx >= 3.4) and, for older readers, under ``links``.
    """
    data = nx.node_link_data(graph.nx, edges="edges")
    data["links"] = data["edges"]
    return data


def exists(directory: Path) -> bool:
    return (Path(directory) / KB_FILE).is_file()


def save(snapshot: Snapshot, directory: Path) -> str:
    """Save ``snapshot`` under ``directory``; returns the SHA-256 of what was written."""
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "corpus_fingerprint": snapshot.corpus_fingerprint,
        "meta": snapshot.meta,
        "documents": [d.to_dict() for d in snapshot.documents],
        "sections": [s.to_dict() for s in snapshot.sections],
        "mentions": [m.to_dict() for m in snapshot.mentions],
        "catalogue": [c.to_dict() for c in snapshot.catalogue],
        "graph": nx.node_link_data(snapshot.graph.nx, edges="edges"),
    }
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    atomic_write(Path(directory) / KB_FILE, data)
    return hashlib.sha256(data).hexdigest()


def load(directory: Path) -> Snapshot:
    """Load the snapshot saved under ``directory``.

    Raises :class:`StoreError` with the command that rebuilds it when the file is missing,
    corrupt or of another format version.
    """
    path = Path(directory) / KB_FILE
    rebuild = f"rebuild it with `kgqa build --kb {directory}`"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"no knowledge base at {directory}: {rebuild}") from None
    try:
        payload = json.loads(raw.decode("utf-8"))
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError("not a kgqa knowledge base")
    except (UnicodeDecodeError, ValueError) as exc:
        raise StoreError(f"{path} is corrupt ({exc}); {rebuild}") from None
    if payload.get("version") != VERSION:
        raise StoreError(
            f"{path} has format version {payload.get('version')}, this kgqa reads {VERSION}; {rebuild}"
        )
    try:
        graph = KnowledgeGraph(nx.node_link_graph(payload["graph"], directed=True, multigraph=True, edges="edges"))
        return Snapshot(
            graph=graph,
            documents=tuple(Document.from_dict(d) for d in payload["documents"]),
            sections=tuple(Section.from_dict(s) for s in payload["sections"]),
            mentions=tuple(Mention.from_dict(m) for m in payload["mentions"]),
            catalogue=tuple(Concept.from_dict(c) for c in payload["catalogue"]),
            corpus_fingerprint=payload.get("corpus_fingerprint", ""),
            meta=payload.get("meta", {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{path} is corrupt (bad field {exc}); {rebuild}") from None

