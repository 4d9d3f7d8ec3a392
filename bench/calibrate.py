"""Fit the ranker and the refusal model on our own questions, with k-fold cross-validated figures.

    python bench/calibrate.py [--train tests/data/eval/train.jsonl] [--folds 5] [--ranker trees|linear] [--write]

1. Every training question is retrieved once; its fused candidates and their features are
   kept (they do not depend on the ranker).
2. The ranker (LambdaRank trees, or with ``--ranker linear`` pointwise logistic regression; in
   both, similarity features may only raise a passage) is cross-validated by question: each
   fold is ranked by a ranker fitted on the other folds, giving out-of-fold scores.
3. The refusal model is cross-validated on the question features built from those
   out-of-fold scores; each fold's thresholds are chosen on its training folds only.
4. The script prints the cross-validated figures per language beside the fused (RRF) order,
   then fits the ranker on all questions and the refusal model on all questions' out-of-fold
   ranker scores and, with ``--write``, saves them to ``qa/models/``. The dev and held-out sets
   are never used for fitting.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.api import KnowledgeBase, Settings  # noqa: E402
from qa.embed import DEFAULT_MODEL  # noqa: E402
from qa.evaluate import Question, hit_rank, load_questions  # noqa: E402
from qa.linear import LinearModel, fit_logistic  # noqa: E402
from qa.ranker import RANKER_FILE, Ranker  # noqa: E402
from qa.refusal import RefusalModel, refusal_file  # noqa: E402
from qa.retrieve import FEATURES, QUESTION_FEATURES, Retrieval  # noqa: E402
from qa.trees import fit_lambdarank  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MAX_FALSE_REFUSALS = 0.01   # of answerable training questions, when choosing the refusal threshold
LOW_MAX = 0.9               # a "possible match" band never reaches past this probability
RankerKind = Literal["trees", "linear"]
RANKER_EITHER_WAY = frozenset({"log_len", "latin_en", "code", "first", "gap_sentence", "gap_heading"})
# Refusal: how well the best passages match may only make a question more answerable, and what the
# notes never mention only less; margin, linked concepts and English may count either way.
# (Held-out, in one run: Chinese near misses refused 45% free, 64% signed; CV the same.)
REFUSAL_RISING = frozenset({"top", "cos_sentence", "cos_heading", "cos_passage", "coverage"})
REFUSAL_FALLING = frozenset({"novelty", "unknown", "absent", "english_novelty"})


@dataclass(frozen=True)
class Row:
    """One question's candidates: features (n, F), passage labels (n,), and its retrieval."""

    question: Question
    x: np.ndarray
    y: np.ndarray
    found: Retrieval


def prepare(kb: KnowledgeBase, questions: list[Question]) -> list[Row]:
    retriever = kb.retriever()
    rows = []
    for q in questions:
        found = retriever.retrieve(q.question, 0)
        texts = [kb.model.passages[h.passage].text for h in found.hits]
        x = np.array([h.features for h in found.hits]) if found.hits else np.zeros((0, len(FEATURES)))
        y = np.array([hit_rank([t], q.evidence) == 1 for t in texts], dtype=int) if q.answerable else np.zeros(len(texts), int)
        rows.append(Row(q, x, y, found))
    return rows


def folds(rows: list[Row], k: int) -> list[int]:
    """A deterministic fold per question, stratified by (language, answerable)."""
    out = [0] * len(rows)
    counters: dict[tuple[str, bool], int] = {}
    for i, r in enumerate(rows):
        key = (r.question.lang, r.question.answerable)
        out[i] = counters.get(key, 0) % k
        counters[key] = counters.get(key, 0) + 1
    return out


def fit_ranker(rows: list[Row], c: float, kind: RankerKind = "trees") -> Ranker:
    """Every similarity, rank and match feature may only raise a passage; the passage's shape
    (length, Latin or code share, first in its note) and the cosine gaps may count either way.
    ``trees``: LambdaRank over each question's candidates; ``linear``: pointwise logistic (``c``)."""
    rising = [n for n in FEATURES if n not in RANKER_EITHER_WAY]
    answerable = [r for r in rows if r.question.answerable and len(r.x)]
    if kind == "trees":
        return Ranker(fit_lambdarank([(r.x, r.y) for r in answerable], FEATURES, increasing=rising))
    x, y = np.vstack([r.x for r in answerable]), np.concatenate([r.y for r in answerable])
    return Ranker(fit_logistic(x, y, FEATURES, c=c, monotone=rising))


