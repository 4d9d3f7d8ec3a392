"""Typed relations read from sentences, each with its evidence sentence, rule and confidence.

No relation is invented: every rule fires on words of one sentence (or heading) of the notes
and returns that sentence as evidence. Rules work clause by clause (:mod:`ingest.clauses`):
a verb's subject is the fitting mention before it in its own clause, else the subject the
clause inherits; the section's topic is a last resort. Each relation type has its own cues
(:mod:`ingest.cues`), and negation or prevention blocks or flips a verb:

* ``solves``: ``X 解决/缓解/防止 P``; ``X 不会/很难 产生 P``; remedies listed under "如何解决P?";
* ``causes``: ``X 导致/引起 P`` (the nearest subject: "避免因为激活函数导致的梯度消失"),
  ``转置卷积的棋盘效应``, ``P 的原因是 X``, ``这会造成P`` (这 = the clause before);
* ``introduces``: novelty (提出/引入/首次), ``X 最早出现在 A 中``, ``想法来自 A``; plain use
  (采用/使用) of a specific technique counts in the architecture's own section, reuse
  (同样使用) never does;
* ``has_role``: a role phrase (作用/用于/可以...) or a gloss "通道混洗(帮助信息流通)";
* ``part_of``, ``variant_of``, ``improves_on``, ``contrasts_with``: their own cue words.

The rules live in :mod:`ingest.effects` and :mod:`ingest.structure`, the kind tests in
:mod:`ingest.kinds`; this module holds the reader they share and the public entry points.

>>> from kg.model import Concept
>>> kinds = {"dropout": Concept("dropout", "Dropout", "technique"), "of": Concept("of", "overfitting", "problem")}
>>> s = Sentence(3, 0, "Dropout:抑制过拟合", (Span(0, 7, "dropout", "Dropout"), Span(10, 13, "of", "过拟合")))
>>> [(r.source, r.relation, r.target, r.rule) for r in extract(s, Context("n.md", kinds, ()))]
[('dropout', 'solves', 'of', 'solve-verb')]
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ingest import cues
from ingest.clauses import Found, Reading
from ingest.effects import Effects
from ingest.kinds import CONTAINERS, GENERIC, is_actor, is_problem, is_thing, looks_like_architecture
from ingest.sentences import Sentence
from ingest.structure import Structure
from kg.errors import InputError
from kg.model import Concept, Evidence, Relation

__all__ = ["Context", "MAX_SENTENCE", "extract", "is_actor", "is_problem", "looks_like_architecture",
           "remedy_target", "subject_of"]

MAX_SENTENCE = 5000  # characters; extraction is linear, but a note must not hold a megabyte "sentence"
_SOLUTION_TITLE = re.compile(r"如何|怎么|怎样|方法|解决|处理|应对|措施|技巧|办法|避免|防止|缓解|tricks?|how|solution|fix", re.I)


@dataclass(frozen=True)
class Context:
    """What a sentence is read against: its note, the concepts by id, and the section topics.

    ``topics`` are the concepts of the section heading, then of its parents; the first
    ``own`` of them come from the section's own heading (all of them when ``own`` is None).
    """

    doc: str
    concepts: Mapping[str, Concept]
    topics: tuple[str, ...]
    remedy_for: str | None = None  # problem the section lists remedies for ("如何解决过拟合?")
    own: int | None = None
    role_section: bool = False  # the heading asks what something is for ("pooling的作用?")

    @property
    def own_topics(self) -> tuple[str, ...]:
        return self.topics if self.own is None else self.topics[: self.own]



class _Reader(Effects, Structure):
    """The rules over one sentence; ``edges`` collects what they find."""

    def __init__(self, sentence: Sentence, ctx: Context, previous: Found | None, items: Mapping[str, str],
                 antecedent: str | None) -> None:
        self.s, self.ctx, self.r = sentence, ctx, Reading(sentence, previous)
        self.items, self.antecedent = items, antecedent
        self.text = sentence.text
        self.edges: dict[tuple[str, str, str], Relation] = {}

    # -- kinds -------------------------------------------------------------------------------
    def c(self, concept_id: str) -> Concept:
        return self.ctx.concepts[concept_id]

    def actor(self, cid: str) -> bool:
        return is_actor(self.c(cid))

    def tool(self, cid: str) -> bool:
        return is_actor(self.c(cid)) and not looks_like_architecture(self.c(cid))

    def arch(self, cid: str) -> bool:
        return looks_like_architecture(self.c(cid))

    def problem(self, cid: str) -> bool:
        return is_problem(self.c(cid))

    def thing(self, cid: str) -> bool:
        return is_thing(self.c(cid))

    # -- emitting ----------------------------------------------------------------------------
    def add(self, source: str | None, relation: str, target: str | None, rule: str, confidence: float) -> None:
        if source is None or target is None or source == target:
            return
        rel = Relation(source, relation, target, (Evidence(self.ctx.doc, self.s.line, self.text),),
                       rule, round(confidence, 2))
        old = self.edges.get(rel.key)
        if old is None or old.confidence < rel.confidence:
            self.edges[rel.key] = rel

    def who(self, pos: int, ok, *, nearest: bool = False, tools: bool = True, carry: bool = True,
            topic: bool = True, parents: bool = False, floor: int = 0, generic: bool = True,
            inherit: bool = True) -> Found | None:
        """The subject of the verb at ``pos``: clause, inherited, lead, then section topic.

        With ``generic=False`` a building block ("卷积") is never an inherited subject or a topic.
        """
        skip = frozenset() if generic else GENERIC
        found = self.r.subject(pos, lambda c: ok(c) and c not in CONTAINERS, nearest, tools, carry and inherit, floor, skip)
        if found or not carry:
            return found
        if self.s.lead and ok(self.s.lead) and not self.s.heading:
            return (self.s.lead,), "lead"
        pool = self.ctx.topics if parents else self.ctx.own_topics
        best = next((t for t in pool if ok(t) and t not in CONTAINERS), None) if topic else None
        return ((best,), "topic") if best else None

    def objects(self, pos: int, ok, first: bool = False, stop: str = "，,;；。") -> list[str]:
        tail = self.text[pos:]  # a removal cue before the verb ("删除来缓解") says nothing of its object
        found = [sp.concept for sp in self.r.after(pos, stop) if ok(sp.concept) and not cues.removed(tail, sp.start - pos)]
        return found[:1] if first else found

    # -- rules -------------------------------------------------------------------------------
_RULES = ("solves", "causes", "possessive_causes", "introduces", "variants", "improvements", "roles", "parts",
          "contrasts", "section_context")


def extract(sentence: Sentence, ctx: Context, previous: Found | None = None,
            items: Mapping[str, str] | None = None, antecedent: str | None = None) -> list[Relation]:
    """All relations one sentence supports, without duplicates (the most confident rule wins).

    ``previous`` is :func:`subject_of` the sentence before, for "它/该方法..." openings;
    ``items`` maps the numbers of the line's enumerated items to their concepts ("(3)Xavier");
    ``antecedent`` is the problem the section named last, for "解决了这个问题".
    Raises :class:`InputError` for a sentence longer than :data:`MAX_SENTENCE` characters.
    """
    if len(sentence.text) > MAX_SENTENCE:
        raise InputError(f"{ctx.doc}:{sentence.line}: a sentence of {len(sentence.text)} characters is longer than "
                         f"the {MAX_SENTENCE} the relation extractor reads; break it with punctuation")
    reader = _Reader(sentence, ctx, previous, items or {}, antecedent)
    for rule in _RULES:
        getattr(reader, rule)()
    return list(reader.edges.values())


def subject_of(sentence: Sentence, ctx: Context, previous: Found | None = None) -> Found | None:
    """The actor a sentence is about, for the next sentence's pronouns: the one ``previous``
    named when the sentence opens with 它/该方法/这, else its first actor mention."""
    if previous and cues.PRONOUN.match(sentence.text):
        return previous
    named = {sp.concept for sp in sentence.spans}
    first = next((t for t in ctx.own_topics if t in named and is_actor(ctx.concepts[t])), None) or next(
        (sp.concept for sp in sentence.spans if is_actor(ctx.concepts[sp.concept]) and sp.concept not in GENERIC), None)
    return ((first,), "previous") if first else previous


def remedy_target(titles: list[tuple[str, list[str]]], concepts: Mapping[str, Concept]) -> str | None:
    """The problem a section offers remedies for: its own or an ancestor heading's
    "how to handle P" problem, nearest first. ``titles`` pairs each heading with its concept ids."""
    for title, ids in titles:
        problems = [c for c in ids if is_problem(concepts[c])]
        if problems and _SOLUTION_TITLE.search(title):
            return problems[0]
    return None
