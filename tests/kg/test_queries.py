from __future__ import annotations

import pytest

from kg.errors import InputError, NotFoundError
from kg.graph import KnowledgeGraph
from kg.model import Concept, Relation, Term
from kg.queries import by_kind, close_names, communities, introduced_by, neighbourhood, paths, search, solvers_of


def test_neighbourhood_depth_one_and_two(tiny_graph: KnowledgeGraph) -> None:
    near, edges = neighbourhood(tiny_graph, "残差连接", depth=1)
    assert near[0].id == "residual"
    assert {c.id for c in near} == {"residual", "resnet", "vanishing"}
    far, _ = neighbourhood(tiny_graph, "残差连接", depth=2)
    assert {c.id for c in far} == {"residual", "resnet", "vanishing", "relu"}
    assert all({e.source, e.target} <= {c.id for c in near} for e in edges)


def test_neighbourhood_filters_by_relation(tiny_graph: KnowledgeGraph) -> None:
    near, edges = neighbourhood(tiny_graph, "梯度消失", relations=["solves"], depth=2)
    assert {e.relation for e in edges} == {"solves"}
    assert "bn" not in {c.id for c in near}


@pytest.mark.parametrize(("kwargs", "message"), [({"depth": 0}, "depth=0"), ({"relations": ["likes"]}, "likes")])
def test_neighbourhood_rejects_bad_arguments(tiny_graph: KnowledgeGraph, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        neighbourhood(tiny_graph, "BN", **kwargs)


def test_paths_follow_edges_either_way(tiny_graph: KnowledgeGraph) -> None:
    [path] = paths(tiny_graph, "ResNet", "ReLU", limit=1)
    assert [r.relation for r in path] == ["introduces", "solves", "solves"]
    assert paths(tiny_graph, "ResNet", "ResNet") == [[]]


def test_kind_solvers_and_introductions(tiny_graph: KnowledgeGraph) -> None:
    assert [c.id for c in by_kind(tiny_graph, "technique")] == ["bn", "residual"]
    assert {c.id for c in solvers_of(tiny_graph, "梯度消失")} == {"relu", "residual"}
    assert [c.id for c in introduced_by(tiny_graph, "残差网络")] == ["residual"]
    with pytest.raises(InputError):
        by_kind(tiny_graph, "animal")
    with pytest.raises(NotFoundError):
        solvers_of(tiny_graph, "nothing")


# -- search ------------------------------------------------------------------------------------------

@pytest.fixture
def names_graph() -> KnowledgeGraph:
    """Concepts whose names contain each other, the way the catalogue's do."""
    concepts = [
        Concept("detr", "DETR", "architecture", aliases=("DETR", "DEtection TRansformer")),
        Concept("transformer", "Transformer", "architecture", aliases=("Transformer", "Transformers")),
        Concept("inception_resnet", "Inception-ResNet", "architecture", aliases=("Inception-ResNet",)),
        Concept("resnet", "ResNet", "architecture", aliases=("ResNet", "残差网络")),
        Concept("resnet_v2", "ResNet v2", "architecture", aliases=("ResNet v2", "pre-activation ResNet")),
        Concept("dying_relu", "Dying ReLU", "problem", aliases=("Dying ReLU", "dead ReLU")),
        Concept("relu", "ReLU", "concept", aliases=("ReLU", "修正线性单元")),
        Concept("enlarge_rf", "Enlarge Receptive Field", "role", aliases=("增大感受野",), zh=("增大感受野",)),
        Concept("rf", "Receptive Field", "concept", aliases=("感受野",), zh=("感受野",)),
        Concept("bn", "Batch Normalization", "technique", aliases=("BN", "BatchNorm", "批归一化"), zh=("批归一化",)),
        Concept("bn_stats", "BN Running Statistics", "concept", aliases=("BN running statistics",)),
    ]
    return KnowledgeGraph.from_parts(concepts, [Relation("resnet", "solves", "dying_relu")])


@pytest.mark.parametrize(("typed", "expected"), [
    ("Transformer", "transformer"),      # not DETR, whose alias contains it
    ("resnet", "resnet"),                # not Inception-ResNet
    ("relu", "relu"),                    # not Dying ReLU
    ("感受野", "rf"),                     # not 增大感受野
    ("ＲｅＬＵ", "relu"),                  # full-width letters fold
    ("batch-norm", "bn"),                # spaces and hyphens do not matter
    ("BN", "bn"),                        # an exact alias beats a longer name that starts with it
    ("残差网络", "resnet"),               # a Chinese alias
    ("resn", "resnet"),                  # the shortest name with this prefix
    ("running", "bn_stats"),             # a word inside a name
    ("sformer", "transformer"),          # anywhere inside
])
def test_search_ranks_like_a_search_box(names_graph: KnowledgeGraph, typed: str, expected: str) -> None:
    assert search(names_graph, typed)[0].concept.id == expected


def test_search_tiers_are_ordered_and_every_hit_matches(names_graph: KnowledgeGraph) -> None:
    hits = search(names_graph, "resnet")
    assert [h.concept.id for h in hits] == ["resnet", "resnet_v2", "inception_resnet"]
    order = ["exact", "prefix", "word", "substring"]
    assert [order.index(h.tier) for h in hits] == sorted(order.index(h.tier) for h in hits)
    assert all("resnet" in h.surface.lower().replace("-", "") for h in hits)


@pytest.mark.parametrize("typed", ["", "   ", "<b>bold</b>", "注意力"])
def test_search_finds_nothing_for_unknown_or_empty_text(names_graph: KnowledgeGraph, typed: str) -> None:
    assert search(names_graph, typed) == []


def test_search_limit_and_close_names(names_graph: KnowledgeGraph) -> None:
    assert len(search(names_graph, "e", limit=3)) == 3
    assert [c.id for c in close_names(names_graph, "Batch Normalisaton")] == ["bn"]
    assert close_names(names_graph, "zzzz") == []


# -- neighbourhood filters and communities -----------------------------------------------------------

def test_neighbourhood_kind_filter_keeps_the_centre(tiny_graph: KnowledgeGraph) -> None:
    near, edges = neighbourhood(tiny_graph, "梯度消失", kinds=["technique"], depth=2)
    assert near[0].id == "vanishing" and {c.id for c in near} == {"vanishing", "residual"}
    assert all({e.source, e.target} <= {c.id for c in near} for e in edges)
    with pytest.raises(InputError, match="animal"):
        neighbourhood(tiny_graph, "BN", kinds=["animal"])


def test_neighbourhood_includes_edges_between_neighbours() -> None:
    g = KnowledgeGraph.from_parts([Concept(x, x, "concept") for x in "abc"],
                                  [Relation("a", "causes", "b"), Relation("a", "causes", "c"),
                                   Relation("b", "solves", "c")])
    _, edges = neighbourhood(g, "a", depth=1)
    assert {e.key for e in edges} == {("a", "causes", "b"), ("a", "causes", "c"), ("b", "solves", "c")}


def _two_triangles() -> KnowledgeGraph:
    concepts = [Concept(x, x.upper(), "problem" if x in "xyz" else "technique") for x in "abcxyzq"]
    pairs = [("a", "b"), ("b", "c"), ("c", "a"), ("x", "y"), ("y", "z"), ("z", "x"), ("c", "x")]
    return KnowledgeGraph.from_parts(concepts, [Relation(s, "causes", t) for s, t in pairs])


def test_communities_partition_the_connected_concepts_deterministically() -> None:
    g = _two_triangles()
    first, again = communities(g), communities(g, seed=7)
    assert first == again
    members = [set(c.members) for c in first.communities]
    assert sorted(map(sorted, members)) == [["a", "b", "c"], ["x", "y", "z"]]
    assert first.isolated == ("q",) and len(first.relations) == 7
    assert all(g.nx.degree(c.hub) == max(g.nx.degree(m) for m in c.members) for c in first.communities)
    assert first.community_of("y") is not None and first.community_of("q") is None


def test_communities_follow_the_kind_and_relation_filters() -> None:
    g = _two_triangles()
    problems = communities(g, kinds=["problem"])
    assert [set(c.members) for c in problems.communities] == [{"x", "y", "z"}] and problems.isolated == ()
    none = communities(g, relations=[])
    assert none.communities == () and len(none.isolated) == 7
    with pytest.raises(InputError):
        communities(g, kinds=["animal"])


def test_terms_are_found_and_listed_but_never_drawn() -> None:
    grad = Concept("grad", "Gradient", "concept", zh=("梯度",))
    graph = KnowledgeGraph.from_parts([Concept("a", "A", "technique"), Concept("p", "P", "problem"), Term(grad)],
                                      [Relation("a", "solves", "p")])
    assert [m.concept.id for m in search(graph, "梯度")] == ["grad"]
    assert [c.id for c in close_names(graph, "Gradiant")] == ["grad"]
    assert [c.id for c in by_kind(graph, "concept")] == ["grad"]
    overview = communities(graph)
    assert overview.isolated == () and overview.terms == ("grad",)
    assert communities(graph, kinds=["technique"]).terms == ()
    centre, edges = neighbourhood(graph, "梯度")
    assert [c.id for c in centre] == ["grad"] and edges == []
