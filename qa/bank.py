"""The practice question bank: the notes' own question headings, with their bodies as references.

A question is a section with a non-empty body whose heading asks something and names a
concept (the same rule :func:`qa.followups.question_headings` uses for follow-ups). The bank
is compiled into the read model, so it follows ingests. Questions are drawn from a
per-session seed, so a session is reproducible and two sessions differ.

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
from qa.followups import question_headings

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
        frozen = {k: frozenset(v) for k, v in heading.items()}
        asking = {sid for pairs in question_headings(snapshot.sections, frozen).values() for sid, _ in pairs}
        questions = []
        for s in snapshot.sections:
            if s.id in asking and substantive(s.body) and heading.get(s.id):
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

    def related(self, question: Question, limit: int = 3) -> list[Question]:
        """Follow-up questions: other questions on the concepts the graph links to ``question``'s concepts.

        Nearest first: questions sharing a concept, then questions on a graph neighbour.
        """
        graph = self.snapshot.graph
        own = set(question.concepts)
        near = {r.target if r.source == c else r.source for c in own if c in graph for r in graph.relations_of(c)}
        linked = [q for q in self.questions if q.section != question.section and set(q.concepts) & (own | near)]
        return sorted(linked, key=lambda q: (not own & set(q.concepts), q.section))[:limit]

    def counts(self) -> tuple[Counter[str], Counter[str]]:
        """How many questions each concept kind and each concept has (for topic menus)."""
        return Counter(k for q in self.questions for k in q.kinds), Counter(c for q in self.questions for c in q.concepts)


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
