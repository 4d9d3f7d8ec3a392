"""Score a practice answer against the notes' reference passage, transparently and without an LLM.

Key points are the reference's concepts (found by the alias linker, so an English answer
covers a Chinese reference) and its most salient other words (nouns by TF-IDF). The
score is a weighted mean, shown to the user with its weights::

    score = 100 × (w_c · concepts covered + w_t · terms covered + w_s · similarity) / (w_c + w_t + w_s)

where a part with no key points drops out (its weight too) and similarity is the cosine of
the answer's and the reference's embeddings, clipped to [0, 1].

>>> Weights().formula()
'100 × (0.5·C + 0.3·T + 0.2·S) / Σw'
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from jieba import posseg

from ingest.linker import Linker
from kg.text import fold, has_cjk

__all__ = ["Weights", "KeyPoint", "Score", "key_points", "score_answer"]

Embed = Callable[[Sequence[str]], np.ndarray]
_NOISE = re.compile(r"https?://\S+|www\.\S+|\\[A-Za-z]+")


@dataclass(frozen=True)
class Weights:
    """How much each part counts; shown next to every score."""

    concepts: float = 0.5
    terms: float = 0.3
    similarity: float = 0.2
    max_concepts: int = 8
    max_terms: int = 6

    def formula(self) -> str:
        return f"100 × ({self.concepts:g}·C + {self.terms:g}·T + {self.similarity:g}·S) / Σw"


@dataclass(frozen=True)
class KeyPoint:
    """A concept (``key`` = concept id) or salient term of the reference, with where it occurs."""

    kind: Literal["concept", "term"]
    key: str
    label: str
    spans: tuple[tuple[int, int], ...]
    hit: bool = False


@dataclass(frozen=True)
class Score:
    """The total (0-100) and every part it was computed from; ``None`` marks a part with no key points."""

    points: tuple[KeyPoint, ...]
    concepts: float | None
    terms: float | None
    similarity: float
    total: float
    weights: Weights

    def of(self, kind: str) -> list[KeyPoint]:
        return [p for p in self.points if p.kind == kind]


def _term_spans(reference: str, term: str) -> list[tuple[int, int]]:
    """Where ``term`` occurs in ``reference`` (case-insensitive; whole words for Latin terms)."""
    pattern = re.escape(term) if has_cjk(term) else rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])"
    return [(m.start(), m.end()) for m in re.finditer(pattern, reference, flags=re.IGNORECASE)]


def _nouns(reference: str) -> Counter[str]:
    """Counts of the reference's nouns and English words (jieba POS tags n*, vn, eng), ignoring URLs and TeX."""
    text = _NOISE.sub(" ", reference)
    words: Counter[str] = Counter()
    for word, flag in posseg.lcut(text):
        word = word.strip()
        if flag == "eng":  # a real word, not "K1padding" glued together from a formula
            keep = word.isalpha() and len(word) >= 3
        else:
            keep = len(word) >= 2 and (flag.startswith("n") or flag == "vn")
        if keep:
            words[word] += 1
    return words


def key_points(reference: str, linker: Linker, idf: Mapping[str, float], *, exclude: Sequence[str] = (),
               max_concepts: int = 8, max_terms: int = 6, min_idf: float = 1.6) -> list[KeyPoint]:
    """The reference's concepts (minus ``exclude``, the ones the question names) and top terms.

    Concepts are ranked by how often the reference names them; terms are nouns ranked by
    IDF × (1 + log count), IDF over the notes' sections (tokens of :func:`qa.bm25.tokenize`);
    words below ``min_idf`` are too common to be a point. Terms that are aliases or sit inside
    a concept mention are skipped, so nothing counts twice.
    """
    concept_spans: dict[str, list[tuple[int, int]]] = {}
    for span in linker.find(reference):
        if span.concept not in exclude:
            concept_spans.setdefault(span.concept, []).append((span.start, span.end))
    ranked_concepts = sorted(concept_spans, key=lambda c: (-len(concept_spans[c]), concept_spans[c][0]))[:max_concepts]
    covered = [s for spans in concept_spans.values() for s in spans]
    points = [KeyPoint("concept", c, reference[slice(*concept_spans[c][0])], tuple(concept_spans[c]))
              for c in ranked_concepts]
    nouns = _nouns(reference)
    top = max(idf.values(), default=1.0)
    weight = {w: idf.get(fold(w), top) for w in nouns}
    terms: list[KeyPoint] = []
    for word in sorted(nouns, key=lambda w: (-weight[w] * (1 + math.log(nouns[w])), w)):
        if len(terms) >= max_terms:
            break
        # Skip words common across the notes ("网络", "模型"), aliases, repeats and jieba debris like "中中".
        if weight[word] < min_idf or word in linker or len(set(word)) == 1:
            continue
        if any(word in p.label or p.label in word for p in terms):
            continue
        spans = [s for s in _term_spans(reference, word) if not any(a <= s[0] < b for a, b in covered)]
        if spans:
            terms.append(KeyPoint("term", fold(word), reference[slice(*spans[0])], tuple(spans)))
    return points + terms


def _covered(point: KeyPoint, answer: str, answer_concepts: set[str]) -> bool:
    if point.kind == "concept":
        return point.key in answer_concepts
    return bool(_term_spans(answer, point.label)) or fold(point.key) in fold(answer)


def _share(points: Sequence[KeyPoint]) -> float | None:
    return sum(p.hit for p in points) / len(points) if points else None


def score_answer(answer: str, reference: str, *, linker: Linker, idf: Mapping[str, float], embed: Embed,
                 exclude: Sequence[str] = (), weights: Weights | None = None) -> Score:
    """Score ``answer`` against ``reference``: which key points it covers, its similarity, the total."""
    weights = weights or Weights()
    found = {s.concept for s in linker.find(answer)}
    points = tuple(
        KeyPoint(p.kind, p.key, p.label, p.spans, _covered(p, answer, found))
        for p in key_points(reference, linker, idf, exclude=exclude, max_concepts=weights.max_concepts,
                            max_terms=weights.max_terms)
    )
    vectors = np.asarray(embed([answer, reference]), dtype=np.float32)
    similarity = float(np.clip(vectors[0] @ vectors[1], 0.0, 1.0))
    concepts = _share([p for p in points if p.kind == "concept"])
    terms = _share([p for p in points if p.kind == "term"])
    parts = [(weights.concepts, concepts), (weights.terms, terms), (weights.similarity, similarity)]
    used = [(w, v) for w, v in parts if v is not None]
    total = 100 * sum(w * v for w, v in used) / sum(w for w, _ in used)
    return Score(points, concepts, terms, similarity, round(total, 1), weights)
