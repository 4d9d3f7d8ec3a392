from __future__ import annotations

import pytest

from kg.errors import NotFoundError
from kg.graph import KnowledgeGraph
from kg.model import Concept, Evidence, Mention, Relation, Term
from kg.store import Snapshot, load, save


@pytest.mark.parametrize("alias", ["BN", "bn层", "Batch-Normalization", "batch normalization", "bn"])
def test_resolve_by_any_alias(tiny_graph: KnowledgeGraph, alias: str) -> None:
    assert tiny_graph.resolve(alias).id == "bn"


def test_unknown_name_suggests_close_matches(tiny_graph: KnowledgeGraph) -> None:
    with pytest.raises(NotFoundError, match="did you mean: ReLU"):
        tiny_graph.resolve("Rel")
    assert tiny_graph.find("nothing like it") is None


def test_same_triple_merges_evidence_without_duplicates(tiny_graph: KnowledgeGraph) -> None:
    extra = Relation("relu", "solves", "vanishing", (Evidence("m.md", 9, "ReLU缓解梯度消失"), Evidence("n.md", 3, "ReLU:减少梯度消失现象")))
    tiny_graph.add_relation(extra)
    [edge] = [r for r in tiny_graph.relations() if r.key == ("relu", "solves", "vanishing")]
    assert [e.doc for e in edge.evidence] == ["n.md", "m.md"]
    assert tiny_graph.stats()["relations"] == 4


def test_relation_to_unknown_concept_is_refused(tiny_graph: KnowledgeGraph) -> None:
    with pytest.raises(NotFoundError):
        tiny_graph.add_relation(Relation("bn", "solves", "ghost"))


def test_node_and_edge_attributes_follow_the_contract(tiny_graph: KnowledgeGraph) -> None:
    for _, data in tiny_graph.nx.nodes(data=True):
        assert {"name", "kind", "aliases", "gloss"} <= data.keys()
        assert isinstance(data["aliases"], list)
    for _, _, data in tiny_graph.nx.edges(data=True):
        assert data["relation"] and data["evidence"]
        assert all({"doc", "line", "text"} == e.keys() for e in data["evidence"])


def test_stats_count_by_kind_and_relation(tiny_graph: KnowledgeGraph) -> None:
    stats = tiny_graph.stats()
    assert stats["concepts"] == 5
    assert stats["by_kind"]["technique"] == 2
    assert stats["by_relation"] == {"contrasts_with": 1, "introduces": 1, "solves": 2}


def test_concept_round_trips_through_node_attributes() -> None:
    concept = Concept("x", "X", "layer", aliases=("X", "叉"), zh=("叉",), gloss="g", category="c", proposed=True)
    graph = KnowledgeGraph.from_parts([concept], [])
    assert graph.concept("x") == concept


def test_an_edge_keeps_the_rule_of_its_most_confident_support() -> None:
    graph = KnowledgeGraph.from_parts(
        [Concept("a", "A", "technique"), Concept("p", "P", "problem")],
        [Relation("a", "solves", "p", (Evidence("n.md", 1, "x"),), "solve-remedy-section", 0.6),
         Relation("a", "solves", "p", (Evidence("n.md", 2, "y"),), "solve-verb", 0.9),
         Relation("a", "solves", "p", (Evidence("n.md", 3, "z"),), "solve-anaphor", 0.8)],
    )
    [edge] = graph.relations()
    assert (edge.rule, edge.confidence, len(edge.evidence)) == ("solve-verb", 0.9, 3)


def test_merging_evidence_is_linear_and_exact() -> None:
    concepts = [Concept("a", "A", "technique"), Concept("p", "P", "problem")]
    support = [Relation("a", "solves", "p", (Evidence("n.md", i % 5000, "s"),)) for i in range(20000)]
    [edge] = KnowledgeGraph.from_parts(concepts, support).relations()
    assert len(edge.evidence) == 5000


# -- terms: concepts the notes name but relate to nothing -----------------------------------------

GRAD = Concept("grad", "Gradient", "concept", aliases=("gradients",), zh=("梯度",))


def test_parts_make_nodes_of_related_concepts_and_terms_of_the_rest() -> None:
    a, p = Concept("a", "A", "technique"), Concept("p", "P", "problem")
    cutmix = Concept("cutmix", "CutMix", "technique", proposed=True)
    mentions = [Mention("grad", "s", "n.md", 4, "梯度"), Mention("grad", "s", "n.md", 4, "gradients"),
                Mention("grad", "s", "m.md", 9, "梯度")]
    parts = KnowledgeGraph.parts([a, p, GRAD, cutmix], [Relation("a", "solves", "p")], mentions)
    assert parts[:2] == [a, p] and parts[3] == cutmix  # a proposed concept stays a node: a new note's term
    assert parts[2] == Term(GRAD, (("n.md", 4), ("m.md", 9)))


def test_a_term_is_known_by_every_name_but_is_no_node() -> None:
    graph = KnowledgeGraph.from_parts([Concept("a", "A", "technique"), Term(GRAD, (("n.md", 4),))], [])
    assert graph.resolve("梯度") == GRAD == graph.concept("grad") and "grad" in graph
    assert len(graph) == 1 and [c.id for c in graph.concepts()] == ["a"] and "grad" not in graph.nx
    assert [c.id for c in graph.vocabulary()] == ["a", "grad"]
    assert graph.relations_of("grad") == [] and graph.stats()["terms"] == 1
    assert graph.suggest("梯") == ["Gradient"]


def test_a_relation_to_a_term_makes_it_a_node() -> None:
    graph = KnowledgeGraph.from_parts([Concept("a", "A", "technique"), Term(GRAD)], [Relation("a", "causes", "grad")])
    assert graph.is_node("grad") and graph.term("grad") is None and graph.stats()["terms"] == 0


def test_terms_survive_save_and_load(tmp_path) -> None:
    graph = KnowledgeGraph.from_parts([Concept("a", "A", "technique"), Term(GRAD, (("n.md", 4),))], [])
    save(Snapshot(graph), tmp_path)
    loaded = load(tmp_path).graph
    assert loaded.term("grad") == Term(GRAD, (("n.md", 4),)) and len(loaded) == 1
    assert loaded.find("gradients") == GRAD


def test_vocabulary_lists_catalogue_concepts_before_proposed_ones() -> None:
    new = Concept("new", "New", "technique", proposed=True)
    graph = KnowledgeGraph.from_parts([new, Concept("a", "A", "technique"), Term(GRAD)], [Relation("new", "solves", "a")])
    assert [c.id for c in graph.vocabulary()] == ["a", "grad", "new"]
