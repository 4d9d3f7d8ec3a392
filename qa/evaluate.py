"""The evaluation harness behind ``kgqa eval``: the product and three plain anchors, in one run.

A question is a hit at k when one of its evidence snippets occurs in the first
:data:`COUNTED_CHARS` characters of one of the top-k texts (both NFKC-normalised, whitespace
collapsed), so returning whole notes cannot win. Unanswerable questions score refusal
accuracy; a refused answerable question is a miss and a false refusal. "Possible match"
answers count as answered. ``brief`` is the share of answerable questions whose short answer
(the two or three sentences shown first) holds an evidence snippet: what a reader gets
without opening a source.

Anchors, over *naive* chunks (each note cut every 400 characters, no headings, no graph):
BM25, MiniLM dense and e5 dense. The ablation reruns hybrid retrieval with each signal left
out (retrieval only, refusal off).

>>> hit_rank(["卷积的 参数量:C1×K×K×C"], ["参数量:C1×K×K×C"])
1
"""
from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import InputError
from qa.bm25 import BM25, Tokenizer
from qa.compose import brief
from qa.embed import DEFAULT_MODEL, MINILM, Embedder, embedder_for
from qa.retrieve import SIGNALS
from qa.vectors import EmbeddingCache, bundled_vectors_path

__all__ = ["Question", "load_questions", "hit_rank", "evaluate", "report", "naive_chunks", "COUNTED_CHARS"]

COUNTED_CHARS = 600
CHUNK_CHARS = 400


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    answerable: bool
    evidence: tuple[str, ...] = ()
    kind: str = ""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def load_questions(path: str | Path) -> list[Question]:
    """Questions in the format of ``shared/eval/dev_questions.jsonl``; InputError names a bad line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read questions from {path}: {exc.__class__.__name__}: {exc}") from None
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(Question(
                id=str(raw.get("id", number)), question=raw["question"], lang=raw.get("lang", "zh"),
                answerable=bool(raw["answerable"]), evidence=tuple(e["evidence"] for e in raw.get("evidence") or ()),
                kind=raw.get("kind", ""),
            ))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}:{number}: not a question record ({exc}); see shared/eval/dev_questions.jsonl") from None
    if not out:
        raise InputError(f"{path}: no questions found")
    return out


def hit_rank(texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first text whose first :data:`COUNTED_CHARS` characters contain an evidence snippet."""
    snippets = [_norm(e) for e in evidence]
    for rank, text in enumerate(texts, 1):
        normalised = _norm(text[:COUNTED_CHARS])
        if any(s and s in normalised for s in snippets):
            return rank
    return None


def holds(sentences: Sequence[str], evidence: Sequence[str]) -> bool:
    """Whether a sentence contains an evidence snippet, or (10 characters or more) lies inside one.

    >>> holds(["BN可以加快收敛。"], ["加快收敛"]), holds(["池化"], ["池化层的作用"])
    (True, False)
    """
    snippets = [_norm(e) for e in evidence]
    return any(e and (e in t or (len(t) >= 10 and t in e)) for t in map(_norm, sentences) for e in snippets)


def naive_chunks(notes: Sequence[str], size: int = CHUNK_CHARS) -> list[str]:
    """Every note cut into consecutive ``size``-character pieces: the anchors' retrieval units.

    >>> naive_chunks(["abcdefg"], 3)
    ['abc', 'def', 'g']
    """
    return [text[i : i + size] for text in notes for i in range(0, len(text), size) if text[i : i + size].strip()]


@dataclass
class _Tally:
    ranks: list[int | None] = field(default_factory=list)
    briefs: list[bool] = field(default_factory=list)  # answerable questions only; measured for the product
    refused_answerable: int = 0
    unanswerable: int = 0
    refused_unanswerable: int = 0
    low_answerable: int = 0     # shown as a possible match: a needless warning
    low_unanswerable: int = 0   # an unrelated passage, but with a warning
    latencies: list[float] = field(default_factory=list)

    def add(self, q: Question, refused: bool, rank: int | None, ms: float, low: bool = False) -> None:
        self.latencies.append(ms)
        if q.answerable:
            self.ranks.append(None if refused else rank)
            self.refused_answerable += refused
            self.low_answerable += low
        else:
            self.unanswerable += 1
            self.refused_unanswerable += refused
            self.low_unanswerable += low

    def summary(self, refusals: bool) -> dict[str, Any]:
        n = len(self.ranks)
        out: dict[str, Any] = {
            "answerable": n,
            "hit@1": round(sum(r == 1 for r in self.ranks) / n, 3) if n else None,
            "hit@5": round(sum(r is not None and r <= 5 for r in self.ranks) / n, 3) if n else None,
            "mrr": round(sum(1 / r for r in self.ranks if r) / n, 3) if n else None,
            "brief": round(sum(self.briefs) / len(self.briefs), 3) if self.briefs else None,
        }
        if refusals:
            out["unanswerable"] = self.unanswerable
            out["refusal_accuracy"] = round(self.refused_unanswerable / self.unanswerable, 3) if self.unanswerable else None
            out["false_refusal_rate"] = round(self.refused_answerable / n, 3) if n else None
            out["low_answerable"] = round(self.low_answerable / n, 3) if n else None
            out["low_unanswerable"] = round(self.low_unanswerable / self.unanswerable, 3) if self.unanswerable else None
        if self.latencies:
            out["p50_ms"] = round(statistics.median(self.latencies), 1)
        return out


