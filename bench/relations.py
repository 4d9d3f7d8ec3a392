"""Precision and recall of relation extraction on the bundled notes, per relation type.

    python bench/relations.py                 # the table, and the hand-labelled sample's precision
    python bench/relations.py --draw 50 --seed 9 > draft.jsonl   # a fresh sample to label

Recall: the share of ``tests/data/relations/positive.jsonl`` (relations the notes state)
that the graph holds. Precision: the share of ``negative.jsonl`` (known wrong edges) that it
does not hold, and the share of a seeded random sample of its edges judged correct by a
reader (``sample_labels*.jsonl``, one file per seed). The sample is drawn from the edges sorted by their key, so
the same graph and seed always give the same sample.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.audit import load_labels, report, score  # noqa: E402
from ingest.pipeline import build, bundled_catalogue, bundled_notes  # noqa: E402
from kg.graph import KnowledgeGraph  # noqa: E402

DATA = ROOT / "tests" / "data" / "relations"


def draw(graph: KnowledgeGraph, n: int, seed: int) -> list[dict]:
    """``n`` edges at random (seeded), with what a reader needs to judge them."""
    edges = sorted(graph.relations(), key=lambda r: r.key)
    rows = []
    for r in random.Random(seed).sample(edges, min(n, len(edges))):
        ev = r.evidence[0]
        rows.append({"seed": seed, "edge": [graph.concept(r.source).name, r.relation, graph.concept(r.target).name],
                     "rule": r.rule, "confidence": r.confidence, "evidence": f"{ev.doc}:{ev.line} {ev.text}",
                     "label": "?"})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draw", type=int, metavar="N", help="print a fresh sample of N edges to label")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    notes = bundled_notes()
    graph = build(notes, bundled_catalogue(), bundled=[n.id for n in notes]).graph
    if args.draw:
        for row in draw(graph, args.draw, args.seed):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    stats = graph.stats()
    print(f"bundled graph: {stats['concepts']} concepts, {stats['relations']} edges {stats['by_relation']}")
    isolated = sum(1 for c in graph.concepts() if not graph.relations_of(c.id))
    print(f"nodes without an edge: {isolated}/{stats['concepts']} ({isolated / stats['concepts']:.0%}); "
          f"{stats['terms']} more concepts are linking terms (named in the notes, related to nothing)")
    print(report(score(graph, load_labels(DATA / "positive.jsonl")), score(graph, load_labels(DATA / "negative.jsonl"))))
    for path in sorted(DATA.glob("sample_labels*.jsonl")):
        sample = load_labels(path)
        labels = Counter(s["label"] for s in sample)
        print(f"hand-labelled sample (seed {sample[0]['seed']}): {labels['correct']}/{len(sample)} correct "
              f"({labels['correct'] / len(sample):.0%}); {dict(labels)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
