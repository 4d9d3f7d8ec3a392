"""The answer path over one compiled read model: retrieve, refuse or compose, with citations,
graph facts, follow-ups and demos. Pure given its models: no store, no I/O, no clock beyond the
timings it reports, so the facade, the benches and the tests all answer the same way.

>>> answerer = Answerer(embedder, Ranker.load(FEATURES), refusal)  # doctest: +SKIP
>>> answerer.ask(model, "BN层的作用是什么?").sources[0].doc       # doctest: +SKIP
'02-deep-learning-general-knowledge.md'
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kg.model import Relation
from kg.text import has_cjk
from qa.answer import Answer, ConceptRef, Outline, Source
from qa.chunks import outline
from qa.compose import answer_markdown, as_read, chains, facts, key_points, refusal_markdown, sentences, unexplained
from qa.embed import Embedder
from qa.followups import followups
from qa.intent import RELATIONS_FOR, lists
from qa.ranker import Ranker
from qa.readmodel import ReadModel
from qa.refusal import RefusalModel
from qa.retrieve import Hit, Retrieval, RetrievalConfig, Retriever

__all__ = ["Answerer", "closeness", "simplified", "question_lang"]

_t2s = None
_t2s_lock = threading.Lock()


def simplified(text: str) -> str:
    """``text`` in simplified characters (OpenCC t2s), as retrieval needs it: the notes are
    simplified, and 批次正規化 must meet 批次正规化. Quotations are never converted.

    >>> simplified("卷積核的作用")
    '卷积核的作用'
    """
    global _t2s
    if not has_cjk(text):
        return text
    with _t2s_lock:
        if _t2s is None:
            import opencc

            _t2s = opencc.OpenCC("t2s")
    return str(_t2s.convert(text))


def question_lang(text: str) -> str:
    """``zh`` for a question with Chinese (or no Latin letters), else ``en``."""
    return "zh" if has_cjk(text) or not re.search(r"[A-Za-z]", text) else "en"


@dataclass(frozen=True)
class Answerer:
    """How questions are answered: the embedder, the fitted ranker and refusal, the pool sizes.
    It holds no read model; :meth:`ask` takes the one to answer from, so a caller that swaps
    models (the facade, on ingest) answers each question from one model whole."""

    embedder: Embedder
    ranker: Ranker
    refusal: RefusalModel
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)

    def retriever(self, model: ReadModel) -> Retriever:
        return Retriever(model, self.embedder, self.ranker, self.retrieval)

    def ask(self, model: ReadModel, text: str, k: int = 5, asked: Sequence[str] = ()) -> Answer:
        """Answer ``text`` (a question as :func:`~qa.api.clean_question` leaves it) from ``model``
        with up to ``k`` cited sources, mark it as a possible match, or refuse; ``asked`` are the
        session's earlier questions (never offered as follow-ups)."""
        started = time.perf_counter()
        found = self.retriever(model).retrieve(simplified(text), 0)  # every candidate: _distinct picks k
        timings = {"retrieve_ms": round((time.perf_counter() - started) * 1000, 2)}
        lang = question_lang(text)
        probability = self.refusal.probability(found.features) if found.hits else 0.0
        state = self.refusal.state(found.features) if found.hits else "refused"
        if state == "refused":
            nearest = self._nearest(found, model)
            return Answer(text, True, refusal_markdown(lang, nearest, found.unmentioned, as_read(found.read_pairs)),
                          intent=found.intent, lang=lang, nearest=tuple(nearest), unmentioned=found.unmentioned,
                          read_as=found.read_pairs, confidence="refused",
                          probability=round(probability, 4), timings=timings)
        return self._answer(text, found, model, lang, k, state, probability, [*asked, text], timings)

    @staticmethod
    def _nearest(found: Retrieval, model: ReadModel) -> list[str]:
        """Real topics near a refused question: concept names (linked, related, named by the best
        headings), never heading fragments."""
        graph = model.graph
        ids = [*found.linked, *found.related]
        for hit in found.hits[:3]:
            ids += sorted(model.heading_concepts.get(model.passages[hit.passage].section, ()))
        if not ids:  # a vague question ("hi") points to the notes' most connected topics
            ids = sorted(graph.nx, key=lambda c: (-graph.nx.degree(c), c))[:5]
        names = [graph.concept(c).display_zh if found.question and has_cjk(found.question) else graph.concept(c).name
                 for c in dict.fromkeys(ids) if c in graph and not graph.concept(c).proposed]
        return list(dict.fromkeys(names))[:5]

    @staticmethod
    def _relations(model: ReadModel, concepts: Sequence[str], intent: str, cited: set[tuple[str, int]]) -> list[Relation]:
        """Graph facts about the answer's concepts: edges between them, then intent-relevant ones,
        then ones whose evidence the answer cites."""
        chosen = set(concepts)
        wanted = set(RELATIONS_FOR.get(intent, ()))
        pool = {r.key: r for c in concepts for r in model.relations_of(c)}.values()

        def rank(r: Relation) -> tuple[int, int, int]:
            both = r.source in chosen and r.target in chosen
            in_cited = any((e.doc, e.line) in cited for e in r.evidence)
            return (-int(both), -int(r.relation in wanted), -int(in_cited))

        return sorted(pool, key=rank)[:6]

    def _answer(self, text: str, found: Retrieval, model: ReadModel, lang: str, k: int, state: str, probability: float,
                asked: Sequence[str], timings: dict[str, float]) -> Answer:
        graph = model.graph
        chosen = _distinct(model, found, k)
        passages = [model.passages[h.passage] for h in chosen]
        sources = tuple(Source(p.doc, p.start_line, p.end_line, p.text, round(h.score, 4), p.heading, dict(h.ranks),
                               tuple((n, round(v, 4), round(c, 4)) for n, v, c in self.ranker.model.explain(h.features)[:8]),
                               closeness(model, h.passage, found.vector))
                        for p, h in zip(passages, chosen))
        top_title = model.heading_concepts.get(passages[0].section, frozenset())
        # A concept only close in meaning to the question is the answer's when the best passage
        # names it: e5 puts a short question near many concept names (for "为啥要用残差",
        # "reduce computation" and "insufficient data"), and on our training questions 81% of
        # those the best passage never mentions, so their facts and follow-ups would be off topic.
        related = [c for c in found.related if c in model.mentions[chosen[0].passage] or c in top_title]
        concept_ids = list(dict.fromkeys([*found.linked, *sorted(top_title), *related]))[:6]
        cited = {(p.doc, line) for p in passages for line in range(p.start_line, p.end_line + 1)}
        relations = self._relations(model, concept_ids[:3], found.intent, cited)
        terms = [a for c in concept_ids[:3] for a in graph.concept(c).aliases]
        # The concepts the question asks about (both sides of a comparison) that no cited passage
        # explains: said above the answer, and an answer that misses its first one is only a
        # possible match (on our questions: 20 of 156 answered unanswerable ones, 7 of 817
        # answerable ones).
        asked_about = list(found.linked[:2] if found.intent == "difference" else found.linked[:1])
        titled = [i for i, c in enumerate(asked_about) if any(c in model.title_mentions[h.passage] for h in chosen)]
        one_sided = tuple(asked_about[i] for i in unexplained(sources, [graph.concept(c).aliases for c in asked_about], titled))
        if asked_about[:1] and asked_about[0] in one_sided and state == "answered":
            state = "low"
        follow = followups(graph, model.question_headings, concept_ids, {p.section for p in passages}, lang, asked, relations=model.relations_of)
        demo_ids = self._demos(concept_ids)
        # A question asking for a list (有哪些, 怎么办, tricks) gets the whole list that the section of
        # its best passages gives, when that section's heading asks for one (not a glossary's).
        # Not for a possible match: a list beside passages that may not answer would only add to them.
        asks = found.intent in ("list", "how") and state == "answered"
        listed = outline(model.passages, [h.passage for h in chosen]) if asks else None
        items = Outline(*listed) if listed and lists(listed[0]) else None
        markdown = answer_markdown(lang, sources, key_points(sources, terms), chains(graph, relations, lang), follow,
                                   [self._demo_title(d, lang) for d in demo_ids], possible=state == "low",
                                   unmentioned=found.unmentioned, outline=items,
                                   unexplained=[graph.concept(c).name if lang == "en" else graph.concept(c).display_zh for c in one_sided],
                                   read_as=as_read(found.read_pairs))
        refs = tuple(ConceptRef(c, graph.concept(c).name, graph.concept(c).kind, graph.concept(c).display_zh) for c in concept_ids)
        return Answer(text, False, markdown, sources, refs, tuple(facts(graph, relations)), tuple(follow), tuple(demo_ids),
                      found.intent, lang, unmentioned=found.unmentioned, outline=items, unexplained=one_sided, read_as=found.read_pairs,
                      confidence=state,
                      probability=round(probability, 4), timings=timings)

    @staticmethod
    def _demos(concept_ids: Sequence[str]) -> list[str]:
        """Demos of the answer's concepts, those of its first concepts first."""
        from qa.demos import demos_for_concepts, get_demo

        order = {c: i for i, c in enumerate(concept_ids)}
        found = demos_for_concepts(concept_ids)
        return sorted(found, key=lambda d: min(order.get(c, len(order)) for c in get_demo(d).concepts))[:3]

    @staticmethod
    def _demo_title(demo_id: str, lang: str) -> str:
        """The demo's title with its one-line "what you will see"."""
        from qa.demos import get_demo

        demo = get_demo(demo_id)
        return f"{demo.title_zh}:{demo.preview_zh}" if lang == "zh" else f"{demo.title_en}: {demo.preview_en}"


