"""From notes to a knowledge-base snapshot, and the file-level build/ingest/remove operations.

:func:`build` is pure: notes and a catalogue in, :class:`~kg.store.Snapshot` out. It is
made of per-note pieces (:func:`derive` one note under a concept set, :func:`assemble` the
graph from every note's rows), which :mod:`ingest.update` reuses to re-derive only the notes
an ingest or a remove affects, with the same result; removal stays exact: an edge survives
only while some remaining sentence supports it.
The functions at the bottom are the I/O edge: they read files and write one store transaction each.

>>> from ingest.reader import note_from_text
>>> from kg.model import Concept
>>> snap = build([note_from_text("n.md", "# CNN\\n## AlexNet\\n- Dropout:抑制过拟合")],
...              [Concept("alexnet", "AlexNet", "architecture"), Concept("dropout", "Dropout", "technique"),
...               Concept("overfitting", "overfitting", "problem", zh=("过拟合",))])
>>> sorted(r.key for r in snap.graph.relations())
[('alexnet', 'introduces', 'dropout'), ('dropout', 'solves', 'overfitting')]
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import corpus
from ingest.catalogue import load_catalogue
from ingest.clauses import How
from ingest.linker import Linker, Span, family
from ingest.notes import code_lines, parse_sections, title_of
from ingest.propose import propose, propose_in_slots, typed_by_use
from ingest.reader import RawNote, read_note
from ingest.relations import Context, extract, is_actor, is_problem, remedy_target, subject_of
from ingest.sentences import split_line
from kg.collector import paused
from kg.errors import InputError, NotFoundError, StoreError
from kg.graph import KnowledgeGraph
from kg.model import Concept, Document, Mention, Relation, Section
from kg.storage import Derived, Namespace, Storage, Writer, is_url, open_storage
from kg.store import KB_FILE, Snapshot, exists, load

if TYPE_CHECKING:
    from ingest.update import Outcome


def apply(*args: Any, **kwargs: Any) -> Outcome:
    """:func:`ingest.update.apply` (imported late: that module builds on this one)."""
    from ingest.update import apply as _apply

    return _apply(*args, **kwargs)


__all__ = [
    "build",
    "bundled_notes",
    "bundled_catalogue",
    "corpus_fingerprint",
    "with_notes",
    "without_note",
    "derive",
    "linker_of",
    "assemble",
    "read_snapshot",
    "open_store",
    "build_kb",
    "open_kb",
    "user_notes",
    "ingest_files",
    "ingest_notes",
    "check_names",
    "remove_doc",
    "remove_note",
]

Progress = Callable[[str], None]
_ITEM = re.compile(r"[(（](\d{1,2})[)）]\s*")
_ROLE_TITLE = re.compile(r"作用|用途|目的|好处|优点|优势|意义|为什么(要)?(使用|用)|what .* for|role", re.I)

def _document(note: RawNote, bundled: bool) -> Document:
    return Document(
        id=note.id,
        title=title_of(note.text, note.id),
        text=note.text,
        sha256=hashlib.sha256(note.text.encode("utf-8")).hexdigest(),
        source=note.source,
        bundled=bundled,
        meta={"format": note.format},
    )


def _note(doc: Document) -> RawNote:
    return RawNote(doc.id, doc.text, doc.meta.get("format", "markdown"), doc.source)  # type: ignore[arg-type]


def _covered(linker: Linker, kinds: dict[str, str], phrase: str) -> bool:
    """A slot phrase already named: a known problem in it, or one known term spanning it."""
    return any(kinds.get(sp.concept) == "problem" or sp.end - sp.start >= len(phrase) - 1 for sp in linker.find(phrase))


def _prose(text: str) -> str:
    """The note with its code lines blanked: names in code are not terms of the note."""
    lines = text.split("\n")
    code = code_lines(lines)
    return "\n".join("" if i in code else line for i, line in enumerate(lines))


def _items(line: str, spans: list[Span]) -> dict[str, str]:
    """Numbers of a line's enumerated items and the concept each opens with: "(3)Xavier initialization"."""
    starts = {sp.start: sp.concept for sp in spans}
    return {m.group(1): starts[m.end()] for m in _ITEM.finditer(line) if m.end() in starts}


