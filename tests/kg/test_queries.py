from __future__ import annotations

import pytest

from kg.errors import InputError, NotFoundError
from kg.graph import KnowledgeGraph
from kg.queries import by_kind, introduced_by, neighbourhood, paths, solvers_of


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
