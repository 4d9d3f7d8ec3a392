"""The evaluation harness behind ``kgqa eval``: Hit@1, Hit@5, MRR, refusals and latency, with baselines.

A question is a hit at k when one of its evidence snippets occurs in one of the top-k
source texts, both NFKC-normalised with whitespace collapsed. Unanswerable questions score
refusal accuracy; answerable ones the false-refusal rate (a refused answerable question is
also a miss). The same questions are run through two baselines on the same passages:
BM25 on the question's own tokens, and dense retrieval (FAISS, same model). Baselines never
refuse, so their refusal columns are empty.

>>> hit_rank(["卷积的 参数量:C1×K×K×C"], ["参数量:C1×K×K×C"])
1
"""
from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError

__all__ = ["Question", "load_questions", "hit_rank", "evaluate", "report"]

METHODS = ("hybrid", "bm25", "dense")


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
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(Question(
                id=str(raw.get("id", number)), question=raw["question"], lang=raw.get("lang", "zh"),
                answerable=bool(raw["answerable"]), evidence=tuple(e["evidence"] for e in raw.get("evidence") or ()),
                kind=raw.get("kind", ""),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}: not a question record ({exc}); see shared/eval/dev_questions.jsonl") from None
    if not out:
        raise InputError(f"{path}: no questions found")
    return out


def hit_rank(texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first text that contains any evidence snippet, or None."""
    snippets = [_norm(e) for e in evidence]
    for rank, text in enumerate(texts, 1):
        normalised = _norm(text)
        if any(s and s in normalised for s in snippets):
            return rank
    return None


@dataclass
class _Tally:
    ranks: list[int | None] = field(default_factory=list)
    refused_answerable: int = 0
    unanswerable: int = 0
    refused_unanswerable: int = 0
    latencies: list[float] = field(default_factory=list)

    def summary(self, refusals: bool) -> dict[str, Any]:
        n = len(self.ranks)
        out: dict[str, Any] = {
            "answerable": n,
            "hit@1": round(sum(r == 1 for r in self.ranks) / n, 3) if n else None,
            "hit@5": round(sum(r is not None and r <= 5 for r in self.ranks) / n, 3) if n else None,
            "mrr": round(sum(1 / r for r in self.ranks if r) / n, 3) if n else None,
        }
        if refusals:
            out["unanswerable"] = self.unanswerable
            out["refusal_accuracy"] = round(self.refused_unanswerable / self.unanswerable, 3) if self.unanswerable else None
            out["false_refusal_rate"] = round(self.refused_answerable / n, 3) if n else None
        if self.latencies:
            ordered = sorted(self.latencies)
            out["p50_ms"] = round(statistics.median(ordered), 1)
            out["p95_ms"] = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)
        return out


def evaluate(kb, questions: Sequence[Question], k: int = 5) -> dict[str, Any]:
    """Run every method over ``questions``; results by method, then by language ("all", "zh", "en")."""
    kb.ask("warm-up question 预热")  # load the model and tokenizer outside the timings
    tallies = {m: {"all": _Tally(), "zh": _Tally(), "en": _Tally()} for m in METHODS}
    retriever = kb._state.retriever
    passages = kb._state.index.passages
    for q in questions:
        for method in METHODS:
            started = time.perf_counter()
            if method == "hybrid":
                answer = kb.ask(q.question, k=k)
                refused, texts = answer.refused, [s.text for s in answer.sources]
            else:
                refused, texts = False, [passages[i].text for i in retriever.baseline(q.question, method, k)]
            elapsed = (time.perf_counter() - started) * 1000
            for key in ("all", q.lang):
                tally = tallies[method].setdefault(key, _Tally())
                tally.latencies.append(elapsed)
                if q.answerable:
                    tally.ranks.append(None if refused else hit_rank(texts, q.evidence))
                    tally.refused_answerable += refused
                else:
                    tally.unanswerable += 1
                    tally.refused_unanswerable += refused
    return {m: {lang: t.summary(m == "hybrid") for lang, t in by_lang.items()} for m, by_lang in tallies.items()}


def report(results: dict[str, Any]) -> str:
    """A plain-text table: one row per method and language, then hybrid's margins over the baselines."""
    header = f"{'method':<8} {'lang':<4} {'n':>4} {'Hit@1':>6} {'Hit@5':>6} {'MRR':>6} {'refuse':>7} {'falseref':>8} {'p50ms':>7} {'p95ms':>7}"
    rows = [header, "-" * len(header)]

    def cell(value: Any, width: int) -> str:
        return f"{value:>{width}}" if value is not None else f"{'-':>{width}}"

    for method, by_lang in results.items():
        for lang, s in by_lang.items():
            rows.append(
                f"{method:<8} {lang:<4} {s['answerable']:>4} {cell(s['hit@1'], 6)} {cell(s['hit@5'], 6)} {cell(s['mrr'], 6)} "
                f"{cell(s.get('refusal_accuracy'), 7)} {cell(s.get('false_refusal_rate'), 8)} "
                f"{cell(s.get('p50_ms'), 7)} {cell(s.get('p95_ms'), 7)}"
            )
    for baseline in ("bm25", "dense"):
        for lang in results["hybrid"]:
            h, b = results["hybrid"][lang], results[baseline].get(lang)
            if b and h["hit@1"] is not None:
                rows.append(
                    f"hybrid vs {baseline} [{lang}]: Hit@1 {h['hit@1'] - b['hit@1']:+.3f}, "
                    f"Hit@5 {h['hit@5'] - b['hit@5']:+.3f}, MRR {h['mrr'] - b['mrr']:+.3f}"
                )
    return "\n".join(rows)
