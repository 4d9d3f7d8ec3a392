from __future__ import annotations

import pytest

from kg.graph import KnowledgeGraph
from kg.model import Concept, Evidence, Relation


def _ev(line: int, text: str) -> tuple[Evidence, ...]:
    return (Evidence("n.md", line, text),)


@pytest.fixture
def tiny_graph() -> KnowledgeGraph:
    """Five concepts, four relations: ResNet -> residual -> vanishing <- ReLU, BN."""
    concepts = [
        Concept("resnet", "ResNet", "architecture", aliases=("ResNet", "残差网络")),
        Concept("residual", "residual connection", "technique", aliases=("残差连接", "shortcut")),
        Concept("vanishing", "vanishing gradient", "problem", aliases=("梯度消失",), zh=("梯度消失",)),
        Concept("relu", "ReLU", "concept", aliases=("Relu",), category="activation"),
        Concept("bn", "Batch Normalization", "technique", aliases=("BN", "BN层")),
    ]
    relations = [
        Relation("resnet", "introduces", "residual", _ev(1, "ResNet引入残差单元")),
        Relation("residual", "solves", "vanishing", _ev(2, "残差连接解决梯度消失")),
        Relation("relu", "solves", "vanishing", _ev(3, "ReLU:减少梯度消失现象")),
        Relation("bn", "contrasts_with", "relu", _ev(4, "BN和ReLU的区别")),
    ]
    return KnowledgeGraph.from_parts(concepts, relations)
