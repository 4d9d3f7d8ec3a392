"""The typed concept graph: records, the networkx-backed graph, queries and persistence.

>>> from kg import KnowledgeGraph, Concept
>>> KnowledgeGraph.from_parts([Concept("gap", "global average pooling", "layer")], []).stats()["concepts"]
1
"""
from __future__ import annotations

from kg.errors import InputError, KGQAError, NotFoundError, ParameterError, StoreError
from kg.graph import KnowledgeGraph
from kg.model import KINDS, RELATIONS, Concept, Document, Evidence, Mention, Relation, Section
from kg.queries import by_kind, introduced_by, neighbourhood, paths, solvers_of, sources, targets
from kg.store import Snapshot, atomic_write, load, node_link, save

__all__ = [
    "KINDS",
    "RELATIONS",
    "Concept",
    "Document",
    "Evidence",
    "InputError",
    "KGQAError",
    "KnowledgeGraph",
    "Mention",
    "NotFoundError",
    "ParameterError",
    "Relation",
    "Section",
    "Snapshot",
    "StoreError",
    "atomic_write",
    "by_kind",
    "introduced_by",
    "load",
    "neighbourhood",
    "node_link",
    "paths",
    "save",
    "solvers_of",
    "sources",
    "targets",
]
