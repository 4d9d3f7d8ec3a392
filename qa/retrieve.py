"""Hybrid retrieval: entity links, BM25, dense vectors and the graph, fused by weighted RRF.

Each signal ranks the passages it finds relevant:

* ``bm25``   - BM25 over jieba words + bigrams of the question *expanded* with the Chinese
               names of linked concepts, the intent's heading words and the lexicon
               translations, which is how an English question reaches Chinese notes;
* ``title``  - the same expanded query against the passage's headings only: the notes are
               organised as interview questions, so a matching heading is strong evidence;
* ``dense``  - cosine between question and passage embeddings (FAISS);
* ``view``   - cosine between the question and the passage's English view (heading concepts,
               their glosses, what the heading asks): how English questions meet Chinese notes;
* ``entity`` - passages that mention the linked concepts, in their heading above all;
* ``graph``  - passages holding the evidence sentences of the linked concepts' relations,
               favouring relation types that answer the intent (why -> solves/causes...);
* ``intent`` - passages whose heading uses the intent's words for a linked concept.

Reciprocal-rank fusion (Cormack et al., 2009) adds ``weight / (k + rank)`` over the signals
that rank a passage. RRF needs no score calibration between signals that live on
different scales, which is why it was chosen; the weights are fitted on our own question
set (``bench/calibrate.py``), never on the dev set.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.linker import Linker, family
from kg.graph import KnowledgeGraph
from kg.text import fold
from qa.bm25 import tokenize
from qa.embed import Embedder
from qa.index import Index
from qa.intent import RELATIONS_FOR, TITLED, cue_words, detect, translate

__all__ = ["RetrievalConfig", "Hit", "Retrieval", "Retriever", "SIGNALS"]

SIGNALS = ("bm25", "title", "dense", "view", "entity", "graph", "intent")


@dataclass(frozen=True)
class RetrievalConfig:
    """Fusion weights and thresholds (fitted by ``bench/calibrate.py``)."""

    weights: tuple[tuple[str, float], ...] = (
        ("bm25", 3.0), ("title", 1.5), ("dense", 1.0), ("view", 2.0), ("entity", 3.0), ("graph", 0.3), ("intent", 2.0)
    )
    rrf_k: int = 2
    concept_link_min: float = 0.62   # cosine above which a concept node counts as linked by meaning
    pool: int = 20                   # passages each signal may rank

    def weight(self, signal: str) -> float:
        return dict(self.weights).get(signal, 0.0)


@dataclass(frozen=True)
class Hit:
    """A ranked passage: its index in :attr:`Index.passages`, fused score and per-signal ranks."""

    passage: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Retrieval:
    """Everything the composer and the refusal model need about one question."""

    question: str
    intent: str
    linked: tuple[str, ...]        # concept ids named in the question
    related: tuple[str, ...]       # concept ids close in meaning (dense over concept nodes)
    hits: tuple[Hit, ...]
    dense_top: float
    coverage: float
    novelty: float = 0.0           # share of the question's content the notes never mention
    unknown_terms: int = 0         # technical names (BERT, XGBoost, YOLOv5) absent from the notes


def _rank(scores: np.ndarray, pool: int) -> dict[int, int]:
    """1-based ranks of the ``pool`` best positive scores."""
    positive = np.flatnonzero(scores > 0)
    order = positive[np.argsort(-scores[positive], kind="stable")][:pool]
    return {int(i): r for r, i in enumerate(order, 1)}


class Retriever:
    """Ranks passages for questions; stateless after construction, safe to share between threads."""

    def __init__(self, index: Index, graph: KnowledgeGraph, linker: Linker, embedder: Embedder,
                 config: RetrievalConfig | None = None) -> None:
        self.index, self.graph, self.linker, self.embedder = index, graph, linker, embedder
        self.config = config or RetrievalConfig()
        self._folded = [fold(p.text) for p in index.passages]
        self._titles = [fold(p.context) for p in index.passages]
        self._corpus = "\n".join(self._titles + self._folded)
        # One-word English aliases of 5+ letters, for spelling-tolerant linking.
        self._words = {a.lower(): c.id for c in graph.concepts() for a in c.aliases
                       if re.fullmatch(r"[A-Za-z]{5,}", a) and not c.proposed}

    # -- signals --------------------------------------------------------------------------
    def _expansion(self, question: str, linked: Sequence[str]) -> list[str]:
        words: list[str] = []
        for concept_id in linked:
            concept = self.graph.concept(concept_id)
            words += [concept.name, *concept.zh]
        return words + translate(question)

    def _entity(self, linked: Sequence[str], related: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self.index.passages), dtype=np.float32)
        for i, (mentions, titled) in enumerate(zip(self.index.mentions, self.index.title_mentions)):
            for concept_id in linked:
                out[i] += (2.0 if concept_id in titled else 0.0) + (1.0 if concept_id in mentions else 0.0)
            for concept_id in related:
                out[i] += 0.5 if concept_id in mentions else 0.0
        if len(linked) > 1:  # passages that name every linked concept answer questions about their link
            out += np.array([2.0 if set(linked) <= m else 0.0 for m in self.index.mentions], dtype=np.float32)
        return out

    def _graph(self, linked: Sequence[str], intent: str) -> np.ndarray:
        out = np.zeros(len(self.index.passages), dtype=np.float32)
        wanted = set(RELATIONS_FOR.get(intent, ()))
        chosen = set(linked)
        for concept_id in chosen:
            for rel in self.graph.relations_of(concept_id):
                both = rel.source in chosen and rel.target in chosen
                weight = (2.0 if both else 0.0) + (1.0 if rel.relation in wanted else 0.25)
                for ev in rel.evidence:
                    for i in self.index.by_line.get((ev.doc, ev.line), ()):
                        out[i] += weight
        return out

    def _intent(self, linked: Sequence[str], intent: str) -> np.ndarray:
        """Headings (strong) or text (weak) that use the intent's words about a linked concept."""
        cues = [fold(c) for c in cue_words(intent)]
        out = np.zeros(len(self.index.passages), dtype=np.float32)
        for i, (title, text) in enumerate(zip(self._titles, self._folded)):
            about = not linked or any(c in self.index.mentions[i] for c in linked)
            if not about:
                continue
            if any(c in title for c in cues):
                out[i] += 2.0 if linked and any(c in self.index.title_mentions[i] for c in linked) else 1.0
            if any(c in text for c in cues):
                out[i] += 0.5
        return out

    # -- public ---------------------------------------------------------------------------
    def link(self, question: str) -> tuple[str, ...]:
        """Concept ids named in the question; ``Inception v1 到 v4`` names v4 as well, and a
        misspelt English name (``dropuot``) its concept."""
        spans = self.linker.find(question)
        families = [family(self.graph.concept(s.concept).name) for s in spans]
        if families:
            spans = self.linker.find(question, families)
        found = [s.concept for s in spans]
        rest = _without_mentions(question, self.linker)
        found += [c for word in re.findall(r"[A-Za-z]{5,}", rest) if (c := self._near(word))]
        return tuple(dict.fromkeys(found))

    def _near(self, word: str) -> str | None:
        """The concept whose one-word English alias is one edit (or one swap of neighbours) away."""
        word = word.lower()
        budget = 1
        for alias, concept_id in self._words.items():
            if abs(len(alias) - len(word)) <= budget and _distance(alias, word, budget) <= budget:
                return concept_id
        return None

    def signals(self, question: str) -> tuple[dict[str, np.ndarray], Retrieval]:
        """Per-signal scores over all passages, and a Retrieval without hits."""
        intent = detect(question)
        linked = self.link(question)
        vector = self.embedder.encode([question])[0]
        c_scores, c_ids = self.index.search(self.index.concept_vectors, vector, 5)
        related = tuple(
            self.index.concepts[int(i)].id for s, i in zip(c_scores, c_ids)
            if s >= self.config.concept_link_min and self.index.concepts[int(i)].id not in linked
        )
        n = len(self.index.passages)
        dense = np.zeros(n, dtype=np.float32)
        d_scores, d_ids = self.index.search(self.index.passage_vectors, vector, n)
        dense[d_ids] = d_scores
        view = np.zeros(n, dtype=np.float32)
        v_scores, v_ids = self.index.search(self.index.view_vectors, vector, n)
        view[v_ids] = v_scores
        query = tokenize(question) + tokenize(" ".join(self._expansion(question, linked)))
        title_query = query + (tokenize(" ".join(cue_words(intent))) if intent in TITLED else [])
        scores = {
            "bm25": self.index.bm25.scores(query),
            "title": self.index.title_bm25.scores(title_query),
            "dense": np.clip(dense, 0, None),
            "view": np.clip(view, 0, None),
            "entity": self._entity(linked, related),
            "graph": self._graph(linked, intent),
            "intent": self._intent(linked, intent),
        }
        best = max(float(d_scores[0]) if len(d_scores) else 0.0, float(v_scores[0]) if len(v_scores) else 0.0)
        base = Retrieval(question, intent, linked, related, (), best, 0.0)
        return scores, base

    def fuse(self, scores: dict[str, np.ndarray], only: Sequence[str] | None = None) -> list[Hit]:
        """Weighted RRF over ``only`` (default: every signal with a weight)."""
        fused: dict[int, float] = {}
        ranks: dict[int, dict[str, int]] = {}
        for signal in only or SIGNALS:
            weight = self.config.weight(signal) if only is None else 1.0
            if weight <= 0:
                continue
            for passage, rank in _rank(scores[signal], self.config.pool).items():
                fused[passage] = fused.get(passage, 0.0) + weight / (self.config.rrf_k + rank)
                ranks.setdefault(passage, {})[signal] = rank
        order = sorted(fused, key=lambda p: (-fused[p], p))
        return [Hit(p, fused[p], ranks[p]) for p in order]

    def baseline(self, question: str, method: str, k: int = 5) -> list[int]:
        """Passages ranked by one plain method: ``bm25`` on the question's own tokens, or ``dense``."""
        if method == "bm25":
            scores = self.index.bm25.scores(tokenize(question))
            order = np.argsort(-scores, kind="stable")
            return [int(i) for i in order[:k] if scores[i] > 0]
        if method == "dense":
            vector = self.embedder.encode([question])[0]
            return [int(i) for i in self.index.search(self.index.passage_vectors, vector, k)[1]]
        raise ValueError(f"unknown baseline {method!r}")

    def retrieve(self, question: str, k: int = 5) -> Retrieval:
        scores, base = self.signals(question)
        hits = self.fuse(scores)[: max(k, 1)]
        rest = _without_mentions(question, self.linker)  # linked once for both measures
        coverage = self.coverage(rest, base.linked, [h.passage for h in hits[:3]])
        novelty, unknown = self.novelty(rest)
        return Retrieval(base.question, base.intent, base.linked, base.related, tuple(hits), base.dense_top, coverage,
                         novelty, unknown)

    def novelty(self, rest: str) -> tuple[float, int]:
        """How much of the question (``rest``: its concept mentions blanked out) the notes never mention anywhere, and how many technical
        names (``BERT``, ``YOLOv5``, ``XGBoost``) in it they do not know.

        Novelty counts Chinese character bigrams outside concept mentions and question words,
        which makes it indifferent to how jieba segments the question. Plain English words are
        left out: Chinese notes lack them whether or not they answer the question.
        """
        units: list[str] = []
        for run in re.findall(r"[\u3400-\u9fff]+", _QUESTION_WORDS.sub(" ", rest)):
            units += [run[i : i + 2] for i in range(len(run) - 1)] or [run]
        missing = sum(1 for u in units if u not in self._corpus)
        terms = [t for t in _TERM.findall(rest) if not self._known(t)]
        return (missing / len(units) if units else 0.0), len(terms)

    def _known(self, word: str) -> bool:
        folded = fold(word)
        return folded in self._corpus or (folded.endswith("s") and folded[:-1] in self._corpus)

    def coverage(self, rest: str, linked: Sequence[str], passages: Sequence[int]) -> float:
        """Share of the question's content words (``rest``: mentions blanked out) that the top passages contain.

        Linked concepts count as covered when a passage mentions them; English words count
        through their lexicon translations. Intent words ("作用", "why") are not content.
        """
        text = " ".join(self._folded[p] for p in passages)
        mentioned = set().union(*(self.index.mentions[p] for p in passages)) if passages else set()
        words = _content_words(rest)
        if not words and not linked:
            return 0.0
        covered = sum(1 for c in linked if c in mentioned)
        total = len(linked)
        for word in words:
            total += 1
            options = [word, *translate(word)]
            covered += any(fold(o) in text for o in options)
        return covered / total if total else 0.0