def question_features(row: Row, scores: np.ndarray) -> tuple[float, ...]:
    """QUESTION_FEATURES of a row under ranker ``scores`` (mirrors Retriever.retrieve)."""
    if not len(scores):
        return (0.0,) * len(QUESTION_FEATURES)
    order = np.argsort(-scores, kind="stable")
    col = {n: i for i, n in enumerate(FEATURES)}
    top = float(scores[order[0]])
    second = float(scores[order[1]]) if len(order) > 1 else -5.0
    base = row.found.features
    # The best cosines are the plain question's (Retriever.retrieve), whatever the ranker's order.
    return (top, top - second, *base[2:5], float(row.x[order[0], col["coverage"]]), *base[6:])


def fit_refusal(x: np.ndarray, y: np.ndarray, c: float, right: np.ndarray) -> RefusalModel:
    """The refusal model of question features ``x`` (``y``: answerable) and its two thresholds.

    Refused: below the probability that refuses :data:`MAX_FALSE_REFUSALS` of the answerable
    questions. A possible match: from there up to where the passages shown become more often
    right than wrong (``right``: one of them holds the evidence), read off a one-feature
    logistic fit of ``right`` on the probability. (Asking the same of the first passage alone
    would put the band's top at 0.5 rather than 0.3 on our training questions: it would mark 16%
    of the answerable ones, and 28% of the held-out ones, where the passages shown are as often
    right as wrong.)
    """
    model = fit_logistic(x, y, QUESTION_FEATURES, c=c, monotone=REFUSAL_RISING, falling=REFUSAL_FALLING)
    probe = RefusalModel(model)
    p = np.array([probe.probability(row) for row in x])
    answerable = np.sort(p[y == 1])
    allowed = int(MAX_FALSE_REFUSALS * len(answerable))
    refuse = float(answerable[allowed]) - 1e-6 if len(answerable) else 0.5
    refuse = round(min(refuse, 0.5), 4)
    shown = p >= refuse
    low = refuse
    if 0 < right[shown].sum() < shown.sum():
        fit = LogisticRegression().fit(p[shown].reshape(-1, 1), right[shown])
        if fit.coef_[0, 0] > 0:
            low = -float(fit.intercept_[0]) / float(fit.coef_[0, 0])
    return RefusalModel(model, refuse, round(min(max(low, refuse), LOW_MAX), 4))


def rank_of(row: Row, scores: np.ndarray) -> int | None:
    if not row.question.answerable or not len(scores):
        return None
    order = np.argsort(-scores, kind="stable")
    hits = [i for i, j in enumerate(order[:5], 1) if row.y[j]]
    return hits[0] if hits else None


def metrics(rows: list[Row], ranks: list[int | None], refused: list[bool], low: list[bool]) -> dict[str, dict]:
    out = {}
    for lang in ("all", "zh", "en"):
        idx = [i for i, r in enumerate(rows) if lang in ("all", r.question.lang)]
        ans = [i for i in idx if rows[i].question.answerable]
        una = [i for i in idx if not rows[i].question.answerable]
        near = [i for i in una if rows[i].question.kind == "near_miss"]

        def share(items: list[int], test) -> float | None:  # type: ignore[no-untyped-def]
            return round(sum(1 for i in items if test(i)) / len(items), 3) if items else None

        out[lang] = {
            "n": len(ans), "hit@1": share(ans, lambda i: not refused[i] and ranks[i] == 1),
            "hit@5": share(ans, lambda i: not refused[i] and ranks[i] is not None),
            "false_refusals": share(ans, lambda i: refused[i]),
            "refused_unanswerable": share(una, lambda i: refused[i]),
            "refused_near_miss": share(near, lambda i: refused[i]),
            # Shown as a possible match: answerable questions (a needless warning) and the
            # unanswerable ones not refused (an unrelated passage, but with a warning).
            "low_answerable": share(ans, lambda i: low[i] and not refused[i]),
            "low_unanswerable": share(una, lambda i: low[i] and not refused[i]),
        }
    return out


