"""Incremental updates of a store: one write transaction that re-derives only the notes it affects.

:func:`apply` adds, replaces and deletes notes inside a :class:`~kg.storage.Writer`. What a
note derives depends on the concept set (catalogue plus every note's proposals, first note
first), so a change re-derives the new notes and only those stored notes whose folded text
contains a linker key whose owner or concept changed (a superset of the notes whose links can
differ). The result equals :func:`ingest.pipeline.build` over the stored notes in ``seq``
order; ``tests/ingest/test_update.py`` checks it.

>>> from kg.storage import open_storage                       # doctest: +SKIP
>>> with open_storage(d).write() as w:                        # doctest: +SKIP
...     apply(w, [(note, "user")], [])
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.linker import Linker, family
from ingest.pipeline import Progress, _concepts, _document, _first, _named, _note, _prose, _shaped, _slotted, derive, linker_of
from ingest.reader import RawNote
from kg.model import Concept
from kg.storage import Namespace, Writer
from kg.text import compact, fold

__all__ = ["Outcome", "apply", "changed_keys", "search_text"]


@dataclass(frozen=True)
class Outcome:
    """What one update did: notes stored now, notes written, notes deleted, others re-derived."""

    notes: int
    written: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    rederived: tuple[str, ...] = ()


def search_text(note: RawNote) -> str:
    """What :meth:`Writer.containing` searches: the folded prose (every key the linker can
    match on a line is a substring of it).

    >>> search_text(RawNote("a.md", "# Batch-Norm\\n```\\nBN\\n```", "markdown"))
    '# batch norm'
    """
    return fold(_prose(note.text))


def _keys(concept: Concept) -> set[str]:
    return {k for a in (concept.name, *concept.zh, *concept.aliases) for k in (fold(a), compact(a)) if len(k) >= 2}


def changed_keys(old: Linker, old_concepts: dict[str, Concept], new: Linker, new_concepts: dict[str, Concept]) -> list[str]:
    """Keys whose matches can differ between two concept sets: keys that changed owner, keys of
    concepts that changed, and the family of each (a bare ``V2`` under "Inception" links by it)."""
    before, after = old._keys, new._keys  # noqa: SLF001 - the automaton's own key map
    found = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    for cid in old_concepts.keys() | new_concepts.keys():
        a, b = old_concepts.get(cid), new_concepts.get(cid)
        if a != b:
            found.update(*(_keys(c) for c in (a, b) if c is not None))
    found.update({fold(family(k)) for k in found} - {""})
    return sorted(found)


class _Texts:
    """Stored notes fetched on demand, each once, with their prose."""

    def __init__(self, writer: Writer, incoming: Iterable[RawNote]) -> None:
        self.writer = writer
        self.notes = {n.id: n for n in incoming}
        self.prose: dict[str, str] = {}

    def fetch(self, ids: Iterable[str]) -> None:
        missing = [i for i in ids if i not in self.notes]
        for doc in self.writer.documents(missing) if missing else ():
            self.notes[doc.id] = _note(doc)

    def prose_of(self, note_id: str) -> str:
        if note_id not in self.prose:
            self.fetch([note_id])
            self.prose[note_id] = _prose(self.notes[note_id].text)
        return self.prose[note_id]


def apply(writer: Writer, puts: Sequence[tuple[RawNote, Namespace]], deletes: Sequence[str] = (), *,
          catalogue: Sequence[Concept] | None = None, fingerprint: str | None = None, everything: bool = False,
          progress: Progress | None = None) -> Outcome:
    """Put ``puts`` (a note with a stored id replaces it and moves to the end), delete ``deletes``,
    optionally replace the catalogue and fingerprint, and re-derive what that affects (every
    note when the catalogue changes or ``everything``)."""
    old_catalogue, old_fingerprint = writer.meta()
    heads = writer.heads()
    new_catalogue = old_catalogue if catalogue is None else tuple(catalogue)
    everything = everything or new_catalogue != old_catalogue
    incoming = {note.id: (note, ns) for note, ns in puts}
    gone = set(deletes)
    kept = [h.id for h in heads if h.id not in incoming and h.id not in gone]
    order = [*kept, *incoming]
    texts = _Texts(writer, [n for n, _ in incoming.values()])
    if everything:
        texts.fetch(kept)
    old_shaped = {h.id: h.shaped for h in heads}
    old_slotted = {h.id: h.slotted for h in heads}
    base = linker_of(new_catalogue)
    shaped = {i: _shaped(texts.prose_of(i), base) if everything or i in incoming else old_shaped[i] for i in order}
    old_order = [h.id for h in heads]
    named_old, kinds_old = _named(old_catalogue, [old_shaped[i] for i in old_order])
    named, kinds = _named(new_catalogue, [shaped[i] for i in order])
    shaped_old = {c.id: c for c in [*old_catalogue, *_first(old_shaped[i] for i in old_order).values()]}
    shaped_new = {c.id: c for c in [*new_catalogue, *_first(shaped[i] for i in order).values()]}
    redo = set(kept) if everything else _affected(writer, named_old, shaped_old, named, shaped_new, kept)
    slotted = {i: _slotted(texts.prose_of(i), named, kinds) if i in redo or i in incoming else old_slotted[i]
               for i in order}
    _, concepts_old, linker_old = _concepts(old_catalogue, [old_shaped[i] for i in old_order],
                                            [old_slotted[i] for i in old_order], named_old)
    _, concepts, linker = _concepts(new_catalogue, [shaped[i] for i in order], [slotted[i] for i in order], named)
    if not everything:
        redo |= _affected(writer, linker_old, concepts_old, linker, concepts, kept)
    for doc_id in deletes:
        writer.delete(doc_id)
    rederived = [i for i in kept if i in redo]
    texts.fetch(rederived)
    for number, doc_id in enumerate(rederived, 1):
        if progress:
            progress(f"re-reading [{number}/{len(rederived)}] {doc_id}")
        writer.rederive(doc_id, derive(texts.notes[doc_id], linker, concepts, shaped[doc_id], slotted[doc_id]))
    for doc_id, (note, namespace) in incoming.items():
        if progress:
            progress(f"reading {doc_id}")
        derived = derive(note, linker, concepts, shaped[doc_id], slotted[doc_id])
        writer.put(_document(note, namespace == "bundled"), namespace, derived, search_text(note))
    new_fingerprint = old_fingerprint if fingerprint is None else fingerprint
    if new_catalogue != old_catalogue or new_fingerprint != old_fingerprint:
        writer.set_meta(new_catalogue, new_fingerprint)
    return Outcome(len(order), tuple(incoming), tuple(deletes), tuple(rederived))


def _affected(writer: Writer, old: Linker, old_concepts: dict[str, Concept], new: Linker,
              new_concepts: dict[str, Concept], kept: Sequence[str]) -> set[str]:
    """Kept notes whose text holds a key whose matches can differ between the two concept sets."""
    keys = changed_keys(old, old_concepts, new, new_concepts)
    return writer.containing(keys) & set(kept) if keys else set()
