"""The practice question bank: the notes' question headings, and questions asked from trusted graph relations.

Heading questions have the section body as reference; relation questions ("BN 解决了什么问题?",
"Why does X cause Y?", "X 和 Y 的区别?") have the relation's evidence sentences.

A question is a section with a non-empty body whose heading asks something and names a
concept (the same rule :func:`qa.followups.question_headings` uses for follow-ups). The bank
is compiled into the read model, so it follows ingests. Questions are drawn from a
per-session seed, so a session is reproducible and two sessions differ.

>>> q = Question("s1", "Q1?", "ref", "n.md", 1, 2, ("bn",), ("technique",))
>>> draw([q], seed=3, asked=()) == q, draw([q], seed=3, asked=["s1"])
(True, None)
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from kg.graph import KnowledgeGraph
from kg.model import Concept, Relation
from kg.store import Snapshot
from qa.chunks import substantive
from qa.followups import question_headings

__all__ = ["RANDOM", "MIN_CONFIDENCE", "Question", "Bank", "draw", "relation_questions"]

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
    title_en: str = ""

    def asked(self, lang: str) -> str:
        """The question in ``lang`` (headings exist only in the notes' language)."""
        return self.title_en if lang == "en" and self.title_en else self.title


@dataclass(frozen=True)
class Bank:
    """Every practice question of a knowledge base."""

    snapshot: Snapshot
    questions: tuple[Question, ...]

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, heading: Mapping[str, AbstractSet[str]] | None = None,
                      asked: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> Bank:
        """The bank of ``snapshot``; ``heading`` (its :meth:`~kg.store.Snapshot.heading_concepts`) and
        ``asked`` (its :func:`~qa.followups.question_headings`) spare a compile computing them twice."""
        heading = snapshot.heading_concepts() if heading is None else heading
        graph = snapshot.graph
        if asked is None:
            asked = question_headings(snapshot.sections, {k: frozenset(v) for k, v in heading.items()})
        asking = {sid for pairs in asked.values() for sid, _ in pairs}
        questions = []
        for s in snapshot.sections:
            if s.id in asking and substantive(s.body) and heading.get(s.id):
                ids = tuple(sorted(c for c in heading[s.id] if c in graph))
                kinds = tuple(sorted({graph.concept(c).kind for c in ids}))
                questions.append(Question(s.id, s.title, s.body.strip("\n"), s.doc, s.start_line, s.end_line, ids, kinds))
        questions += relation_questions(graph)
        return cls(snapshot, tuple(questions))

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


# relation -> (Chinese, English) question; {x} and {y} are the source's and target's names.
_ASK = {
    "solves": ("{x} 解决了什么问题?", "What problem does {x} solve?"),
    "causes": ("为什么 {x} 会导致 {y}?", "Why does {x} cause {y}?"),
    "contrasts_with": ("{x} 和 {y} 的区别?", "How do {x} and {y} differ?"),
    "improves_on": ("{x} 相比 {y} 改进了什么?", "What does {x} improve over {y}?"),
}
MIN_CONFIDENCE = 0.8


def relation_questions(graph: KnowledgeGraph, min_confidence: float = MIN_CONFIDENCE) -> list[Question]:
    """Questions asked from the graph's trusted relations, with their evidence sentences as reference.

    One question per (source, relation): "BN 解决了什么问题?" gathers the evidence of every
    problem BN solves. Only relations whose extraction rule has ``confidence >= min_confidence``.
    """
    grouped: dict[tuple[str, str, str], list[Relation]] = {}
    for r in graph.relations():
        if r.relation in _ASK and r.confidence >= min_confidence and r.evidence:
            target = "" if r.relation == "solves" else r.target
            grouped.setdefault((r.source, r.relation, target), []).append(r)
    out = []
    for (source, relation, target), rels in sorted(grouped.items()):
        x, y = graph.concept(source), graph.concept(target) if target else None
        zh, en = _ASK[relation]
        evidence = list(dict.fromkeys(e for r in rels for e in r.evidence))
        concepts = tuple(c for c in (source, target) if c)
        out.append(Question(
            f"rel:{source}:{relation}:{target}", zh.format(x=_zh(x), y=_zh(y)), "\n".join(e.text for e in evidence),
            evidence[0].doc, evidence[0].line, evidence[0].line, concepts,
            tuple(sorted({graph.concept(c).kind for c in concepts})), en.format(x=x.name, y=y.name if y else "")))
    return out


def _zh(concept: Concept | None) -> str:
    return "" if concept is None else (concept.zh[0] if concept.zh else concept.name)


def draw(pool: Sequence[Question], seed: int, asked: Sequence[str]) -> Question | None:
    """A question not asked yet, chosen by the session's ``seed`` and how many were asked; None when none is left.

    Deterministic: the same seed, pool and history give the same question.
    """
    fresh = [q for q in pool if q.section not in set(asked)]
    if not fresh:
        return None
    return random.Random(f"{seed}:{len(asked)}").choice(fresh)
