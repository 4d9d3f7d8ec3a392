"""Lexical retrieval: bilingual tokens and an Okapi BM25 index.

Chinese runs are cut by jieba (search mode) *and* into character bigrams, so a term jieba
splits differently ("批归一化" vs "批 归一化") still matches; English and numbers become
folded word tokens ("1×1" and "1x1" meet as ``1x1``). A few function words are dropped.

>>> bm25 = BM25([tokenize("池化层的作用是下采样"), tokenize("BN层加快收敛")])
>>> [bool(s > 0) for s in bm25.scores(tokenize("池化有什么作用"))]
[True, False]
"""
from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from kg.text import fold

__all__ = ["tokenize", "BM25", "add_terms"]

_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:\.[0-9]+)?")
_STOP = frozenset(
    "的 了 是 在 和 与 及 或 有 吗 呢 啊 吧 么 什么 怎么 怎样 如何 哪些 哪个 为什么 为何 一个 这个 那个 这些 那些 "
    "我们 你们 他们 它们 可以 能否 是否 一下 一种 进行 "
    "a an the of to in on for and or is are was be by with what why how which does do did can it its this that as at from".split()
)
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    global _jieba_ready
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True
    return jieba


def add_terms(terms: Iterable[str]) -> None:
    """Teach jieba domain terms (Chinese concept names) so they are kept whole."""
    jieba = _jieba()
    for term in terms:
        if 2 <= len(term) <= 12 and re.fullmatch(r"[\u3400-\u9fff]+", term):
            jieba.add_word(term, freq=20000)


def tokenize(text: str, bigrams: bool = True) -> list[str]:
    """Folded word tokens, jieba words and (unless ``bigrams=False``) character bigrams, without function words.

    >>> tokenize("BN层的作用?")
    ['bn', '层', '作用', '层的', '的作', '作用']
    """
    tokens: list[str] = []
    for run in _RUN.findall(fold(text)):
        if run.isascii():
            if run not in _STOP:
                tokens.append(run)
            continue
        tokens.extend(w for w in _jieba().lcut_for_search(run) if w not in _STOP and w.strip())
        if bigrams:
            tokens.extend(b for b in (run[i : i + 2] for i in range(len(run) - 1)) if b not in _STOP)
    return tokens


class BM25:
    """Okapi BM25 over pre-tokenised documents, with per-term postings for fast queries."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        average = float(lengths.mean()) if self.size and lengths.mean() > 0 else 1.0
        frequencies: dict[str, list[tuple[int, int]]] = {}
        for index, document in enumerate(documents):
            for term, count in Counter(document).items():
                frequencies.setdefault(term, []).append((index, count))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, postings in frequencies.items():
            docs = np.array([d for d, _ in postings], dtype=np.int64)
            tf = np.array([c for _, c in postings], dtype=np.float32)
            idf = math.log(1 + (self.size - len(postings) + 0.5) / (len(postings) + 0.5))
            weight = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[docs] / average))
            self._postings[term] = (docs, weight.astype(np.float32))

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for ``query`` tokens (repeated tokens count once)."""
        out = np.zeros(self.size, dtype=np.float32)
        for term in dict.fromkeys(query):
            posting = self._postings.get(term)
            if posting is not None:
                out[posting[0]] += posting[1]
        return out
