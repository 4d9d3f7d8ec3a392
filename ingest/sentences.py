"""Sentences of a section, with the concept mentions inside each one.

Relation patterns work sentence by sentence: a sentence is a piece of one line, cut after
``。！？；`` (and ``. `` in English), so its text is always a verbatim substring of the note
line it cites. A heading is a sentence too: "Dropout为什么可以解决过拟合?" states a fact.

>>> from ingest.linker import Span
>>> [s.text for s in split_line(5, "- 作用:压缩。提取特征;", [])]
['作用:压缩。', '提取特征;']
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.linker import Span

__all__ = ["LEAD", "Sentence", "split_line", "clause_start"]

_END = re.compile(r"[。！？!?；;]+|\.(?=\s)|\.$")
_MARKER = re.compile(r"^\s*(#{1,6}\s+|[-*•·]\s*|\d{1,2}[.、)]\s*(?!\d)|\(\d+\)\s*|（\d+）\s*)")
_CLAUSE = re.compile(r"[,，:：、]")
# "Early Stopping/早停法。一旦...": a line opened by a bare term names what the rest is about.
_TERM_ONLY = re.compile(r"\s*(/\s*\S{1,12}?)?\s*[。.]")
LEAD = re.compile(r"\s*(\(.{0,20}?\)|（.{0,20}?）)?\s*[:：]")


@dataclass(frozen=True)
class Sentence:
    """``text`` sits at ``offset`` in note line ``line``; spans are relative to ``text``."""

    line: int
    offset: int
    text: str
    spans: tuple[Span, ...]
    heading: bool = False
    lead: str | None = None  # the concept heading the line, as in "- AlexNet: ...; 引入dropout"

    def before(self, pos: int) -> list[Span]:
        return [s for s in self.spans if s.end <= pos]

    def after(self, pos: int) -> list[Span]:
        return [s for s in self.spans if s.start >= pos]


def split_line(line_no: int, line: str, spans: Sequence[Span], heading: bool = False) -> list[Sentence]:
    """Cut one note line into sentences, dropping a leading list or heading marker."""
    marker = _MARKER.match(line)
    begin = marker.end() if marker else 0
    lead = next((sp.concept for sp in spans if sp.start <= begin + 1 and
                 (LEAD.match(line, sp.end) or _TERM_ONLY.match(line, sp.end))), None)
    pieces: list[tuple[int, int]] = []
    for match in _END.finditer(line, begin):
        pieces.append((begin, match.end()))
        begin = match.end()
    pieces.append((begin, len(line)))
    sentences = []
    spans = sorted(spans)
    first = 0  # spans are sorted, and so are the pieces: one forward pass assigns them
    for start, end in pieces:
        while start < end and line[start].isspace():
            start += 1
        while end > start and line[end - 1].isspace():
            end -= 1
        if end - start < 2:
            continue
        while first < len(spans) and spans[first].start < start:
            first += 1
        last = first
        while last < len(spans) and spans[last].end <= end:
            last += 1
        inside = tuple(Span(s.start - start, s.end - start, s.concept, s.surface) for s in spans[first:last])
        sentences.append(
            Sentence(line_no, start, line[start:end], inside, heading, lead)
        )
    return sentences


def clause_start(text: str, pos: int) -> int:
    """Where the clause holding ``pos`` begins (after the last comma or colon before it)."""
    cut = 0
    for match in _CLAUSE.finditer(text, 0, pos):
        cut = match.end()
    return cut
