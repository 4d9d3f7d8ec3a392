"""Find concept mentions in text with an alias automaton (Aho-Corasick over folded aliases).

Matching happens on folded text (:mod:`kg.text`), so case, full-width forms, ``1×1``/``1*1``
and ``max-pooling``/``max pooling`` do not matter. An alias that starts or ends with an
ASCII letter or digit must meet a word boundary there, so ``BN`` is not found in ``BNN``;
Chinese needs no segmentation. Where matches overlap, the longest wins, then the leftmost.
An alias in capitals that spells a common lowercase word (:data:`CASED`: ``IN`` is "in", ``LN``
is the logarithm ``ln``) is found only in capitals, as it is written.

>>> from kg.model import Concept
>>> linker = Linker([Concept("bn", "Batch Normalization", "technique", aliases=("BN", "BN层")),
...                  Concept("bnn", "BNN", "architecture", aliases=("BNN",))])
>>> [(s.concept, s.surface) for s in linker.find("BNN不是BN层, batch-normalization")]
[('bnn', 'BNN'), ('bn', 'BN层'), ('bn', 'batch-normalization')]
>>> [s.surface for s in Linker([Concept("in", "Instance Normalization", "technique", aliases=("IN",))]).find("IN in ln")]
['IN']
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from kg.model import Concept
from kg.text import compact, fold, fold_with_offsets, is_word_char

__all__ = ["CASED", "Span", "Linker", "family"]

# Short words and function names that an acronym in capitals may spell: such an alias must match
# its capitals, or every English "in" would name Instance Normalization and ln(1+e^x) Layer Norm.
CASED = frozenset({"an", "as", "at", "be", "by", "do", "go", "if", "in", "is", "it", "ln", "me", "my", "no", "of",
                   "on", "or", "so", "to", "up", "us", "we", "and", "all", "can", "cos", "exp", "for", "log", "max",
                   "min", "not", "sin", "tan", "the", "use"})

_VERSION_TOKEN = re.compile(r"(?<![A-Za-z0-9])[vV]\s?(\d{1,2})(?![A-Za-z0-9])")
_VERSIONED = re.compile(r"^(.*?)[\s\-]*[vV]?\d{1,2}$")


def family(name: str) -> str:
    """The model family of a versioned name: ``Inception v3`` -> ``Inception``; others unchanged.

    >>> family("Inception v3"), family("ResNet")
    ('Inception', 'ResNet')
    """
    match = _VERSIONED.match(name)
    return match.group(1) if match and match.group(1) else name


@dataclass(frozen=True, order=True)
class Span:
    """A mention: ``text[start:end] == surface`` names ``concept``."""

    start: int
    end: int
    concept: str
    surface: str


class Linker:
    """An immutable alias automaton over a set of concepts."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self._automaton = ahocorasick.Automaton()
        self._keys: dict[str, str] = {}
        self._cased: dict[str, str] = {}  # key -> the capitals it must be written in
        for concept in concepts:
            for alias in (concept.name, *concept.zh, *concept.aliases):
                if alias.isascii() and alias.isupper() and alias.isalpha() and alias.lower() in CASED:
                    self._cased.setdefault(alias.lower(), alias)
                folded = fold(alias)  # compact() is this without spaces: folded once, not twice
                for key in {folded, folded.replace(" ", "")}:
                    # A key shared by two concepts stays with the first: the catalogue
                    # guarantees unique aliases, and proposals never override it.
                    if len(key) >= 2 and key not in self._keys:
                        self._keys[key] = concept.id
        for key, concept_id in self._keys.items():
            self._automaton.add_word(key, (key, concept_id))
        if self._keys:
            self._automaton.make_automaton()

    def __contains__(self, name: str) -> bool:
        return self.lookup(name) is not None

    def lookup(self, name: str) -> str | None:
        """The concept id whose alias is exactly ``name`` (folded; a :data:`CASED` one as written), or None."""
        name = name.strip()
        for key in (fold(name), compact(name)):
            if key in self._keys and self._as_written(key, name, 0, len(name)):
                return self._keys[key]
        return None

    def _as_written(self, key: str, text: str, start: int, end: int) -> bool:
        """A cased key matches only its capitals (full-width ones too) in ``text[start:end]``; any
        other key matches as folded (no slice is taken for it: this runs for every match)."""
        return key not in self._cased or unicodedata.normalize("NFKC", text[start:end]) == self._cased[key]

    def find(self, text: str, families: Sequence[str] = ()) -> list[Span]:
        """Non-overlapping mentions in ``text``, in order of position.

        ``families`` are model families in context ("Inception" under a heading about
        Inception v1-v4): a bare ``V2`` or ``v4`` then names that family's version.
        """
        spans = self._find(text)
        return self._versions(text, spans, families) if families else spans

    def _versions(self, text: str, spans: list[Span], families: Sequence[str]) -> list[Span]:
        taken = [(s.start, s.end) for s in spans]
        extra = []
        for match in _VERSION_TOKEN.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            concept_id = next((c for f in families if (c := self.lookup(f"{f} v{match.group(1)}"))), None)
            if concept_id:
                extra.append(Span(match.start(), match.end(), concept_id, match.group(0)))
        return sorted(spans + extra)

    def _find(self, text: str) -> list[Span]:
        if not self._keys or not text:
            return []
        folded, offsets = fold_with_offsets(text)
        candidates: list[tuple[int, int, str]] = []
        for last, (key, concept_id) in self._automaton.iter(folded):
            first = last - len(key) + 1
            if _bounded(folded, first, last, key) and self._as_written(key, text, offsets[first], offsets[last] + 1):
                candidates.append((first, last + 1, concept_id))
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken = [False] * len(folded)
        chosen: list[Span] = []
        for first, stop, concept_id in candidates:
            if any(taken[first:stop]):
                continue
            for i in range(first, stop):
                taken[i] = True
            start, end = offsets[first], offsets[stop - 1] + 1
            chosen.append(Span(start, end, concept_id, text[start:end]))
        return sorted(chosen)


def _bounded(folded: str, first: int, last: int, key: str) -> bool:
    """Word boundaries hold at each ASCII-alphanumeric end of the match."""
    if is_word_char(key[0]) and first > 0 and is_word_char(folded[first - 1]):
        return False
    if is_word_char(key[-1]) and last + 1 < len(folded) and is_word_char(folded[last + 1]):
        return False
    return True