_QUESTION_WORDS = re.compile(
    r"是什么|什么是|为什么|为何|怎么样|怎么|怎样|如何|哪些|什么|有没有|是否|能不能|可以|一下|介绍|讲讲|作用|用途|区别|"
    r"不同|优缺点|优点|缺点|原因|方法|问题|时候|情况|一般|主要|需要|使用|进行|"
    r"\b(what|why|how|which|when|where|who|does|do|did|is|are|was|the|a|an|of|in|on|for|to|and|or|with|it|its|"
    r"explain|describe|used|use|role|purpose|difference|between|work|works|mean|means|good|bad|vs|versus)\b",
    re.I,
)


_TERM = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Za-z]+[0-9][A-Za-z0-9]*|[A-Za-z]+[a-z][A-Z][A-Za-z0-9]*)(?![A-Za-z0-9])")
def _distance(a: str, b: str, budget: int) -> int:
    """Edit distance counting a swap of neighbours as one edit (optimal string alignment),
    giving up (returning ``budget + 1``) once it must exceed ``budget``.

    >>> _distance("dropout", "dropuot", 2), _distance("softplus", "sofplus", 2)
    (1, 1)
    """
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > budget:
            return budget + 1
        before, previous = previous, current
    return previous[-1]


def _without_mentions(question: str, linker: Linker) -> str:
    """The question with its concept mentions blanked out."""
    rest = list(question)
    for span in linker.find(question):
        rest[span.start:span.end] = [" "] * (span.end - span.start)
    return "".join(rest)


def _content_words(rest: str) -> list[str]:
    """Words of a question (its mentions already blanked out) that are not question/intent words."""
    remainder = _QUESTION_WORDS.sub(" ", rest)
    return [t for t in tokenize(remainder, bigrams=False) if len(t) >= 2 and not (len(t) == 2 and t.isascii() and t.isdigit())]
