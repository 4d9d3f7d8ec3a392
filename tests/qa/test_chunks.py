from __future__ import annotations

import pytest

from ingest.notes import parse_sections
from ingest.pipeline import bundled_notes
from qa.chunks import MAX_CHARS, passages

SECTIONS = [s for note in bundled_notes() for s in parse_sections(note.id, note.text, note.format)]
LINES = {note.id: note.text.split("\n") for note in bundled_notes()}


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.id)
def test_passages_are_verbatim_bounded_and_cover_the_section(section) -> None:
    found = passages(section)
    for p in found:
        assert 0 < len(p.text) <= MAX_CHARS
        cited = "\n".join(LINES[p.doc][p.start_line - 1 : p.end_line])
        assert p.text in cited and p.text in section.text
        assert section.start_line <= p.start_line <= p.end_line <= section.end_line
    joined = "".join(p.text for p in found).replace("\n", "")
    assert len(joined) >= len(section.text.replace("\n", "").strip()) * 0.95
