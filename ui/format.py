"""Plain-text views of graph records for the terminal.

>>> stats_report({"concepts": 2, "relations": 1, "proposed": 0, "by_kind": {"layer": 2}, "by_relation": {"solves": 1}})
'concepts: 2 (0 proposed)\\n  layer          2\\nrelations: 1\\n  solves         1'
"""
from __future__ import annotations

from typing import Any

from kg.graph import KnowledgeGraph
from kg.model import Concept, Relation

__all__ = ["stats_report", "concept_report", "relation_line"]


def stats_report(stats: dict[str, Any]) -> str:
    lines = [f"concepts: {stats['concepts']} ({stats['proposed']} proposed)"]
    lines += [f"  {kind:<14} {count}" for kind, count in stats["by_kind"].items()]
    lines.append(f"relations: {stats['relations']}")
    lines += [f"  {rel:<14} {count}" for rel, count in stats["by_relation"].items()]
    return "\n".join(lines)


def relation_line(graph: KnowledgeGraph, relation: Relation) -> str:
    """``ResNet -introduces-> residual connection``."""
    return f"{graph.concept(relation.source).name} -{relation.relation}-> {graph.concept(relation.target).name}"


def concept_report(graph: KnowledgeGraph, concept: Concept, relations: list[Relation]) -> str:
    lines = [f"{concept.name} [{concept.kind}{', proposed' if concept.proposed else ''}]  id={concept.id}"]
    if concept.zh:
        lines.append(f"  中文: {', '.join(concept.zh)}")
    lines.append(f"  aliases: {', '.join(concept.aliases)}")
    if concept.gloss:
        lines.append(f"  gloss: {concept.gloss}")
    lines.append(f"  relations ({len(relations)}):")
    for rel in relations:
        why = f"  (rule {rel.rule}, confidence {rel.confidence:.2f})" if rel.rule else ""
        lines.append(f"    {relation_line(graph, rel)}{why}")
        for ev in rel.evidence[:3]:
            lines.append(f"      [{ev.doc}:{ev.line}] {ev.text}")
        if len(rel.evidence) > 3:
            lines.append(f"      (+{len(rel.evidence) - 3} more)")
    return "\n".join(lines)
