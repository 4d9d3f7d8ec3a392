"""The 笔记 / Notes tab: the notes in the knowledge base with their counts; upload and remove.

Uploading and removing write to the knowledge base, so they are disabled unless the app was
started with ``--allow-ingest`` (or ``--auth``); without them the server refuses every upload
(:class:`ui.guard.Guard`). Only :data:`FILE_TYPES` are accepted, each up to
:data:`MAX_FILE_SIZE` bytes, and an uploaded file is deleted from the server once read, so
nothing uploaded can be downloaded back. Both go through
:meth:`~qa.KnowledgeBase.ingest` / :meth:`~qa.KnowledgeBase.remove`: the same validation and
messages as ``kgqa ingest``, every file read before anything is written, and the read model
swapped whole afterwards, so other users' questions keep being answered meanwhile.

>>> from types import SimpleNamespace as NS
>>> snap = NS(documents=(NS(id="a.md"),), sections=(NS(doc="a.md"),) * 2, mentions=(),
...           graph=NS(relations=lambda: iter(())))
>>> rows(snap)
[['a.md', 2, 0, 0]]
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ingest.reader import MAX_BYTES
from kg.errors import InputError
from qa import KnowledgeBase
from ui.guard import NOTE_SUFFIXES
from ui.views.errors import friendly, user_error
from ui.views.i18n import Lang, lang_of, t

__all__ = ["FILE_TYPES", "MAX_FILE_SIZE", "rows", "headers", "upload", "remove", "NotesView", "build"]

FILE_TYPES = list(NOTE_SUFFIXES)
MAX_FILE_SIZE = MAX_BYTES  # Gradio refuses bigger uploads before they reach the reader


def rows(snapshot: Any) -> list[list[Any]]:
    """One row per note: name, sections, distinct concepts named, relations with evidence in it."""
    sections = Counter(s.doc for s in snapshot.sections)
    concepts = Counter(doc for doc, _ in {(m.doc, m.concept) for m in snapshot.mentions})
    relations = Counter(doc for r in snapshot.graph.relations() for doc in {e.doc for e in r.evidence})
    return [[d.id, sections[d.id], concepts[d.id], relations[d.id]] for d in snapshot.documents]


def headers(lang: str) -> list[str]:
    return [t(lang, key) for key in ("notes_doc", "notes_sections", "notes_concepts", "notes_relations")]


def _state(kb: KnowledgeBase, lang: str, status: str) -> tuple[Any, Any, str]:
    """(table, remove choices, status) after a change."""
    snapshot = kb.snapshot
    table = gr.Dataframe(value=rows(snapshot), headers=headers(lang))
    return table, gr.Dropdown(choices=[d.id for d in snapshot.documents], value=None), status


def _forget_uploads(paths: Sequence[Path]) -> None:
    """Delete the files Gradio received for this upload (only those in its upload cache), so
    nothing uploaded stays on the server or can be downloaded back."""
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder()).resolve()
    for path in paths:
        try:
            if path.resolve().is_relative_to(cache):
                path.unlink(missing_ok=True)
        except OSError:
            continue


def upload(kb: KnowledgeBase, files: Sequence[Any] | None, lang: str,
           progress: gr.Progress = gr.Progress()) -> tuple[Any, Any, str]:
    """Add the uploaded files; a bad file is a friendly error naming it, and nothing is written."""
    lang = lang_of(lang)
    paths = [Path(f if isinstance(f, str) else f.name) for f in files or ()]
    if not paths:
        raise user_error(lang, "notes_none")
    try:
        with friendly(lang):
            wrong = [p.name for p in paths if p.suffix.lower() not in FILE_TYPES]
            if wrong:
                raise InputError(f"{wrong[0]}: unsupported file type; give a note ({', '.join(FILE_TYPES)})")
            progress(0.2, desc=t(lang, "notes_indexing"))
            snapshot = kb.ingest(paths)
    finally:
        _forget_uploads(paths)
    names = ", ".join(p.name for p in paths)
    return _state(kb, lang, t(lang, "notes_added").format(names=names, n=len(snapshot.documents)))


def remove(kb: KnowledgeBase, doc: str | None, lang: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, Any, str]:
    """Remove one note and everything only it supported."""
    lang = lang_of(lang)
    if not doc:
        raise user_error(lang, "notes_no_pick")
    progress(0.2, desc=t(lang, "notes_indexing"))
    with friendly(lang):
        snapshot = kb.remove(doc)
    return _state(kb, lang, t(lang, "notes_removed").format(name=doc, n=len(snapshot.documents)))


@dataclass(frozen=True)
class NotesView:
    tab: gr.Tab
    intro: gr.Markdown
    table: gr.Dataframe
    files: gr.File
    add: gr.Button
    pick: gr.Dropdown
    drop: gr.Button
    allowed: bool
    kb: KnowledgeBase

    @property
    def labelled(self) -> list[gr.blocks.Block]:
        return [self.tab, self.intro, self.table, self.files, self.add, self.pick, self.drop]

    def relabel(self, lang: Lang) -> list[object]:
        """Updates for :attr:`labelled`, in the same order."""
        intro = t(lang, "notes_intro") + ("" if self.allowed else "\n\n**" + t(lang, "notes_locked") + "**")
        return [gr.Tab(label=t(lang, "tab_notes")), gr.Markdown(intro), gr.Dataframe(value=rows(self.kb.snapshot), headers=headers(lang)),
                gr.File(label=t(lang, "notes_upload")), gr.Button(value=t(lang, "notes_add")),
                gr.Dropdown(label=t(lang, "notes_pick")), gr.Button(value=t(lang, "notes_remove"))]


def build(kb: KnowledgeBase, lang: gr.Radio, allowed: bool) -> NotesView:
    """The tab; its upload and remove controls are disabled unless ``allowed``."""
    with gr.Tab(t("zh", "tab_notes"), id="notes") as tab:
        intro = gr.Markdown(t("zh", "notes_intro") + ("" if allowed else "\n\n**" + t("zh", "notes_locked") + "**"),
                            elem_id="kg-notes-intro")
        table = gr.Dataframe(rows(kb.snapshot), headers=headers("zh"), interactive=False, elem_id="kg-notes")
        with gr.Row():
            with gr.Column():
                files = gr.File(label=t("zh", "notes_upload"), file_count="multiple", file_types=FILE_TYPES,
                                interactive=allowed, elem_id="kg-notes-files")
                add = gr.Button(t("zh", "notes_add"), variant="primary", interactive=allowed, elem_id="kg-notes-add")
            with gr.Column():
                pick = gr.Dropdown([d.id for d in kb.snapshot.documents], label=t("zh", "notes_pick"),
                                   interactive=allowed, elem_id="kg-notes-pick")
                drop = gr.Button(t("zh", "notes_remove"), variant="stop", interactive=allowed, elem_id="kg-notes-remove")
        status = gr.Markdown(elem_id="kg-notes-status")
    if allowed:
        def on_upload(files_value: list[Any] | None, lang_value: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            return (*upload(kb, files_value, lang_value, progress), None)

        def on_remove(doc: str | None, lang_value: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            return remove(kb, doc, lang_value, progress)

        add.click(on_upload, [files, lang], [table, pick, status, files], api_visibility="private", concurrency_limit=1)
        drop.click(on_remove, [pick, lang], [table, pick, status], api_visibility="private", concurrency_limit=1)
    return NotesView(tab, intro, table, files, add, pick, drop, allowed, kb)