def cross_validate(rows: list[Row], k: int, c_rank: float, c_ref: float,
                   kind: RankerKind = "trees") -> tuple[dict, dict, list[np.ndarray]]:
    fold = folds(rows, k)
    oof: list[np.ndarray] = [np.zeros(0)] * len(rows)
    for f in range(k):
        ranker = fit_ranker([r for r, g in zip(rows, fold) if g != f], c_rank, kind)
        for i, (r, g) in enumerate(zip(rows, fold)):
            if g == f:
                oof[i] = ranker.score(r.x) if len(r.x) else np.zeros(0)
    qx = np.array([question_features(r, s) for r, s in zip(rows, oof)])
    qy = np.array([int(r.question.answerable) for r in rows])
    ranks = [rank_of(r, s) for r, s in zip(rows, oof)]
    right = np.array([rank is not None for rank in ranks])
    refused, low = [False] * len(rows), [False] * len(rows)
    for f in range(k):
        # Questions without candidates (vague ones, "hi") are refused before the model is asked.
        train = [i for i, g in enumerate(fold) if g != f and len(rows[i].x)]
        model = fit_refusal(qx[train], qy[train], c_ref, right[train])
        for i, g in enumerate(fold):
            if g == f:
                state = model.state(qx[i]) if len(rows[i].x) else "refused"
                refused[i], low[i] = state == "refused", state == "low"
    fused = [rank_of(r, r.x[:, 0]) if len(r.x) else None for r in rows]
    never = [False] * len(rows)
    return metrics(rows, ranks, refused, low), metrics(rows, fused, never, never), oof


def table(title: str, m: dict) -> str:
    lines = [title]
    for lang, s in m.items():
        lines.append(f"  {lang:<3} n={s['n']:<4} Hit@1 {s['hit@1']}  Hit@5 {s['hit@5']}  false refusals {s['false_refusals']}  "
                     f"refused unanswerable {s['refused_unanswerable']} (near misses {s['refused_near_miss']})  "
                     f"possible match: answerable {s['low_answerable']}, unanswerable {s['low_unanswerable']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=ROOT / "tests/data/eval/train.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--ranker", choices=("trees", "linear"), default="trees",
                        help="LambdaRank trees (shipped) or the monotone logistic ranker")
    parser.add_argument("--c-rank", type=float, default=0.3, help="the logistic ranker's C")
    parser.add_argument("--c-refusal", type=float, default=0.3)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="embedder the refusal model is fitted for")
    parser.add_argument("--write", action="store_true", help="save the models fitted on all questions to qa/models/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as kb_dir:
        # Fitting starts from the fused order, never from the models it is about to replace.
        kb = KnowledgeBase.open(kb_dir, settings=Settings(model=args.model, ranker=Ranker.default(FEATURES),
                                                          refusal=RefusalModel.default(QUESTION_FEATURES)))
        rows = prepare(kb, load_questions(args.train))
        model_id = kb.embedder.model_id
    cv, fused, oof = cross_validate(rows, args.folds, args.c_rank, args.c_refusal, args.ranker)
    print(table(f"fused order (RRF), no refusal, on {args.train.name}:", fused))
    print(table(f"{args.folds}-fold cross-validated {args.ranker} ranker + refusal, on {args.train.name}:", cv))
    ranker = fit_ranker(rows, args.c_rank, args.ranker)
    # The refusal model learns from out-of-fold ranker scores: a new question's scores look like
    # those, not like the (higher) scores the final ranker gives the questions it was fitted on.
    usable = [i for i, r in enumerate(rows) if len(r.x)]
    qx = np.array([question_features(rows[i], oof[i]) for i in usable])
    refusal = fit_refusal(qx, np.array([int(rows[i].question.answerable) for i in usable]), args.c_refusal,
                          np.array([rank_of(rows[i], oof[i]) is not None for i in usable]))
    if isinstance(ranker.model, LinearModel):
        print("ranker weights:", ", ".join(f"{n}={w:+.2f}" for n, w in zip(FEATURES, ranker.model.weights)))
    else:
        used = Counter(FEATURES[f] for f in ranker.model.feature if f >= 0)
        print(f"ranker: {len(ranker.model.roots)} trees; splits per feature:", ", ".join(f"{n}={c}" for n, c in used.most_common()))
    print("refusal weights:", ", ".join(f"{n}={w:+.2f}" for n, w in zip(QUESTION_FEATURES, refusal.model.weights)),
          f"refuse<{refusal.refuse_below} low<{refusal.low_below}")
    if args.write:
        RANKER_FILE.parent.mkdir(parents=True, exist_ok=True)
        RANKER_FILE.write_text(json.dumps(ranker.model.to_dict(), indent=1) + "\n", encoding="utf-8")
        path = refusal_file(model_id)
        path.write_text(json.dumps(refusal.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {RANKER_FILE} and {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
