"""Fit the fusion weights and the refusal model on our own question set, report held-out sets.

    python bench/calibrate.py [--kb DIR] [--train tests/data/eval/train.jsonl] [--heldout FILE ...]

Signals are computed once per question; fusion configurations are then searched by
coordinate ascent on the training set's mean reciprocal rank (ties broken by Hit@1), and
the refusal model is fitted on the training set's features. The script prints the
configuration to put in ``qa/retrieve.py`` and ``qa/refusal.py`` and the metrics of the
held-out sets under it. The dev set is never used for fitting.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.api import KnowledgeBase  # noqa: E402
from qa.evaluate import hit_rank, load_questions  # noqa: E402
from qa.refusal import fit  # noqa: E402
from qa.retrieve import SIGNALS, RetrievalConfig  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def prepare(kb: KnowledgeBase, path: Path) -> list[tuple]:
    retriever = kb._state.retriever
    rows = []
    for q in load_questions(path):
        scores, base = retriever.signals(q.question)
        rows.append((q, scores, base))
    return rows


def ranks(kb: KnowledgeBase, rows: list[tuple], config: RetrievalConfig) -> list[int | None]:
    retriever = kb._state.retriever
    retriever.config = config
    passages = kb._state.index.passages
    out = []
    for q, scores, _ in rows:
        if not q.answerable:
            continue
        hits = retriever.fuse(scores)[:5]
        out.append(hit_rank([passages[h.passage].text for h in hits], q.evidence))
    return out


def score(found: list[int | None]) -> tuple[float, float, float]:
    n = len(found) or 1
    mrr = sum(1 / r for r in found if r) / n
    return (round(mrr, 4), round(sum(r == 1 for r in found) / n, 4), round(sum(r is not None for r in found) / n, 4))


def search(kb: KnowledgeBase, rows: list[tuple], start: RetrievalConfig) -> RetrievalConfig:
    best, best_score = start, score(ranks(kb, rows, start))
    for _ in range(3):
        improved = False
        for signal in SIGNALS:
            for value in (0.0, 0.3, 0.6, 1.0, 1.5, 2.0, 3.0):
                weights = tuple((s, value if s == signal else w) for s, w in best.weights)
                trial = dataclasses.replace(best, weights=weights)
                trial_score = score(ranks(kb, rows, trial))
                if trial_score > best_score:
                    best, best_score, improved = trial, trial_score, True
        for field_name, values in (("rrf_k", (2, 5, 10, 20, 40)), ("pool", (5, 8, 12, 20, 40))):
            for value in values:
                trial = dataclasses.replace(best, **{field_name: value})
                trial_score = score(ranks(kb, rows, trial))
                if trial_score > best_score:
                    best, best_score, improved = trial, trial_score, True
        if not improved:
            break
    return best


def features(kb: KnowledgeBase, rows: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    x, y = [], []
    for q, _, _ in rows:
        x.append(kb.features(kb.retrieve(q.question)))
        y.append(1.0 if q.answerable else 0.0)
    return np.array(x), np.array(y)


def refusal_report(model, x: np.ndarray, y: np.ndarray) -> str:
    refused = np.array([model.refuse(row) for row in x])
    unans = y == 0
    acc = refused[unans].mean() if unans.any() else float("nan")
    false = refused[~unans].mean() if (~unans).any() else float("nan")
    return f"refusal accuracy {acc:.3f} on {int(unans.sum())}, false refusals {false:.3f} on {int((~unans).sum())}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path("/tmp/kgqa-calibrate-kb"))
    parser.add_argument("--train", type=Path, default=ROOT / "tests/data/eval/train.jsonl")
    parser.add_argument("--heldout", type=Path, nargs="*",
                        default=[ROOT / "tests/data/eval/robustness.jsonl", ROOT.parent / "shared/eval/dev_questions.jsonl"])
    args = parser.parse_args()
    kb = KnowledgeBase.open(args.kb)
    train = prepare(kb, args.train)
    start = kb.settings.retrieval
    print(f"train, current config: MRR/Hit@1/Hit@5 = {score(ranks(kb, train, start))}")
    best = search(kb, train, start)
    print(f"train, fitted config:  MRR/Hit@1/Hit@5 = {score(ranks(kb, train, best))}")
    print(f"RetrievalConfig(weights={best.weights}, rrf_k={best.rrf_k}, pool={best.pool})")
    kb.settings = dataclasses.replace(kb.settings, retrieval=best)
    kb._state.retriever.config = best
    x, y = features(kb, train)
    model = fit(x, y)
    print(f"RefusalModel(weights={model.weights}, bias={model.bias}, threshold={model.threshold})")
    print(f"train refusals: {refusal_report(model, x, y)}")
    for path in args.heldout:
        if not path.exists():
            continue
        rows = prepare(kb, path)
        print(f"{path.name}: start {score(ranks(kb, rows, start))} -> fitted {score(ranks(kb, rows, best))}")
        hx, hy = features(kb, rows)
        print(f"{path.name}: {refusal_report(model, hx, hy)}")


if __name__ == "__main__":
    main()
