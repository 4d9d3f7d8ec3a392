"""The practice question bank: the notes' own question headings, with their bodies as references.

A question is a section with a non-empty body whose heading asks something and names a
concept (the same rule :func:`qa.followups.from_headings` uses for follow-ups). Questions are
drawn from a per-session seed, so a session is reproducible and two sessions differ.

>>> q = Question("s1", "Q1?", "ref", "n.md", 1, 2, ("bn",), ("technique",))
>>> draw([q], seed=3, asked=()) == q, draw([q], seed=3, asked=["s1"])
(True, None)
"""
from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kg.store import Snapshot
from qa.bm25 import tokenize
from qa.chunks import substantive
from qa.followups import from_headings
from ui.views.i18n import kind_name, t
from ui.views.markup import display_name

__all__ = ["RANDOM", "Question", "Bank", "draw"]

RANDOM = "random"


@dataclass(frozen=True)
class Question:
    """One practice question: the heading ``title`` of lines ``start_line..end_line`` of ``doc``."""

    section: str
    title: str
    reference: str
    doc: str
    start_line: int
    end_line: int
    concepts: tuple[str, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Bank:
    """Every practice question of a knowledge base, and the term IDF its scoring uses."""

    snapshot: Snapshot
    questions: tuple[Question, ...]
    idf: Mapping[str, float] = field(repr=False)

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> Bank:
        heading = snapshot.heading_concepts()
        graph = snapshot.graph
        asking = set(from_headings(snapshot.sections, {c.id for c in graph.concepts()}, heading, set()))
        questions = []
        for s in snapshot.sections:
            if s.title in asking and substantive(s.body) and heading.get(s.id):
                ids = tuple(sorted(c for c in heading[s.id] if c in graph))
                kinds = tuple(sorted({graph.concept(c).kind for c in ids}))
                questions.append(Question(s.id, s.title, s.body.strip("\n"), s.doc, s.start_line, s.end_line, ids, kinds))
        return cls(snapshot, tuple(questions), _idf([s.text for s in snapshot.sections]))

    def by_section(self, section: str) -> Question | None:
        return next((q for q in self.questions if q.section == section), None)

    def pool(self, topic: str) -> list[Question]:
        """Questions of ``topic``: ``random`` (all), ``kind:KIND`` or ``concept:ID``."""
        scope, _, value = topic.partition(":")
        if scope == "kind":
            return [q for q in self.questions if value in q.kinds]
        if scope == "concept":
            return [q for q in self.questions if value in q.concepts]
        return list(self.questions)

    def topics(self, lang: str) -> list[tuple[str, str]]:
        """``(label, value)`` choices: random, every kind with questions, every concept with two or more."""
        kinds = Counter(k for q in self.questions for k in q.kinds)
        per_concept = Counter(c for q in self.questions for c in q.concepts)
        graph = self.snapshot.graph
        choices = [(t(lang, "random"), RANDOM)]
        choices += [(t(lang, "kind_topic").format(kind=kind_name(lang, k)), f"kind:{k}") for k in sorted(kinds)]
        concepts = sorted((c for c, n in per_concept.items() if n >= 2), key=lambda c: graph.concept(c).name.casefold())
        choices += [(t(lang, "concept_topic").format(name=display_name(graph.concept(c), lang), n=per_concept[c]),
                     f"concept:{c}") for c in concepts]
        return choices


def _idf(texts: Sequence[str]) -> dict[str, float]:
    """Smoothed inverse document frequency of each word token over ``texts``."""
    df = Counter(term for text in texts for term in set(tokenize(text, bigrams=False)))
    n = len(texts)
    return {term: math.log(1 + (n - k + 0.5) / (k + 0.5)) for term, k in df.items()}


def draw(pool: Sequence[Question], seed: int, asked: Sequence[str]) -> Question | None:
    """A question not asked yet, chosen by the session's ``seed`` and how many were asked; None when none is left.

    Deterministic: the same seed, pool and history give the same question.
    """
    fresh = [q for q in pool if q.section not in set(asked)]
    if not fresh:
        return None
    return random.Random(f"{seed}:{len(asked)}").choice(fresh)
