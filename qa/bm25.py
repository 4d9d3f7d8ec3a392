"""Lexical retrieval: bilingual tokens from one :class:`Tokenizer`, and an Okapi BM25 index.

Chinese runs are cut by jieba (search mode) *and* into character bigrams, so a term jieba
splits differently ("批归一化" vs "批 归一化") still matches; English and numbers become
folded word tokens ("1×1" and "1x1" meet as ``1x1``). A few function words are dropped.

Each :class:`Tokenizer` owns its own ``jieba.Tokenizer`` with the domain terms added
*before* anything is tokenised, so passages and questions are cut by the same dictionary;
:attr:`Tokenizer.digest` names that dictionary for index fingerprints.

>>> tok = Tokenizer(["池化层"])
>>> bm25 = BM25([tok.tokenize("池化层的作用是下采样"), tok.tokenize("BN层加快收敛")])
>>> [bool(s > 0) for s in bm25.scores(tok.tokenize("池化层有什么作用"))]
[True, False]
"""
from __future__ import annotations

import hashlib
import itertools
import logging
import marshal
import re
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kg.text import fold

__all__ = ["Tokenizer", "tokenize", "BM25", "STOP", "top_k"]

_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:\.[0-9]+)?")
STOP = frozenset(
    "的 了 是 在 和 与 及 或 有 吗 呢 啊 吧 么 什么 怎么 怎样 如何 哪些 哪个 为什么 为何 一个 这个 那个 这些 那些 "
    "我们 你们 他们 它们 可以 能否 是否 一下 一种 进行 "
    "a an the of to in on for and or is are was be by with what why how which does do did can it its this that as at from".split()
)
_TERM = re.compile(r"[\u3400-\u9fff]{2,12}")
_base_lock = threading.Lock()
_base: Any = None


def _base_dictionary() -> Any:
    """jieba's default dictionary, loaded once per process and never modified.

    jieba keeps it in a marshal cache in the temporary folder, which its ``initialize`` reads
    through the file object: many small reads, 1.5 s here against 0.4 s for the same bytes read
    whole, which is most of a cold ``kgqa ask``. So the cache is read whole; when it is missing
    or unreadable, jieba builds it (and its cache) as usual, and when it holds something else,
    the dictionary is built from jieba's word list without trusting it.
    """
    global _base
    with _base_lock:
        if _base is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            base = jieba.Tokenizer()
            try:
                cached = marshal.loads((Path(base.tmp_dir or tempfile.gettempdir()) / "jieba.cache").read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                base.initialize()
            else:
                shaped = isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], dict) and isinstance(cached[1], int)
                base.FREQ, base.total = cached if shaped else base.gen_pfdict(base.get_dict_file())
                base.initialized = True
            _base = base
        return _base


