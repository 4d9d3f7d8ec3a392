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

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from kg.errors import InputError
from kg.graph import KnowledgeGraph
from kg.model import KINDS, RELATIONS, Concept, Relation
from kg.text import compact, fold

__all__ = ["neighbourhood", "paths", "by_kind", "solvers_of", "introduced_by", "targets", "sources",
           "MatchTier", "Match", "search", "close_names", "Community", "Overview", "communities"]

MAX_DEPTH = 3


def _check_relations(relations: Iterable[str] | None) -> frozenset[str] | None:
    if relations is None:
        return None
    chosen = frozenset(relations)
    unknown = chosen - set(RELATIONS)
    if unknown:
        raise InputError(f"unknown relation type(s) {sorted(unknown)}: choose from {', '.join(RELATIONS)}")
    return chosen


def _check_kinds(kinds: Iterable[str] | None) -> frozenset[str] | None:
    if kinds is None:
        return None
    chosen = frozenset(kinds)
    unknown = chosen - set(KINDS)
    if unknown:
        raise InputError(f"unknown kind(s) {sorted(unknown)}: choose from {', '.join(KINDS)}")
    return chosen


def neighbourhood(
    graph: KnowledgeGraph, name: str, *, relations: Iterable[str] | None = None, depth: int = 1,
    kinds: Iterable[str] | None = None,
) -> tuple[list[Concept], list[Relation]]:
    """Concepts within ``depth`` hops of ``name`` (edges followed both ways) and the edges among them.

    Only edges whose type is in ``relations`` (default: all) are followed and returned, and only
    concepts whose kind is in ``kinds`` (default: all) are reached; the centre is always kept.
    The centre comes first in the concept list.
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise InputError(f"depth={depth} is out of range: choose 1..{MAX_DEPTH}")
    allowed = _check_relations(relations)
    kept = _check_kinds(kinds)
    centre = graph.resolve(name).id
    g = graph.nx
    seen = {centre}
    frontier = {centre}
    edges: dict[tuple[str, str, str], Relation] = {}
    for _ in range(depth):
        nxt: set[str] = set()
        for node in frontier:
            for rel in graph.relations_of(node):
                other = rel.target if rel.source == node else rel.source
                if allowed is not None and rel.relation not in allowed:
                    continue
                if kept is not None and other != centre and g.nodes[other]["kind"] not in kept:
                    continue
                edges[rel.key] = rel
                if other not in seen:
                    nxt.add(other)
        seen |= nxt
        frontier = nxt
    # Edges between two concepts of the last ring are part of the picture too.
    for node in seen:
        for rel in graph.relations_of(node):
            if {rel.source, rel.target} <= seen and (allowed is None or rel.relation in allowed):
                edges.setdefault(rel.key, rel)
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
    """All concepts of ``kind``, nodes and terms, sorted by name."""
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}: choose from {', '.join(KINDS)}")
    return sorted((c for c in graph.vocabulary() if c.kind == kind), key=lambda c: c.name.casefold())


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




# -- search: the explorer's box ranks names the way a search box does ---------------------------------

MatchTier = Literal["exact", "prefix", "word", "substring"]
_TIERS: tuple[MatchTier, ...] = ("exact", "prefix", "word", "substring")


@dataclass(frozen=True)
class Match:
    """A concept found by :func:`search`: how its best name matched (``tier``) and which name that was."""

    concept: Concept
    tier: MatchTier
    surface: str


def _surfaces(concept: Concept) -> tuple[str, ...]:
    return tuple(dict.fromkeys((concept.name, *concept.zh, *concept.aliases, concept.id.replace("_", " "))))


def _tier(query: str, squeezed: str, surface: str) -> int | None:
    """0 exact, 1 prefix, 2 a later word starts with it, 3 anywhere inside; None: no match.

    Compared folded (case, width, ``1×1``/``1*1``) and without spaces, so "Batch-Norm" is "BatchNorm".
    """
    folded, joined = fold(surface), compact(surface)
    if folded == query or joined == squeezed:
        return 0
    if joined.startswith(squeezed):
        return 1
    if any(word.startswith(query) for word in folded.split(" ")[1:]):
        return 2
    return 3 if squeezed in joined else None


def search(graph: KnowledgeGraph, text: str, *, limit: int = 10) -> list[Match]:
    """Concepts whose names match ``text``, best first, as a search box ranks them.

    An exact alias (any name the concept goes by, folded) beats a prefix, which beats a word
    inside a name, which beats any substring. Within a tier the closest name wins (fewest extra
    characters), then the better-connected concept, then the name. So "resnet" finds ResNet
    before Inception-ResNet, and "感受野" finds 感受野 before 增大感受野. Terms (concepts the
    notes name but relate to nothing) are found too, with no connections.

    >>> g = KnowledgeGraph.from_parts([Concept("ir", "Inception-ResNet", "architecture"),
    ...                                Concept("r", "ResNet", "architecture")], [])
    >>> [(m.concept.name, m.tier) for m in search(g, "resnet")]
    [('ResNet', 'exact'), ('Inception-ResNet', 'word')]
    """
    query, squeezed = fold(text).strip(), compact(text)
    if not squeezed:
        return []
    ranked: list[tuple[tuple[int, int, int, str], Match]] = []
    for concept in graph.vocabulary():
        best: tuple[int, int, str] | None = None
        for surface in _surfaces(concept):
            tier = _tier(query, squeezed, surface)
            if tier is not None:
                key = (tier, len(compact(surface)) - len(squeezed), surface)
                best = key if best is None or key < best else best
        if best is not None:
            degree = int(graph.nx.degree(concept.id)) if graph.is_node(concept.id) else 0
            rank = (best[0], best[1], -degree, concept.name.casefold())
            ranked.append((rank, Match(concept, _TIERS[best[0]], best[2])))
    ranked.sort(key=lambda pair: pair[0])
    return [match for _, match in ranked[:limit]]


def close_names(graph: KnowledgeGraph, text: str, *, limit: int = 5) -> list[Concept]:
    """Concepts with a name spelled close to ``text`` (for "did you mean"), closest first.

    >>> g = KnowledgeGraph.from_parts([Concept("bn", "Batch Normalization", "technique")], [])
    >>> [c.id for c in close_names(g, "batch normalisation")]
    ['bn']
    """
    owner: dict[str, str] = {}
    for concept in graph.vocabulary():
        for surface in _surfaces(concept):
            owner.setdefault(fold(surface), concept.id)
    hits = difflib.get_close_matches(fold(text).strip(), list(owner), n=4 * limit, cutoff=0.6)
    return [graph.concept(c) for c in dict.fromkeys(owner[h] for h in hits)][:limit]


# -- communities: the overview draws groups of concepts, not every node -------------------------------

@dataclass(frozen=True)
class Community:
    """Concepts that link mostly among themselves; ``members`` best-connected first."""

    members: tuple[str, ...]

    @property
    def hub(self) -> str:
        """The best-connected member, which names the community."""
        return self.members[0]


@dataclass(frozen=True)
class Overview:
    """The graph seen from above: its communities, the edges drawn, the nodes with no drawn edge
    (``isolated``) and the ``terms`` of the chosen kinds (named in the notes, related to nothing)."""

    communities: tuple[Community, ...]
    relations: tuple[Relation, ...]
    isolated: tuple[str, ...]
    terms: tuple[str, ...] = ()

    def community_of(self, concept_id: str) -> Community | None:
        return next((c for c in self.communities if concept_id in c.members), None)


def communities(graph: KnowledgeGraph, *, kinds: Iterable[str] | None = None,
                relations: Iterable[str] | None = None, seed: int = 7) -> Overview:
    """Louvain communities of the concepts of ``kinds`` joined by edges of ``relations`` (default: all).

    Deterministic for a given ``seed``; the largest community comes first. Nodes of the
    chosen kinds with no chosen edge are returned as ``isolated``, and the graph's terms of
    those kinds as ``terms``, each sorted by name.

    >>> g = KnowledgeGraph.from_parts([Concept(x, x, "concept") for x in "abcz"],
    ...     [Relation("a", "causes", "b"), Relation("b", "causes", "c")])
    >>> ov = communities(g)
    >>> [c.members for c in ov.communities], ov.isolated
    ([('b', 'a', 'c')], ('z',))
    """
    kept, allowed = _check_kinds(kinds), _check_relations(relations)
    chosen = [c for c in graph.concepts() if kept is None or c.kind in kept]
    ids = {c.id for c in chosen}
    edges = tuple(r for r in graph.relations()
                  if r.source in ids and r.target in ids and (allowed is None or r.relation in allowed))
    weights = Counter(frozenset((r.source, r.target)) for r in edges if r.source != r.target)
    simple = nx.Graph()
    pairs = sorted((sorted(pair), w) for pair, w in weights.items())  # sorted: Louvain's result depends on order
    simple.add_weighted_edges_from((a, b, w) for (a, b), w in pairs)
    degree = Counter(end for r in edges for end in (r.source, r.target))
    groups = nx.community.louvain_communities(simple, weight="weight", seed=seed) if simple else []
    ordered = sorted((tuple(sorted(g, key=lambda c: (-degree[c], c))) for g in groups),
                     key=lambda members: (-len(members), members[0]))
    alone = (c for c in chosen if c.id not in degree)
    isolated = tuple(c.id for c in sorted(alone, key=lambda c: c.name.casefold()))
    terms = tuple(t.concept.id for t in sorted(graph.terms(), key=lambda t: t.concept.name.casefold())
                  if kept is None or t.concept.kind in kept)
    return Overview(tuple(Community(m) for m in ordered), edges, isolated, terms)