def closeness(model: ReadModel, passage: int, vector: np.ndarray | None) -> dict[str, float]:
    """How close in meaning each statement of a passage (:func:`~qa.compose.sentences`) is to the
    question whose embedding is ``vector``, from the passage's sentence vectors already in the
    model: a statement is its own sentence unit, or the one holding it (or held by it) nearest in
    length ("1. BN加快收敛。" is the unit of "BN加快收敛。"), so nothing is encoded per ask.

    >>> from qa.embed import HashEmbedder                                        # doctest: +SKIP
    >>> closeness(model, 0, HashEmbedder().encode_queries(["BN的作用"])[0])       # doctest: +SKIP
    {'BN层可以加快收敛。': 0.41, ...}
    """
    ids = model.units_of[passage]
    if vector is None or not ids:
        return {}
    texts = [model.units[u].text for u in ids]
    cosines = model.unit_vectors.rows(list(ids)) @ vector
    out = {}
    for statement in sentences(model.passages[passage].text):
        holding = [j for j, text in enumerate(texts) if statement in text or text in statement]
        if holding:
            j = min(holding, key=lambda j: abs(len(texts[j]) - len(statement)))  # the first of equals
            out[statement] = round(float(cosines[j]), 4)
    return out


def _distinct(model: ReadModel, found: Retrieval, k: int) -> list[Hit]:
    """The best ``k`` hits with no passage shown twice (hits are distinct passages already; this
    also drops a passage whose text another chosen passage contains)."""
    out: list[Hit] = []
    for hit in found.hits:
        text = model.passages[hit.passage].text
        if any(text in model.passages[h.passage].text for h in out):
            continue
        out.append(hit)
        if len(out) >= k:
            break
    return out