def _read_section(
    section: Section, lines: list[str], linker: Linker, concepts: dict[str, Concept],
    parents: list[tuple[str, list[str]]], code: frozenset[int] = frozenset(),
) -> tuple[list[str], list[Mention], list[Relation]]:
    """Topics, mentions and relations of one section; ``parents`` are (title, topics) outermost first."""
    families = [family(concepts[c].name) for _, ids in reversed(parents) for c in ids]
    first = section.start_line - 1
    heading_spans = linker.find(lines[first], families)
    own = list(dict.fromkeys(s.concept for s in heading_spans))
    families = [family(concepts[c].name) for c in own] + families
    topics = tuple(dict.fromkeys([*own, *(c for _, ids in reversed(parents) for c in ids)]))
    remedy = remedy_target([(section.title, own), *reversed(parents)], concepts)
    ctx = Context(section.doc, concepts, topics, remedy, own=len(own), role_section=bool(_ROLE_TITLE.search(section.title)))
    mentions: list[Mention] = []
    relations: list[Relation] = []
    previous: tuple[tuple[str, ...], How] | None = next((((t,), "previous") for t in own if is_actor(concepts[t])), None)
    antecedent = next((t for t in own if is_problem(concepts[t])), None)
    for index in range(first, section.end_line):
        if index in code:  # code and its comments are never evidence
            continue
        line = lines[index]
        spans = heading_spans if index == first else linker.find(line, families)
        for span in spans:
            mentions.append(Mention(span.concept, section.id, section.doc, index + 1, span.surface))
        items = _items(line, spans)
        for n, sentence in enumerate(split_line(index + 1, line, spans, heading=index == first)):
            before: tuple[tuple[str, ...], How] | None = (previous[0], "continued") if previous and n else previous
            relations.extend(extract(sentence, ctx, before, items, antecedent))
            previous = subject_of(sentence, ctx, previous)
            antecedent = next((sp.concept for sp in reversed(sentence.spans) if is_problem(concepts[sp.concept])),
                              antecedent)
    return own, mentions, relations


@functools.lru_cache(maxsize=8)
def _cached_linker(concepts: tuple[Concept, ...]) -> Linker:
    return Linker(concepts)


def linker_of(concepts: Iterable[Concept]) -> Linker:
    """``Linker(concepts)``, shared while the same concepts come back (a Linker is immutable, and
    an ingest needs the one of its concept set before and after: usually the same).

    >>> linker_of([Concept("bn", "BN", "technique")]) is linker_of([Concept("bn", "BN", "technique")])
    True
    """
    return _cached_linker(tuple(concepts))


def _shaped(prose: str, base: Linker) -> tuple[Concept, ...]:
    """Terms a note proposes by their shape (they depend on the catalogue only)."""
    return tuple(typed_by_use(propose(prose, lambda name: name in base), prose))


def _slotted(prose: str, named: Linker, kinds: dict[str, str]) -> tuple[Concept, ...]:
    """Terms a note proposes by the relation slot they fill, given the catalogue and every shaped term."""
    return tuple(propose_in_slots(prose, lambda name: name in named, lambda phrase: _covered(named, kinds, phrase)))


def _first(lists: Iterable[Sequence[Concept]]) -> dict[str, Concept]:
    """Proposals by id, the first note's version of each, in order."""
    found: dict[str, Concept] = {}
    for items in lists:
        for concept in items:
            found.setdefault(concept.id, concept)
    return found


def _named(catalogue: Sequence[Concept], shaped: Iterable[Sequence[Concept]]) -> tuple[Linker, dict[str, str]]:
    """The linker and kinds that slot proposals are judged by: catalogue plus every shaped term."""
    first = [*catalogue, *_first(shaped).values()]
    return linker_of(first), {c.id: c.kind for c in first}


