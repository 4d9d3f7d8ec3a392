"""The typed concept graph: :class:`KnowledgeGraph` over a networkx ``MultiDiGraph``.

Nodes are concept ids with attributes ``name``, ``kind``, ``aliases`` (list), ``gloss``,
``zh``, ``category`` and ``proposed``. Edges are keyed by their relation type, so one
(source, relation, target) triple is one edge whose ``evidence`` list grows as more
sentences support it.

Beside its nodes the graph keeps *terms* (:class:`~kg.model.Term`): concepts the notes name
but relate to nothing. They are linking vocabulary, not nodes: :meth:`concept`, :meth:`find`,
:meth:`resolve` and ``in`` know them, :meth:`vocabulary` lists them after the nodes, while
:meth:`concepts`, ``len``, :meth:`stats` and :attr:`nx` hold only the nodes. They persist in
the networkx graph attribute ``terms``, so node-link JSON round-trips them.

>>> g = KnowledgeGraph()
>>> g.add_concept(Concept("bn", "Batch Normalization", "technique", aliases=("BN",)))
>>> g.add_term(Term(Concept("grad", "Gradient", "concept", zh=("梯度",)), (("n.md", 3),)))
>>> g.resolve("bn").name, g.resolve("梯度").id, len(g), "grad" in g
('Batch Normalization', 'grad', 1, True)
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import networkx as nx

from kg.errors import NotFoundError
from kg.model import Concept, Evidence, Mention, Relation, Term
from kg.text import compact, fold

__all__ = ["KnowledgeGraph"]


class KnowledgeGraph:
    """Concepts and evidence-backed relations, with lookup by any alias."""

    def __init__(self, graph: nx.MultiDiGraph | None = None) -> None:
        self._g: nx.MultiDiGraph = graph if graph is not None else nx.MultiDiGraph()
        self._alias_index: dict[str, str] = {}
        self._evidence_keys: dict[tuple[str, str, str], set[tuple[str, int, str]]] = {}
        stored = self._g.graph.pop("terms", [])
        self._terms: dict[str, Term] = {}
        self._g.graph["terms"] = []  # kept in step with ``_terms``: what node-link JSON saves
        for node in self._g.nodes:
            self._index(self.concept(node))
        for data in stored:
            self.add_term(Term.from_dict(data))

    @classmethod
    def from_parts(cls, concepts: Iterable[Concept | Term], relations: Iterable[Relation]) -> KnowledgeGraph:
        """A graph of ``concepts`` (a :class:`Term` is kept as a term) and ``relations``.

        A term that a relation touches becomes a node: an edge needs both of its ends drawn.
        """
        graph = cls()
        for part in concepts:
            if isinstance(part, Term):
                graph.add_term(part)
            else:
                graph.add_concept(part)
        for relation in relations:
            graph.add_relation(relation)
        return graph

    @staticmethod
    def parts(concepts: Iterable[Concept], relations: Iterable[Relation], mentions: Iterable[Mention],
              keep: Callable[[Concept], bool] = lambda c: c.proposed) -> list[Concept | Term]:
        """``concepts`` as graph parts: a node for each concept a relation touches or ``keep``
        accepts (by default, proposed concepts: a new note's terms get nodes), a term for the rest.

        >>> parts = KnowledgeGraph.parts([Concept("a", "A", "technique"), Concept("p", "P", "problem"),
        ...     Concept("g", "G", "concept")], [Relation("a", "solves", "p")], [Mention("g", "s", "n.md", 4, "G")])
        >>> [(type(p).__name__, p.id if isinstance(p, Concept) else p.mentioned) for p in parts]
        [('Concept', 'a'), ('Concept', 'p'), ('Term', (('n.md', 4),))]
        """
        related = {end for r in relations for end in (r.source, r.target)}
        seen: dict[str, dict[tuple[str, int], None]] = {}
        for m in mentions:
            seen.setdefault(m.concept, {})[(m.doc, m.line)] = None
        return [c if c.id in related or keep(c) else Term(c, tuple(seen.get(c.id, ()))) for c in concepts]

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The underlying networkx graph (treat it as read-only)."""
        return self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def __contains__(self, concept_id: object) -> bool:
        """Whether ``concept_id`` names a concept this graph knows, node or term."""
        return concept_id in self._g or concept_id in self._terms

    def is_node(self, concept_id: str) -> bool:
        return concept_id in self._g

    def add_term(self, term: Term) -> None:
        """Know ``term`` by its names without drawing it; a node of the same id wins."""
        if term.concept.id in self._g or term.concept.id in self._terms:
            return
        self._terms[term.concept.id] = term
        self._g.graph["terms"].append(term.to_dict())
        self._index(term.concept)

    def add_concept(self, concept: Concept) -> None:
        if concept.id in self._terms:
            self._drop_term(concept.id)
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
            if end in self._terms:
                self.add_concept(self._terms[end].concept)
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
        """The concept with id ``concept_id``, node or term."""
        if concept_id in self._terms:
            return self._terms[concept_id].concept
        if concept_id not in self._g:
            raise NotFoundError(f"no concept with id {concept_id!r}")
        return Concept.from_dict({"id": concept_id, **self._g.nodes[concept_id]})

    def concepts(self) -> Iterator[Concept]:
        """The graph's nodes."""
        for node in self._g.nodes:
            yield self.concept(node)

    def terms(self) -> Iterator[Term]:
        """The concepts known by name only, with where the notes mention them."""
        yield from self._terms.values()

    def term(self, concept_id: str) -> Term | None:
        return self._terms.get(concept_id)

    def vocabulary(self) -> Iterator[Concept]:
        """Every concept the graph knows, nodes and terms, catalogue concepts before proposed ones
        (the order a linker needs: a proposal never takes a catalogue concept's name)."""
        known = [*self.concepts(), *(t.concept for t in self._terms.values())]
        yield from (c for c in known if not c.proposed)
        yield from (c for c in known if c.proposed)

    def relations(self) -> Iterator[Relation]:
        for source, target, data in self._g.edges(data=True):
            yield _relation(source, target, data)

    def relations_of(self, concept_id: str) -> list[Relation]:
        """Every edge that starts or ends at ``concept_id``, outgoing first (none for a term)."""
        if concept_id not in self._g:
            return []
        out = [_relation(s, t, d) for s, t, d in self._g.out_edges(concept_id, data=True)]
        inc = [_relation(s, t, d) for s, t, d in self._g.in_edges(concept_id, data=True)]
        return out + inc

    def find(self, name: str) -> Concept | None:
        """The concept called ``name`` (any alias, id, folded), node or term, or None."""
        if name in self:
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
        ordered = sorted(hits, key=lambda c: (hits[c], len(self.concept(c).name), c))
        return [self.concept(c).name for c in ordered[:limit]]

    def stats(self) -> dict[str, Any]:
        """Counts of nodes by kind and of edges by relation, and how many terms sit beside them."""
        kinds = Counter(data["kind"] for _, data in self._g.nodes(data=True))
        rels = Counter(data["relation"] for _, _, data in self._g.edges(data=True))
        proposed = sum(1 for _, data in self._g.nodes(data=True) if data.get("proposed"))
        return {
            "concepts": self._g.number_of_nodes(),
            "relations": self._g.number_of_edges(),
            "proposed": proposed,
            "terms": len(self._terms),
            "by_kind": dict(sorted(kinds.items())),
            "by_relation": dict(sorted(rels.items())),
        }

    def _drop_term(self, concept_id: str) -> None:
        del self._terms[concept_id]
        self._g.graph["terms"] = [t.to_dict() for t in self._terms.values()]

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