def _tallies() -> dict[str, _Tally]:
    return {"all": _Tally(), "zh": _Tally(), "en": _Tally()}


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, (time.perf_counter() - started) * 1000


class _Anchor:
    """Plain retrieval over naive chunks: BM25, or one embedder's dense cosine."""

    def __init__(self, chunks: list[str], embedder: Embedder | None, cache_dir: Path | None) -> None:
        self.chunks, self.embedder = chunks, embedder
        if embedder is None:
            self.tokenizer = Tokenizer()
            self.bm25 = BM25([self.tokenizer.tokenize(c) for c in chunks])
            return
        path = cache_dir / f"anchor-{embedder.model_id.replace('/', '_')}.npz" if cache_dir else None
        cache = EmbeddingCache.open(embedder.model_id, [bundled_vectors_path(embedder.model_id), *([path] if path else [])])
        self.matrix = cache.embed("passage", chunks, embedder.encode_passages, embedder.dim)
        if path and cache.added:
            cache.save(path)

    def top(self, question: str, k: int) -> list[str]:
        if self.embedder is None:
            scores = self.bm25.scores(self.tokenizer.tokenize(question))
        else:
            scores = self.matrix @ self.embedder.encode_queries([question])[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return [self.chunks[i] for i in order]


def _anchors(kb: Any, anchors: Sequence[str]) -> dict[str, _Anchor]:
    chunks = naive_chunks([d.text for d in kb.snapshot.documents])
    out: dict[str, _Anchor] = {}
    for name in anchors:
        if name == "bm25":
            out["bm25-naive"] = _Anchor(chunks, None, None)
        else:
            embedder = kb.embedder if name == kb.embedder.model_id else embedder_for(name)
            label = "e5-naive" if name == DEFAULT_MODEL else "minilm-naive" if name == MINILM else f"{name}-naive"
            out[label] = _Anchor(chunks, embedder, kb.path / "index")
    return out


def _ask(kb: Any, question: str, k: int) -> Any:
    """The answer, or None when the question is rejected as input (junk counts as refused)."""
    try:
        return kb.ask(question, k=k)
    except InputError:
        return None


def _usable(question: str) -> bool:
    from qa.api import clean_question

    try:
        clean_question(question)
    except InputError:
        return False
    return True


def evaluate(kb: Any, questions: Sequence[Question], k: int = 5, anchors: Sequence[str] = ("bm25", MINILM, DEFAULT_MODEL),
             ablation: bool = True) -> dict[str, Any]:
    """Hybrid (through ``kb.ask``), the anchors and the ablation over ``questions``; by method, then language."""
    kb.ask("warm-up question 预热")  # load the model and tokenizer outside the timings
    results: dict[str, dict[str, _Tally]] = {"hybrid": _tallies()}
    for q in questions:
        answer, ms = _timed(partial(_ask, kb, q.question, k))
        rank = hit_rank([s.text for s in answer.sources], q.evidence) if answer else None
        shown = brief(answer, kb.graph) if answer and not answer.refused else []
        for key in ("all", q.lang):
            results["hybrid"][key].add(q, answer is None or answer.refused, rank, ms, bool(answer) and answer.confidence == "low")
            if q.answerable:
                results["hybrid"][key].briefs.append(holds(shown, q.evidence))
    for name, anchor in _anchors(kb, anchors).items():
        results[name] = _tallies()
        for q in questions:
            texts, ms = _timed(partial(anchor.top, q.question, k))
            for key in ("all", q.lang):
                results[name][key].add(q, False, hit_rank(texts, q.evidence), ms)
    if ablation:
        usable = [q for q in questions if _usable(q.question)]
        for signal in SIGNALS:
            label = f"-{signal}"
            results[label] = _tallies()
            for q in usable:
                found, ms = _timed(partial(kb.retrieve, q.question, k, drop=(signal,)))
                texts = [kb.model.passages[h.passage].text for h in found.hits]
                for key in ("all", q.lang):
                    results[label][key].add(q, False, hit_rank(texts, q.evidence), ms)
    return {m: {lang: t.summary(m == "hybrid") for lang, t in by_lang.items() if t.latencies}
            for m, by_lang in results.items()}


def report(results: dict[str, Any]) -> str:
    """A plain-text table: one row per method and language; ablation rows are named ``-signal``."""
    header = (f"{'method':<14} {'lang':<4} {'n':>4} {'Hit@1':>6} {'Hit@5':>6} {'MRR':>6} {'brief':>6} {'refused':>8} "
              f"{'falseref':>8} {'low/ans':>7} {'low/un':>6} {'p50ms':>7}")
    rows = [header, "-" * len(header)]

    def cell(value: Any, width: int) -> str:
        return f"{value:>{width}}" if value is not None else f"{'-':>{width}}"

    for method, by_lang in results.items():
        if method == f"-{SIGNALS[0]}":
            rows += ["", "ablation (retrieval only, one signal left out):"]
        for lang, s in by_lang.items():
            rows.append(
                f"{method:<14} {lang:<4} {s['answerable']:>4} {cell(s['hit@1'], 6)} {cell(s['hit@5'], 6)} {cell(s['mrr'], 6)} "
                f"{cell(s['brief'], 6)} "
                f"{cell(s.get('refusal_accuracy'), 8)} {cell(s.get('false_refusal_rate'), 8)} "
                f"{cell(s.get('low_answerable'), 7)} {cell(s.get('low_unanswerable'), 6)} {cell(s.get('p50_ms'), 7)}"
            )
    return "\n".join(rows)