def _concepts(catalogue: Sequence[Concept], shaped: Sequence[Sequence[Concept]], slotted: Sequence[Sequence[Concept]],
              named: Linker | None = None) -> tuple[dict[str, Concept], dict[str, Concept], Linker]:
    """(proposals, every concept by id, the linker) of notes with these proposals, in note order.

    Slot fillers come second, so that a term the notes also name by its shape keeps that name."""
    shaped_first = _first(shaped)
    proposals = _first([list(shaped_first.values()), *slotted])
    concepts = {c.id: c for c in [*catalogue, *proposals.values()]}
    if len(proposals) == len(shaped_first):
        linker = named or linker_of([*catalogue, *shaped_first.values()])
    else:
        linker = linker_of(concepts.values())
    return proposals, concepts, linker


def derive(note: RawNote, linker: Linker, concepts: dict[str, Concept],
           shaped: tuple[Concept, ...] = (), slotted: tuple[Concept, ...] = ()) -> Derived:
    """Sections, mentions and relations of one note under a concept set (pure)."""
    lines = note.text.split("\n")
    code = code_lines(lines)
    stack: list[tuple[int, str, list[str]]] = []
    sections, mentions, relations = [], [], []
    for section in parse_sections(note.id, note.text, note.format):
        while stack and stack[-1][0] >= section.level:
            stack.pop()
        own, found, rels = _read_section(section, lines, linker, concepts, [(t, ids) for _, t, ids in stack], code)
        stack.append((section.level, section.title, own))
        sections.append(section)
        mentions.extend(found)
        relations.extend(rels)
    return Derived(shaped, slotted, tuple(sections), tuple(mentions), tuple(relations))


def assemble(catalogue: Sequence[Concept], notes: Sequence[tuple[Document, Derived]], fingerprint: str = "") -> Snapshot:
    """The snapshot of notes (in order) with what was derived from each: the graph is merged here."""
    proposals = _first([[c for _, d in notes for c in d.shaped], *(d.slotted for _, d in notes)])
    mentions = [m for _, d in notes for m in d.mentions]
    relations = [r for _, d in notes for r in d.relations]
    mentioned = {m.concept for m in mentions}
    nodes = KnowledgeGraph.parts([*catalogue, *(c for c in proposals.values() if c.id in mentioned)], relations, mentions)
    graph = KnowledgeGraph.from_parts(nodes, relations)
    return Snapshot(
        graph=graph,
        documents=tuple(doc for doc, _ in notes),
        sections=tuple(s for _, d in notes for s in d.sections),
        mentions=tuple(dict.fromkeys(mentions)),
        catalogue=tuple(catalogue),
        corpus_fingerprint=fingerprint,
    )


def derive_all(notes: Sequence[RawNote], catalogue: Sequence[Concept], progress: Progress | None = None) -> list[Derived]:
    """What each note derives when these are all the notes (the reference :func:`build` uses)."""
    base = linker_of(catalogue)
    prose = [_prose(note.text) for note in notes]
    shaped = [_shaped(text, base) for text in prose]
    named, kinds = _named(catalogue, shaped)
    slotted = [_slotted(text, named, kinds) for text in prose]
    _, concepts, linker = _concepts(catalogue, shaped, slotted, named)
    out = []
    for number, (note, s, p) in enumerate(zip(notes, shaped, slotted), 1):
        if progress:
            progress(f"[{number}/{len(notes)}] {note.id}")
        out.append(derive(note, linker, concepts, s, p))
    return out


def build(
    notes: Iterable[RawNote],
    catalogue: Sequence[Concept],
    *,
    bundled: Iterable[str] = (),
    corpus_fingerprint: str = "",
    progress: Progress | None = None,
) -> Snapshot:
    """Parse, link and extract every note into a fresh snapshot (pure: the reference that
    incremental ingest must equal)."""
    notes = list(notes)
    bundled_ids = set(bundled)
    derived = derive_all(notes, catalogue, progress)
    return assemble(catalogue, [(_document(n, n.id in bundled_ids), d) for n, d in zip(notes, derived)], corpus_fingerprint)


def bundled_notes() -> list[RawNote]:
    """The notes shipped in ``corpus/notes`` (already clean Markdown), in file-name order."""
    return [
        RawNote(path.name, path.read_text(encoding="utf-8"), "markdown", f"corpus/notes/{path.name}")
        for path in sorted(corpus.NOTES.glob("*.md"))
    ]


def bundled_catalogue() -> list[Concept]:
    return load_catalogue(corpus.CATALOGUE)


