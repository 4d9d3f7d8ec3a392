"""From notes to the knowledge graph: reading, sections, concept linking, relation extraction.

>>> from ingest import Linker   # doctest: +SKIP
"""
from __future__ import annotations

from ingest.catalogue import load_catalogue, parse_catalogue
from ingest.linker import Linker, Span
from ingest.notes import parse_sections
from ingest.pipeline import build, build_kb, ingest_files, open_kb, remove_doc, with_notes, without_note
from ingest.reader import RawNote, read_note

__all__ = [
    "Linker",
    "RawNote",
    "Span",
    "build",
    "build_kb",
    "ingest_files",
    "load_catalogue",
    "open_kb",
    "parse_catalogue",
    "parse_sections",
    "read_note",
    "remove_doc",
    "with_notes",
    "without_note",
]
