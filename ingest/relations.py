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

The rules live in :mod:`ingest.effects` and :mod:`ingest.structure` over the shared base of
:mod:`ingest.rules`, the kind tests in :mod:`ingest.kinds`; this module runs them.

>>> from ingest.linker import Span
>>> from kg.model import Concept
>>> kinds = {"dropout": Concept("dropout", "Dropout", "technique"), "of": Concept("of", "overfitting", "problem")}
>>> s = Sentence(3, 0, "Dropout:抑制过拟合", (Span(0, 7, "dropout", "Dropout"), Span(10, 13, "of", "过拟合")))
>>> [(r.source, r.relation, r.target, r.rule) for r in extract(s, Context("n.md", kinds, ()))]
[('dropout', 'solves', 'of', 'solve-verb')]
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from ingest import cues
from ingest.clauses import Found
from ingest.effects import Effects
from ingest.kinds import GENERIC, is_actor, is_problem, looks_like_architecture
from ingest.rules import Context
from ingest.sentences import Sentence
from ingest.structure import Structure
from kg.errors import InputError
from kg.model import Concept, Relation

__all__ = ["Context", "MAX_SENTENCE", "extract", "is_actor", "is_problem", "looks_like_architecture",
           "remedy_target", "subject_of"]

MAX_SENTENCE = 5000  # characters; extraction is linear, but a note must not hold a megabyte "sentence"
_SOLUTION_TITLE = re.compile(r"如何|怎么|怎样|方法|解决|处理|应对|措施|技巧|办法|避免|防止|缓解|tricks?|how|solution|fix", re.I)


class _Reader(Effects, Structure):
    """The rules over one sentence; ``edges`` collects what they find."""


_RULES = ("solves", "causes", "possessive_causes", "introduces", "variants", "kinds", "improvements", "roles", "parts",
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
