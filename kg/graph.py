"""The typed concept graph: :class:`KnowledgeGraph` over a networkx ``MultiDiGraph``.

Nodes are concept ids with attributes ``name``, ``kind``, ``aliases`` (list), ``gloss``,
``zh``, ``category`` and ``proposed``. Edges are keyed by their relation type, so one
(source, relation, target) triple is one edge whose ``evidence`` list grows as more
sentences support it.

>>> g = KnowledgeGraph()
>>> g.add_concept(Concept("bn", "Batch Normalization", "technique", aliases=("BN",)))
>>> g.resolve("bn").name
'Batch Normalization'
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from kg.errors import NotFoundError
from kg.model import Concept, Evidence, Relation
from kg.text import compact, fold

__all__ = ["KnowledgeGraph"]


class KnowledgeGraph:
    """Concepts and evidence-backed relations, with lookup by any alias."""

    def __init__(self, graph: nx.MultiDiGraph | None = None) -> None:
        self._g: nx.MultiDiGraph = graph if graph is not None else nx.MultiDiGraph()
        self._alias_index: dict[str, str] = {}
        self._evidence_keys: dict[tuple[str, str, str], set[tuple[str, int, str]]] = {}
        for node in self._g.nodes:
            self._index(self.concept(node))

    @classmethod
    def from_parts(cls, concepts: Iterable[Concept], relations: Iterable[Relation]) -> KnowledgeGraph:
        graph = cls()
        for concept in concepts:
            graph.add_concept(concept)
        for relation in relations:
            graph.add_relation(relation)
        return graph

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The underlying networkx graph (treat it as read-only)."""
        return self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._g

    def add_concept(self, concept: Concept) -> None:
        self._g.add_node(
            concept.id,
            name=concept.name,
            kind=concept.kind,
            aliases=list(concept.aliases),
            zh=list(concept.zh),
            gloss=concept.gloss,
            category=concept.category,
            proposed=concept.proposed,
            introduced_by=concept.introduced_by,
        )
        self._index(concept)

    def add_relation(self, relation: Relation) -> None:
        """Add an edge, merging its evidence into an existing edge of the same triple.

        The edge keeps the rule and confidence of its most confident support.
        """
        for end in (relation.source, relation.target):
            if end not in self._g:
                raise NotFoundError(f"relation {relation.key} names unknown concept {end!r}")
        data = self._g.get_edge_data(relation.source, relation.target, key=relation.relation)
        if data is None:
            self._g.add_edge(
                relation.source,
                relation.target,
                key=relation.relation,
                relation=relation.relation,
                evidence=[],
                rule=relation.rule,
                confidence=relation.confidence,
            )
            data = self._g.edges[relation.source, relation.target, relation.relation]
        elif relation.confidence > data.get("confidence", 1.0):
            data["rule"], data["confidence"] = relation.rule, relation.confidence
        # One set per edge, kept beside the graph: merging stays linear in the evidence added.
        seen = self._evidence_keys.get(relation.key)
        if seen is None:
            seen = self._evidence_keys[relation.key] = {(e["doc"], e["line"], e["text"]) for e in data["evidence"]}
        for ev in relation.evidence:
            if (ev.doc, ev.line, ev.text) not in seen:
                data["evidence"].append(ev.to_dict())
                seen.add((ev.doc, ev.line, ev.text))

    def concept(self, concept_id: str) -> Concept:
        if concept_id not in self._g:
            raise NotFoundError(f"no concept with id {concept_id!r}")
        return Concept.from_dict({"id": concept_id, **self._g.nodes[concept_id]})

    def concepts(self) -> Iterator[Concept]:
        for node in self._g.nodes:
            yield self.concept(node)

    def relations(self) -> Iterator[Relation]:
        for source, target, data in self._g.edges(data=True):
            yield _relation(source, target, data)

    def relations_of(self, concept_id: str) -> list[Relation]:
        """Every edge that starts or ends at ``concept_id``, outgoing first."""
        out = [_relation(s, t, d) for s, t, d in self._g.out_edges(concept_id, data=True)]
        inc = [_relation(s, t, d) for s, t, d in self._g.in_edges(concept_id, data=True)]
        return out + inc

    def find(self, name: str) -> Concept | None:
        """The concept called ``name`` (any alias, id, folded), or None."""
        if name in self._g:
            return self.concept(name)
        concept_id = self._alias_index.get(fold(name)) or self._alias_index.get(compact(name))
        return self.concept(concept_id) if concept_id else None

    def resolve(self, name: str) -> Concept:
        """Like :meth:`find`, but raise :class:`NotFoundError` naming close matches."""
        found = self.find(name)
        if found is not None:
            return found
        hint = self.suggest(name)
        tip = f"; did you mean: {', '.join(hint)}?" if hint else ""
        raise NotFoundError(f"no concept called {name!r}{tip}")

    def suggest(self, prefix: str, limit: int = 5) -> list[str]:
        """Display names of concepts one of whose aliases contains ``prefix`` (folded)."""
        key = fold(prefix)
        if not key:
            return []
        hits: dict[str, int] = {}
        for alias, concept_id in self._alias_index.items():
            if key in alias:
                rank = 0 if alias.startswith(key) else 1
                hits[concept_id] = min(hits.get(concept_id, rank), rank)
        ordered = sorted(hits, key=lambda c: (hits[c], len(self._g.nodes[c]["name"]), c))
        return [self._g.nodes[c]["name"] for c in ordered[:limit]]

    def stats(self) -> dict[str, Any]:
        """Counts of concepts by kind and of edges by relation."""
        kinds = Counter(data["kind"] for _, data in self._g.nodes(data=True))
        rels = Counter(data["relation"] for _, _, data in self._g.edges(data=True))
        proposed = sum(1 for _, data in self._g.nodes(data=True) if data.get("proposed"))
        return {
            "concepts": self._g.number_of_nodes(),
            "relations": self._g.number_of_edges(),
            "proposed": proposed,
            "by_kind": dict(sorted(kinds.items())),
            "by_relation": dict(sorted(rels.items())),
        }

    def _index(self, concept: Concept) -> None:
        for alias in (concept.name, *concept.zh, *concept.aliases):
            for key in (fold(alias), compact(alias)):
                if key:
                    self._alias_index.setdefault(key, concept.id)


def _relation(source: str, target: str, data: dict[str, Any]) -> Relation:
    evidence = tuple(Evidence.from_dict(e) for e in data.get("evidence", ()))
    return Relation(
        source, data["relation"], target, evidence, data.get("rule", ""), float(data.get("confidence", 1.0))
    )
