"""What every relation rule reads a sentence with: its :class:`Context` and the :class:`Rules` base.

:class:`Rules` holds one sentence, its clause :class:`~ingest.clauses.Reading` and the section
context, and offers the rules the kind tests (``actor``, ``tool``, ``problem``...), subject
finding (``who``), object finding (``objects``), the copula pattern and ``add``. The rule
families (:mod:`ingest.effects`, :mod:`ingest.structure`) subclass it, and
:mod:`ingest.relations` combines them into the reader it runs.

>>> from ingest.linker import Span
>>> kinds = {"a": Concept("a", "A", "technique"), "p": Concept("p", "P", "problem")}
>>> r = Rules(Sentence(1, 0, "A缓解P", (Span(0, 1, "a", "A"), Span(3, 4, "p", "P"))), Context("n.md", kinds, ()), None, {}, None)
>>> r.who(1, r.actor), r.objects(3, r.problem)
((('a',), 'clause'), ['p'])
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ingest import cues
from ingest.clauses import REACH, Found, Reading
from ingest.kinds import CONTAINERS, GENERIC, is_actor, is_problem, is_thing, looks_like_architecture
from ingest.sentences import Sentence
from kg.model import Concept, Evidence, Relation

__all__ = ["Context", "Rules", "Test"]

Test = Callable[[str], bool]  # a test on a concept id: "is it a problem?"
_THEN = re.compile(r"\s*(然后|接着|随后|之后|再)")


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



class Rules:
    """One sentence read against its context; the rules' shared tools, and ``edges`` they fill."""


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

    def who(self, pos: int, ok: Test, *, nearest: bool = False, tools: bool = True, carry: bool = True,
            topic: bool = True, parents: bool = False, floor: int = 0, generic: bool = True,
            inherit: bool = True) -> Found | None:
        """The subject of the verb at ``pos``: clause, inherited, lead, then section topic.

        With ``generic=False`` a building block ("卷积") is never an inherited subject or a topic.
        """
        skip = frozenset() if generic else GENERIC
        fits: Test = lambda c: ok(c) and c not in CONTAINERS  # noqa: E731
        found = self.r.subject(pos, fits, nearest, tools, carry and inherit, floor, skip)
        if found and found[1] == "clause" and set(found[0]) <= GENERIC and carry and inherit:
            # "先进行插值Resize操作,然后再进行卷积操作来消除棋盘效应": a building block done next is
            # a step of the method the clause before began.
            index = self.r.clause_of(pos)
            if _THEN.match(self.text, self.r.clauses[index][0]):
                for _, end in reversed(self.r.clauses[:index]):
                    earlier = self.r.in_clause(end, lambda c: fits(c) and c not in GENERIC, tools=tools, skip=GENERIC)
                    if earlier:
                        return earlier, "carried"
        if found or not carry:
            return found
        lead = self.lead()
        if lead and not self.s.heading:
            # "3. 下采样。下采样...也能有效控制过拟合": the line speaks of its lead; when the lead cannot
            # be the subject, neither can the section's topic.
            return ((lead,), "lead") if ok(lead) else None
        opener = self.s.spans[0] if self.s.spans and self.s.spans[0].start <= 1 else None
        if opener and opener.start < pos and not ok(opener.concept) and self.thing(opener.concept) \
                and not self.r.is_place(opener):
            return None  # the sentence opens with what it is about, and that is not a fitting subject
        pool = self.ctx.topics if parents else self.ctx.own_topics
        best = next((t for t in pool if ok(t) and t not in CONTAINERS), None) if topic else None
        return ((best,), "topic") if best else None

    def lead(self) -> str | None:
        """The concept heading the sentence's line, as far as it reaches: on a line of several
        enumerated items ("(1)局部感知:... (3)采样(池化)层:...") only its first sentence."""
        if len(self.items) >= 2 and self.s.offset > 4:
            return None
        return self.s.lead

    @functools.cached_property
    def elsewhere(self) -> bool:
        """The sentence says where its technique came from ("想法来自Network in Network", "首发于NIN"):
        the network using it there is not the one that introduced it."""
        return any(self.arch(sp.concept) for m in (cues.IDEA_FROM.search(self.text), cues.FIRST_IN.search(self.text))
                   if m for sp in self.r.after(m.end()))

    def objects(self, pos: int, ok: Test, first: bool = False, stop: str = "，,;；。") -> list[str]:
        tail = self.text[pos:pos + REACH]  # a removal cue before the verb ("删除来缓解") says nothing of its object
        found = [sp.concept for sp in self.r.after(pos, stop) if ok(sp.concept) and not cues.removed(tail, sp.start - pos)]
        return found[:1] if first else found

    def copula(self, pos: int, src_ok: Test, tgt_ok: Test) -> tuple[str, str] | None:
        """``X 是 Y 的 <cue>`` (GRU是LSTM的变体, Dropout是过拟合的解决方法) -> (X, Y)."""
        before = self.r.earlier(pos)
        if len(before) < 2:
            return None
        x, y = before[-2], before[-1]
        if not (cues.COPULA.fullmatch(self.text[x.end:y.start]) and cues.OF.fullmatch(self.text[y.end:pos])):
            return None
        return (x.concept, y.concept) if src_ok(x.concept) and tgt_ok(y.concept) else None