def corpus_fingerprint() -> str:
    """SHA-256 over the bundled notes and catalogue: changes whenever the shipped corpus does."""
    digest = hashlib.sha256()
    for path in [corpus.CATALOGUE, *sorted(corpus.NOTES.glob("*.md"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _rebuild(snapshot: Snapshot, notes: Sequence[RawNote], progress: Progress | None) -> Snapshot:
    bundled = {d.id for d in snapshot.documents if d.bundled}
    return build(
        notes,
        snapshot.catalogue,
        bundled=bundled,
        corpus_fingerprint=snapshot.corpus_fingerprint,
        progress=progress,
    )


def with_notes(snapshot: Snapshot, notes: Sequence[RawNote], progress: Progress | None = None) -> Snapshot:
    """The snapshot with ``notes`` added; a note with an existing id replaces it."""
    incoming = {n.id: n for n in notes}
    kept = [_note(d) for d in snapshot.documents if d.id not in incoming]
    return _rebuild(snapshot, [*kept, *incoming.values()], progress)


def without_note(snapshot: Snapshot, doc_id: str, progress: Progress | None = None) -> Snapshot:
    """The snapshot without note ``doc_id`` (its file name); raises NotFoundError listing the notes."""
    name = Path(doc_id).name
    if snapshot.document(name) is None:
        known = ", ".join(d.id for d in snapshot.documents) or "none"
        raise NotFoundError(f"no note called {name!r} in the knowledge base; notes: {known}")
    return _rebuild(snapshot, [_note(d) for d in snapshot.documents if d.id != name], progress)


def read_snapshot(store: Storage) -> Snapshot:
    """The snapshot of what ``store`` holds now; ``meta["generation"]`` is its generation."""
    with paused():  # hundreds of thousands of records, none of them cyclic garbage
        state = store.read()
        snapshot = assemble(state.catalogue, [(n.document, n.derived) for n in state.notes], state.fingerprint)
    snapshot.meta["generation"] = state.generation
    return snapshot


def _refresh(writer: Writer, progress: Progress | None, everything: bool = False) -> None:
    """Bring the bundled namespace in line with the shipped corpus. User notes are never touched;
    a user note named like a bundled note keeps its name and the bundled one is left out."""
    heads = {h.id: h for h in writer.heads()}
    notes = bundled_notes()
    names = {n.id for n in notes}
    shadowed = [n.id for n in notes if n.id in heads and heads[n.id].namespace == "user"]
    if shadowed and progress:
        progress(f"keeping your own note(s) {', '.join(shadowed)} instead of the bundled one(s) of that name")
    puts = [(n, cast(Namespace, "bundled")) for n in notes if n.id not in shadowed
            and (n.id not in heads or heads[n.id].sha256 != _document(n, True).sha256)]
    stale = [i for i, h in heads.items() if h.namespace == "bundled" and i not in names]
    apply(writer, puts, stale, catalogue=bundled_catalogue(), fingerprint=corpus_fingerprint(), everything=everything,
          progress=progress)


def _migrate(store: Storage, location: str | Path, progress: Progress | None) -> None:
    """Move a version-1 ``kb.json`` knowledge base into ``store`` (notes keep their namespace),
    then rename the file ``kb.json.migrated``. Raises StoreError when the file is unreadable."""
    if is_url(location) or not exists(Path(location)):
        return
    old = load(Path(location))
    with store.write() as writer:
        if not writer.heads():
            if progress:
                progress(f"moving {Path(location) / KB_FILE} ({len(old.documents)} notes) into {store.location}")
            notes = [(_note(d), cast(Namespace, "bundled" if d.bundled else "user")) for d in old.documents]
            apply(writer, notes, [], catalogue=old.catalogue, fingerprint=old.corpus_fingerprint, everything=True)
    os.replace(Path(location) / KB_FILE, Path(location) / f"{KB_FILE}.migrated")


def _ensure(writer: Writer, progress: Progress | None) -> None:
    """Inside a write: build the bundled namespace when the store is new, refresh it when the shipped
    corpus changed (another process may have done it already: this reads inside the transaction)."""
    if writer.meta()[1] != corpus_fingerprint():
        if progress:
            progress("the bundled notes changed: refreshing them" if writer.heads() else "building from the bundled notes")
        _refresh(writer, progress)


def open_store(location: str | Path, progress: Progress | None = None) -> Storage:
    """The store at ``location``, migrated from a ``kb.json`` knowledge base if there is one."""
    store = open_storage(location)
    _migrate(store, location, progress)
    return store


def open_kb(location: str | Path | Storage, progress: Progress | None = None) -> Snapshot:
    """The snapshot at ``location``: built from the bundled corpus when new, its bundled notes
    refreshed (user notes kept) when the shipped corpus changed, migrated from ``kb.json``."""
    store = location if isinstance(location, Storage) else open_store(location, progress)
    snapshot = read_snapshot(store)
    if snapshot.corpus_fingerprint == corpus_fingerprint():
        return snapshot
    with store.write() as writer:
        _ensure(writer, progress)
    return read_snapshot(store)


def user_notes(location: str | Path) -> list[str]:
    """The ids of the user's own notes at ``location``, in order."""
    with open_store(location).write() as writer:
        return [h.id for h in writer.heads() if h.namespace == "user"]


def build_kb(location: str | Path, progress: Progress | None = None, reset: bool = False) -> Snapshot:
    """Refresh the bundled notes at ``location`` and re-read every note; user notes are kept
    unless ``reset`` (which deletes them). An unreadable ``kb.json`` is moved aside."""
    store = open_storage(location)
    try:
        _migrate(store, location, progress)
    except StoreError as exc:
        aside = Path(location) / f"{KB_FILE}.unreadable"
        os.replace(Path(location) / KB_FILE, aside)
        if progress:
            progress(f"{exc}; moved it to {aside}")
    with store.write() as writer:
        if reset:
            apply(writer, [], [h.id for h in writer.heads() if h.namespace == "user"])
        _refresh(writer, progress, everything=True)
    return read_snapshot(store)


def check_names(notes: Sequence[RawNote], paths: Sequence[str | Path]) -> None:
    seen: dict[str, str] = {}
    for note, path in zip(notes, paths):
        if note.id in seen:
            raise InputError(f"two files are called {note.id} ({seen[note.id]}, {path}); notes are known by "
                             "file name, so rename one")
        seen[note.id] = str(path)


def ingest_notes(store: Storage, notes: Sequence[RawNote], progress: Progress | None = None) -> Outcome:
    """Add user notes to ``store`` in one transaction (a note of a stored name replaces it).
    Raises InputError for a note named like a bundled one."""
    bundled = {path.name for path in corpus.NOTES.glob("*.md")}
    with store.write() as writer:
        _ensure(writer, progress)
        bundled |= {h.id for h in writer.heads() if h.namespace == "bundled"}
        taken = [n.id for n in notes if n.id in bundled]
        if taken:
            raise InputError(f"{taken[0]} is the name of a bundled note; rename your file (bundled notes: "
                             f"{', '.join(sorted(bundled))})")
        return apply(writer, [(n, "user") for n in notes], [], progress=progress)


def remove_note(store: Storage, doc_id: str, progress: Progress | None = None) -> Outcome:
    """Remove note ``doc_id`` (its file name) in one transaction; NotFoundError lists the notes."""
    name = Path(doc_id).name
    with store.write() as writer:
        _ensure(writer, progress)
        ids = [h.id for h in writer.heads()]
        if name not in ids:
            raise NotFoundError(f"no note called {name!r} in the knowledge base; notes: {', '.join(ids) or 'none'}")
        return apply(writer, [], [name], progress=progress)


def ingest_files(location: str | Path, paths: Sequence[str | Path], progress: Progress | None = None) -> Snapshot:
    """Add note files to the knowledge base at ``location``; every file is read, and the names
    checked, before anything is written."""
    notes = [read_note(p) for p in paths]
    check_names(notes, paths)
    store = open_store(location, progress)
    ingest_notes(store, notes, progress)
    return read_snapshot(store)


def remove_doc(location: str | Path, doc_id: str, progress: Progress | None = None) -> Snapshot:
    store = open_store(location, progress)
    remove_note(store, doc_id, progress)
    return read_snapshot(store)
