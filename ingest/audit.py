"""Score an extracted graph against labelled relation sets: facts it must hold, errors it must not.

A labelled relation is one JSON line in the style of the shared golden set: names (any
alias) for source and target, the accepted relation types, and where the notes say it:
``{"source": ["NIN"], "relation": ["introduces"], "target": ["1x1卷积"], "where": "04-...md:652"}``.
Recall is the share of positives the graph holds with evidence; for negatives, the share
absent is the precision proxy. Both are reported per relation type.

>>> from kg.model import Concept, Evidence, Relation
>>> g = KnowledgeGraph.from_parts([Concept("a", "A", "technique"), Concept("p", "P", "problem")],
...                               [Relation("a", "solves", "p", (Evidence("n.md", 1, "A解决P"),))])
>>> score(g, [{"source": ["A"], "relation": ["solves"], "target": ["P"]}])["solves"]
(1, 1)
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kg.graph import KnowledgeGraph
from kg.text import compact

__all__ = ["load_labels", "holds", "score", "report"]

Label = Mapping[str, Any]


def load_labels(path: Path) -> list[dict[str, Any]]:
    """The labelled relations of a JSONL file (blank lines skipped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _ids(graph: KnowledgeGraph, names: Iterable[str]) -> set[str]:
    keys = {compact(n) for n in names}
    return {c.id for c in graph.concepts() if keys & {compact(a) for a in (c.name, *c.aliases)}}


def holds(graph: KnowledgeGraph, label: Label) -> bool:
    """Whether some edge of an accepted type joins a source name to a target name, with evidence."""
    sources, targets = _ids(graph, label["source"]), _ids(graph, label["target"])
    kinds = set(label["relation"])
    return any(
        r.relation in kinds and r.target in targets and r.evidence
        for s in sources if s in graph for r in graph.relations_of(s) if r.source == s
    )


def score(graph: KnowledgeGraph, labels: Iterable[Label]) -> dict[str, tuple[int, int]]:
    """Per relation type (the label's first), (labels the graph holds, labels); key ``all`` sums them."""
    counts: dict[str, list[int]] = {}
    for label in labels:
        for key in (label["relation"][0], "all"):
            held, total = counts.setdefault(key, [0, 0])
            counts[key] = [held + holds(graph, label), total + 1]
    return {k: (v[0], v[1]) for k, v in sorted(counts.items())}


def report(positives: Mapping[str, tuple[int, int]], negatives: Mapping[str, tuple[int, int]]) -> str:
    """A table: recall (positives present) and precision proxy (negatives absent) per relation."""
    rows = [f"{'relation':<16}{'recall':>16}{'negatives absent':>20}"]
    for key in sorted(set(positives) | set(negatives), key=lambda k: (k == "all", k)):
        held, total = positives.get(key, (0, 0))
        present, bad = negatives.get(key, (0, 0))
        recall = f"{held}/{total} {held / total:.0%}" if total else "-"
        absent = f"{bad - present}/{bad} {(bad - present) / bad:.0%}" if bad else "-"
        rows.append(f"{key:<16}{recall:>16}{absent:>20}")
    return "\n".join(rows)
