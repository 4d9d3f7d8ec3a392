"""Read-only questions asked of a :class:`KnowledgeGraph`.

All functions take concept names in any alias and return plain records, so the answer
composer, the CLI and the explorer share them.

>>> from kg.model import Concept, Evidence, Relation
>>> g = KnowledgeGraph.from_parts(
...     [Concept("dropout", "Dropout", "technique"), Concept("overfitting", "overfitting", "problem")],
...     [Relation("dropout", "solves", "overfitting", (Evidence("n.md", 3, "Dropout:抑制过拟合"),))])
>>> [c.id for c in solvers_of(g, "overfitting")]
['dropout']
"""
from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from kg.errors import InputError
from kg.graph import KnowledgeGraph
from kg.model import KINDS, RELATIONS, Concept, Relation

__all__ = ["neighbourhood", "paths", "by_kind", "solvers_of", "introduced_by", "targets", "sources"]

MAX_DEPTH = 3


def _check_relations(relations: Iterable[str] | None) -> frozenset[str] | None:
    if relations is None:
        return None
    chosen = frozenset(relations)
    unknown = chosen - set(RELATIONS)
    if unknown:
        raise InputError(f"unknown relation type(s) {sorted(unknown)}: choose from {', '.join(RELATIONS)}")
    return chosen


def neighbourhood(
    graph: KnowledgeGraph, name: str, *, relations: Iterable[str] | None = None, depth: int = 1
) -> tuple[list[Concept], list[Relation]]:
    """Concepts within ``depth`` hops of ``name`` (edges followed both ways) and the edges among them.

    Only edges whose type is in ``relations`` (default: all) are followed and returned.
    The centre comes first in the concept list.
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise InputError(f"depth={depth} is out of range: choose 1..{MAX_DEPTH}")
    allowed = _check_relations(relations)
    centre = graph.resolve(name).id
    g = graph.nx
    seen = {centre}
    frontier = {centre}
    edges: dict[tuple[str, str, str], Relation] = {}
    for _ in range(depth):
        nxt: set[str] = set()
        for node in frontier:
            for rel in graph.relations_of(node):
                if allowed is not None and rel.relation not in allowed:
                    continue
                edges[rel.key] = rel
                other = rel.target if rel.source == node else rel.source
                if other not in seen:
                    nxt.add(other)
        seen |= nxt
        frontier = nxt
    others = sorted(seen - {centre}, key=lambda c: (g.nodes[c]["kind"], g.nodes[c]["name"]))
    return [graph.concept(centre), *(graph.concept(c) for c in others)], list(edges.values())


def paths(graph: KnowledgeGraph, start: str, end: str, *, cutoff: int = 4, limit: int = 5) -> list[list[Relation]]:
    """Up to ``limit`` shortest chains of relations linking two concepts, in either edge direction."""
    a, b = graph.resolve(start).id, graph.resolve(end).id
    undirected = nx.Graph()
    for rel in graph.relations():
        undirected.add_edge(rel.source, rel.target)
    if a not in undirected or b not in undirected:
        return []
    found: list[list[Relation]] = []
    try:
        for node_path in nx.shortest_simple_paths(undirected, a, b):
            if len(node_path) - 1 > cutoff or len(found) >= limit:
                break
            found.append([_edge_between(graph, u, v) for u, v in zip(node_path, node_path[1:])])
    except nx.NetworkXNoPath:
        return []
    return found


def _edge_between(graph: KnowledgeGraph, u: str, v: str) -> Relation:
    return next(r for r in graph.relations_of(u) if {r.source, r.target} == {u, v})


def by_kind(graph: KnowledgeGraph, kind: str) -> list[Concept]:
    """All concepts of ``kind``, sorted by name."""
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}: choose from {', '.join(KINDS)}")
    return sorted((c for c in graph.concepts() if c.kind == kind), key=lambda c: c.name.casefold())


def sources(graph: KnowledgeGraph, name: str, relation: str) -> list[Concept]:
    """Concepts X with an edge ``X -relation-> name``."""
    _check_relations([relation])
    target = graph.resolve(name).id
    return _unique(graph.concept(r.source) for r in graph.relations_of(target)
                   if r.relation == relation and r.target == target)


def targets(graph: KnowledgeGraph, name: str, relation: str) -> list[Concept]:
    """Concepts Y with an edge ``name -relation-> Y``."""
    _check_relations([relation])
    source = graph.resolve(name).id
    return _unique(graph.concept(r.target) for r in graph.relations_of(source)
                   if r.relation == relation and r.source == source)


def solvers_of(graph: KnowledgeGraph, problem: str) -> list[Concept]:
    """Which techniques (layers, architectures...) solve ``problem``."""
    return sources(graph, problem, "solves")


def introduced_by(graph: KnowledgeGraph, architecture: str) -> list[Concept]:
    """What ``architecture`` introduced."""
    return targets(graph, architecture, "introduces")


def _unique(concepts: Iterable[Concept]) -> list[Concept]:
    seen: dict[str, Concept] = {}
    for concept in concepts:
        seen.setdefault(concept.id, concept)
    return list(seen.values())


