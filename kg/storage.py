"""The knowledge-base store: a small protocol, its records, and :func:`open_storage`.

A store holds, per note, the note itself (in a namespace, ``bundled`` or ``user``) and what
extraction derived from it (:class:`Derived`: proposed concepts, sections, mentions,
relations with their evidence), plus the catalogue, the bundled corpus's fingerprint and a
generation counter. The graph is never stored whole: a reader assembles it from the per-note
rows (:func:`ingest.pipeline.assemble`), so an ingest writes only the rows of the notes it
touches.

Two protocols, so a backend fills in a dozen short methods:

* :class:`Storage`: ``read()`` everything consistently, ``write()`` one serialised
  transaction, ``generation()`` cheaply, ``close()``, and a per-text cache (``cached()``,
  ``cache()``) of what is costly and deterministic to compute from a text (the read model's
  tokens and folded forms), keyed by a digest of the code that computed it.
* :class:`Writer`: what an ingest or a remove does inside that transaction.

Backends: :class:`kg.sqlite.SQLiteStorage` (``DIR/kb.sqlite``, the default) and
``kg.postgres.PostgresStorage(url)`` for ``postgresql://`` URLs. Dialect differences
(placeholders, upserts, locking, change notification) stay inside the backend; callers
see only these records.

>>> import tempfile
>>> store = open_storage(tempfile.mkdtemp())
>>> with store.write() as w:
...     w.set_meta((), "fp")
>>> store.read().fingerprint, store.generation()
('fp', 1)
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from kg.errors import StoreError
from kg.model import Concept, Document, Mention, Relation, Section

__all__ = ["default_kb_dir", "Namespace", "NAMESPACES", "Derived", "NoteHead", "StoredNote", "State", "Storage", "Writer",
           "open_storage", "is_url"]

Namespace = Literal["bundled", "user"]
NAMESPACES: tuple[Namespace, ...] = ("bundled", "user")


@dataclass(frozen=True)
class Derived:
    """What extraction read from one note under one concept set.

    ``shaped`` are the terms the note proposes by their shape (they depend on the catalogue
    only), ``slotted`` those it proposes by the slot they fill (they depend on the concept set).
    Every relation carries evidence from this note only; the graph merges them across notes.

    >>> Derived().relations
    ()
    """

    shaped: tuple[Concept, ...] = ()
    slotted: tuple[Concept, ...] = ()
    sections: tuple[Section, ...] = ()
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class NoteHead:
    """A stored note without its text or derived rows: enough to plan an ingest.

    ``seq`` orders the notes (a note ingested again moves to the end); the concept set, and
    so the graph, depends on that order exactly as :func:`ingest.pipeline.build` over the
    notes in ``seq`` order does.
    """

    id: str
    seq: int
    namespace: Namespace
    sha256: str
    shaped: tuple[Concept, ...] = ()
    slotted: tuple[Concept, ...] = ()


@dataclass(frozen=True)
class StoredNote:
    """One note with everything derived from it (``document.bundled`` mirrors the namespace)."""

    seq: int
    namespace: Namespace
    document: Document
    derived: Derived


@dataclass(frozen=True)
class State:
    """Everything a store holds, read in one consistent transaction; notes in ``seq`` order."""

    catalogue: tuple[Concept, ...]
    fingerprint: str
    generation: int
    notes: tuple[StoredNote, ...]


class Writer(Protocol):
    """The operations of one write transaction; see :meth:`Storage.write`."""

    def heads(self) -> list[NoteHead]:
        """Every stored note, in ``seq`` order, without text or sections (cheap: plans an ingest)."""
        ...

    def meta(self) -> tuple[tuple[Concept, ...], str]:
        """The catalogue and the bundled corpus fingerprint (``((), "")`` in an empty store)."""
        ...

    def documents(self, ids: list[str]) -> list[Document]:
        """The full stored documents with these ids (unknown ids are skipped), in ``seq`` order."""
        ...

    def containing(self, keys: list[str]) -> set[str]:
        """Ids of the notes whose ``search`` text (see :meth:`put`) contains any of ``keys``
        as a plain substring (SQL ``instr``/``strpos``); no keys, no notes."""
        ...

    def put(self, document: Document, namespace: Namespace, derived: Derived, search: str) -> None:
        """Insert the note, or replace the note with this id, with its derived rows; it gets the
        next ``seq`` (a replaced note moves to the end). ``search`` is the folded prose that
        :meth:`containing` searches."""
        ...

    def rederive(self, note_id: str, derived: Derived) -> None:
        """Replace only the derived rows (proposals, sections, mentions, relations) of a stored note."""
        ...

    def delete(self, note_id: str) -> None:
        """Delete a note and every row derived from it (no error if it is not there)."""
        ...

    def set_meta(self, catalogue: tuple[Concept, ...], fingerprint: str) -> None:
        """Replace the catalogue and the bundled corpus fingerprint."""
        ...


@runtime_checkable
class Storage(Protocol):
    """A knowledge-base store. Safe to use from several threads and processes at once."""

    location: str
    uid: str  # random, made with the store: what is cached about one store is never taken for another's

    def read(self) -> State:
        """Everything, from one consistent read transaction (a committed state, never a torn one).
        Raises :class:`~kg.errors.StoreError` (one line, saying how to rebuild) when unreadable."""
        ...

    def write(self) -> AbstractContextManager[Writer]:
        """One write transaction: writers are serialised across processes (SQLite
        ``BEGIN IMMEDIATE``; PostgreSQL a transaction-level advisory lock taken first), so what
        the :class:`Writer` reads is current until commit. Leaving the block commits and adds 1
        to the generation (and, in PostgreSQL, notifies listeners); an exception rolls back."""
        ...

    def generation(self) -> int:
        """The committed generation: 0 for a new store, +1 per committed write. Cheap enough to
        poll every second (SQLite checks ``PRAGMA data_version`` first; PostgreSQL may answer from
        LISTEN/NOTIFY)."""
        ...

    def close(self) -> None:
        """Release connections; the object must not be used afterwards."""
        ...

    def cached(self, kind: str, digest: str, keys: Sequence[str]) -> dict[str, str]:
        """The values cached under ``kind`` and ``digest`` (of whatever computed them) for ``keys``
        (sha1 of each text); a missing key is left out, and any failure is an empty answer."""
        ...

    def cache(self, kind: str, digest: str, values: dict[str, str]) -> None:
        """Best effort: add ``values`` (key -> value) in a transaction of its own, dropping ``kind``'s
        rows under other digests. Never bumps the generation; gives up silently when the store is
        busy or read-only (a crash leaves the values missing, never wrong)."""
        ...


_URL_SCHEMES = ("postgresql:", "postgres:")


def default_kb_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$KGQA_KB``, else ``$XDG_DATA_HOME/kgqa/kb``, else ``~/.local/share/kgqa/kb`` (read when called).

    Here rather than in :mod:`qa`, so that storage commands (``kgqa ingest``, ``remove``) start
    without importing the read model's numpy stack.

    >>> default_kb_dir({"KGQA_KB": "/data/kb"})
    PosixPath('/data/kb')
    """
    env = os.environ if environ is None else environ
    if env.get("KGQA_KB"):
        return Path(env["KGQA_KB"]).expanduser()
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "kgqa" / "kb"


def is_url(location: str | Path) -> bool:
    """True for a PostgreSQL URL (pass it as a string: ``Path`` would merge its slashes).

    >>> is_url("postgresql://kgqa@/kb"), is_url("/tmp/kb")
    (True, False)
    """
    return str(location).startswith(_URL_SCHEMES)


def open_storage(location: str | Path) -> Storage:
    """The store at ``location``: SQLite in a directory (``DIR/kb.sqlite``, created if needed),
    PostgreSQL for a ``postgresql://`` URL (needs :mod:`kg.postgres` and psycopg 3).

    >>> import tempfile
    >>> open_storage(tempfile.mkdtemp()).location.endswith("kb.sqlite")
    True
    """
    if is_url(location):
        try:
            from kg.postgres import PostgresStorage  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            raise StoreError(f"cannot use PostgreSQL ({exc}); install psycopg 3 or use a directory") from None
        if not str(location).partition(":")[2].startswith("//"):
            raise StoreError(f"{location} is not a PostgreSQL URL: write postgresql://USER@HOST/DB")
        return PostgresStorage(str(location))  # type: ignore[no-any-return,unused-ignore]
    from kg.sqlite import SQLiteStorage

    return SQLiteStorage(Path(location))
