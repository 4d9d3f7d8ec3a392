"""From notes to a knowledge-base snapshot, and the file-level build/ingest/remove operations.

:func:`build` is pure: notes and a catalogue in, :class:`~kg.store.Snapshot` out. Ingest
and remove rebuild the snapshot from the stored notes, which makes them idempotent and
makes removal exact: an edge survives only while some remaining sentence supports it.
The functions at the bottom are the I/O edge: they read files and save atomically.

>>> from ingest.reader import note_from_text
>>> from kg.model import Concept
>>> snap = build([note_from_text("n.md", "# CNN\\n## AlexNet\\n- Dropout:抑制过拟合")],
...              [Concept("alexnet", "AlexNet", "architecture"), Concept("dropout", "Dropout", "technique"),
...               Concept("overfitting", "overfitting", "problem", zh=("过拟合",))])
>>> sorted(r.key for r in snap.graph.relations())
[('alexnet', 'introduces', 'dropout'), ('dropout', 'solves', 'overfitting')]
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import corpus
from ingest.catalogue import load_catalogue
from ingest.linker import Linker, Span, family
from ingest.notes import code_lines, parse_sections, title_of
from ingest.propose import propose, propose_in_slots, typed_by_use
from ingest.reader import RawNote, read_note
from ingest.relations import Context, extract, is_actor, is_problem, remedy_target, subject_of
from ingest.sentences import split_line
from kg.errors import NotFoundError
from kg.graph import KnowledgeGraph
from kg.model import Concept, Document, Mention, Relation, Section
from kg.store import Snapshot, exists, load, save

__all__ = [
    "build",
    "bundled_notes",
    "bundled_catalogue",
    "corpus_fingerprint",
    "with_notes",
    "without_note",
    "build_kb",
    "open_kb",
    "ingest_files",
    "remove_doc",
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
    previous = next((((t,), "previous") for t in own if is_actor(concepts[t])), None)
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
            before = (previous[0], "continued") if previous and n else previous
            relations.extend(extract(sentence, ctx, before, items, antecedent))
            previous = subject_of(sentence, ctx, previous)
            antecedent = next((sp.concept for sp in reversed(sentence.spans) if is_problem(concepts[sp.concept])),
                              antecedent)
    return own, mentions, relations


def build(
    notes: Iterable[RawNote],
    catalogue: Sequence[Concept],
    *,
    bundled: Iterable[str] = (),
    corpus_fingerprint: str = "",
    progress: Progress | None = None,
) -> Snapshot:
    """Parse, link and extract every note into a fresh snapshot."""
    notes = list(notes)
    bundled_ids = set(bundled)
    base = Linker(catalogue)
    proposals: dict[str, Concept] = {}
    prose = [_prose(note.text) for note in notes]
    for text in prose:
        for concept in typed_by_use(propose(text, lambda name: name in base), text):
            proposals.setdefault(concept.id, concept)
    # Slot fillers come second, so that a term the notes also name by its shape keeps that name.
    named = Linker([*catalogue, *proposals.values()])
    kinds = {c.id: c.kind for c in [*catalogue, *proposals.values()]}
    shaped = len(proposals)
    for text in prose:
        for concept in propose_in_slots(text, lambda name: name in named, lambda phrase: _covered(named, kinds, phrase)):
            proposals.setdefault(concept.id, concept)
    concepts = {c.id: c for c in [*catalogue, *proposals.values()]}
    linker = named if len(proposals) == shaped else Linker(concepts.values())
    documents, sections, mentions, relations = [], [], [], []
    for number, note in enumerate(notes, 1):
        if progress:
            progress(f"[{number}/{len(notes)}] {note.id}")
        documents.append(_document(note, note.id in bundled_ids))
        lines = note.text.split("\n")
        code = code_lines(lines)
        stack: list[tuple[int, str, list[str]]] = []
        for section in parse_sections(note.id, note.text, note.format):
            while stack and stack[-1][0] >= section.level:
                stack.pop()
            own, found, rels = _read_section(section, lines, linker, concepts, [(t, ids) for _, t, ids in stack], code)
            stack.append((section.level, section.title, own))
            sections.append(section)
            mentions.extend(found)
            relations.extend(rels)
    mentioned = {m.concept for m in mentions}
    nodes = [*catalogue, *(c for c in proposals.values() if c.id in mentioned)]
    graph = KnowledgeGraph.from_parts(nodes, relations)
    return Snapshot(
        graph=graph,
        documents=tuple(documents),
        sections=tuple(sections),
        mentions=tuple(dict.fromkeys(mentions)),
        catalogue=tuple(catalogue),
        corpus_fingerprint=corpus_fingerprint,
    )


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


def build_kb(directory: Path, progress: Progress | None = None) -> Snapshot:
    """Build the knowledge base from the bundled corpus into ``directory`` (replacing what is there)."""
    notes = bundled_notes()
    snapshot = build(
        notes,
        bundled_catalogue(),
        bundled=[n.id for n in notes],
        corpus_fingerprint=corpus_fingerprint(),
        progress=progress,
    )
    save(snapshot, directory)
    return snapshot


def open_kb(directory: Path, progress: Progress | None = None) -> Snapshot:
    """The snapshot in ``directory``: built from the bundled corpus if missing, and rebuilt
    (keeping the user's own notes) when the bundled corpus has changed since it was built."""
    if not exists(directory):
        return build_kb(directory, progress)
    snapshot = load(directory)
    current = corpus_fingerprint()
    if snapshot.corpus_fingerprint == current:
        return snapshot
    if progress:
        progress(f"the bundled notes changed: rebuilding {directory}")
    notes = bundled_notes()
    user = [_note(d) for d in snapshot.documents if not d.bundled and d.id not in {n.id for n in notes}]
    snapshot = build([*notes, *user], bundled_catalogue(), bundled=[n.id for n in notes],
                     corpus_fingerprint=current, progress=progress)
    save(snapshot, directory)
    return snapshot


def ingest_files(directory: Path, paths: Sequence[str | Path], progress: Progress | None = None) -> Snapshot:
    """Add note files to the knowledge base in ``directory``; all files are read before anything is written."""
    notes = [read_note(p) for p in paths]
    snapshot = with_notes(load(directory), notes, progress)
    save(snapshot, directory)
    return snapshot


def remove_doc(directory: Path, doc_id: str, progress: Progress | None = None) -> Snapshot:
    snapshot = without_note(load(directory), doc_id, progress)
    save(snapshot, directory)
    return snapshot