class Tokenizer:
    """Folded words, jieba words and character bigrams, with ``terms`` kept whole.

    The instance is immutable once built: terms go into a private copy of jieba's frequency
    table, never into the process-wide ``jieba`` dictionary.
    """

    def __init__(self, terms: Iterable[str] = ()) -> None:
        import jieba

        base = _base_dictionary()
        self.terms = self.domain_terms(terms)
        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total = dict(base.FREQ), base.total
        self._jieba.initialized = True
        for term in self.terms:
            self._jieba.add_word(term, freq=20000)
        # add_word also raises the total frequency, which every word's probability is divided by,
        # so a new term would re-cut texts that do not contain it. Kept at jieba's own total, a
        # text's tokens depend only on the terms inside it: a note with new terms re-tokenises
        # the passages that hold them, not the whole corpus (readmodel's stored tokens rely on it).
        self._jieba.total = base.total
        self.digest = hashlib.sha256("\n".join(self.terms).encode("utf-8")).hexdigest()[:16]

    @staticmethod
    def domain_terms(terms: Iterable[str]) -> tuple[str, ...]:
        """The terms a tokenizer of ``terms`` keeps whole (its :attr:`terms`): Chinese words of 2-12
        characters, sorted, each once.

        >>> Tokenizer.domain_terms(["池化层", "BN", "池化层", "卷积"])
        ('卷积', '池化层')
        """
        return tuple(sorted({t for t in terms if _TERM.fullmatch(t)}))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where jieba's words of ``text`` start and end, the domain terms kept whole.

        >>> Tokenizer(["池化层"]).spans("池化层的作用")
        [(0, 3), (3, 4), (4, 6)]
        """
        return [(start, end) for _, start, end in self._jieba.tokenize(text)]

    def is_word(self, word: str) -> bool:
        """Whether ``word`` is a word of the dictionary (jieba's, and the domain terms).

        >>> Tokenizer().is_word("倒数"), Tokenizer().is_word("过你和")
        (True, False)
        """
        return bool(self._jieba.FREQ.get(word))

    def tokenize(self, text: str, bigrams: bool = True) -> list[str]:
        """Tokens of ``text`` without function words; ``bigrams=False`` leaves out character bigrams.

        >>> Tokenizer().tokenize("BN层的作用?")
        ['bn', '层', '作用', '层的', '的作', '作用']
        """
        tokens: list[str] = []
        for run in _RUN.findall(fold(text)):
            if run.isascii():
                if run not in STOP:
                    tokens.append(run)
                continue
            tokens.extend(w for w in self._jieba.lcut_for_search(run) if w not in STOP and w.strip())
            if bigrams:
                tokens.extend(b for b in (run[i : i + 2] for i in range(len(run) - 1)) if b not in STOP)
        return tokens


_plain: Tokenizer | None = None


def tokenize(text: str, bigrams: bool = True) -> list[str]:
    """:meth:`Tokenizer.tokenize` with jieba's plain dictionary (no domain terms), for callers
    outside retrieval that only need comparable tokens."""
    global _plain
    if _plain is None:
        _plain = Tokenizer()
    return _plain.tokenize(text, bigrams)


class BM25:
    """Okapi BM25 over pre-tokenised documents, with per-term postings for fast queries.

    The postings are two flat arrays sorted by term (documents and weights) and each term's
    slice of them, built with numpy: at 30k passages that is about 5x faster to build, and an
    image of it pickles three objects, not two small arrays per term.

    >>> list(BM25([["a", "b"], ["b", "b"], ["c"]]).top(["b", "b"], 5))  # "b" twice beats once; "c" has none
    [1, 0]
    """

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(documents)
        counts = np.fromiter((len(d) for d in documents), dtype=np.int64, count=self.size)
        lengths = counts.astype(np.float32)
        average = float(lengths.mean()) if self.size and lengths.mean() > 0 else 1.0
        # Term ids in order of first use, given as each term is first seen, in one C-level pass
        # (no Python frame per token: the missing-key factory is a C counter).
        ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        keys = np.fromiter(map(ids.__getitem__, itertools.chain.from_iterable(documents)), dtype=np.int64,
                           count=int(counts.sum()))
        # One key per (term, document), sorted in place by term, then document; each run of equal
        # keys is one posting and its length the term's frequency there. (In place, not np.unique:
        # at 1,000 notes the 7M keys are 56 MB, and each temporary copy is as much again while a
        # server holds the model this one replaces.)
        keys *= max(self.size, 1)
        keys += np.repeat(np.arange(self.size, dtype=np.int64), counts)
        keys.sort()
        first = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts_at = np.flatnonzero(first)
        del first
        tf = np.diff(np.append(starts_at, len(keys)))
        term, docs = np.divmod(keys[starts_at], max(self.size, 1))
        del keys, starts_at
        df = np.bincount(term, minlength=len(ids))
        starts = np.concatenate([[0], np.cumsum(df)])
        idf = np.log(1 + (self.size - df + 0.5) / (df + 0.5)).astype(np.float32)
        frequency = tf.astype(np.float32)
        weight = idf[term] * frequency * np.float32(k1 + 1) / (
            frequency + np.float32(k1) * (np.float32(1 - b) + np.float32(b) * lengths[docs] / np.float32(average)))
        self._slices = {t: (int(starts[i]), int(starts[i + 1])) for t, i in ids.items()}
        self._docs = docs.astype(np.int64)
        self._weights = weight.astype(np.float32)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for ``query`` tokens (repeated tokens count once)."""
        out = np.zeros(self.size, dtype=np.float32)
        for term in dict.fromkeys(query):
            where = self._slices.get(term)
            if where is not None:
                out[self._docs[where[0]:where[1]]] += self._weights[where[0]:where[1]]
        return out

    def top(self, query: Sequence[str], k: int) -> dict[int, float]:
        """The ``k`` best-scoring documents (positive scores only) as {index: score}: vector adds
        over the query terms' postings and a partial sort, so no Python loop runs per document."""
        return top_k(self.scores(query), k)


def top_k(scores: np.ndarray, k: int) -> dict[int, float]:
    """The ``k`` largest positive entries of ``scores`` as {index: score}, best first (ties by index).

    >>> top_k(np.array([0.0, 2.0, 1.0, 2.0]), 2)
    {1: 2.0, 3: 2.0}
    """
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        part = np.argpartition(-scores[positive], k - 1)[:k]
        cut = scores[positive[part]].min()
        positive = positive[scores[positive] >= cut]  # keep ties at the cut, ordered below
    order = positive[np.lexsort((positive, -scores[positive]))][:k]
    return {int(i): float(scores[i]) for i in order}
