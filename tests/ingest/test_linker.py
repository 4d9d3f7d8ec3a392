from __future__ import annotations

import pytest

from ingest.linker import Linker
from kg.model import Concept

CONCEPTS = [
    Concept("bn", "Batch Normalization", "technique", aliases=("BN", "BN层", "批归一化")),
    Concept("bnn", "BNN", "architecture", aliases=("BNN",)),
    Concept("conv1x1", "1x1 convolution", "layer", aliases=("1x1卷积", "1x1卷积核")),
    Concept("conv", "convolution", "layer", aliases=("卷积",)),
    Concept("pool", "pooling", "layer", aliases=("池化", "pooling")),
    Concept("maxpool", "max pooling", "layer", aliases=("最大池化", "max-pooling")),
    Concept("relu", "ReLU", "concept", aliases=("Relu",)),
    Concept("lrelu", "Leaky ReLU", "concept", aliases=("LeakyReLU",)),
    Concept("in", "Instance Normalization", "technique", aliases=("IN", "InstanceNorm")),
    Concept("ln", "Layer Normalization", "technique", aliases=("LN",)),
]


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(CONCEPTS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BN层的作用", [("bn", "BN层")]),
        ("BNN和BN", [("bnn", "BNN"), ("bn", "BN")]),
        ("ABN不是", []),
        ("1×1卷积核和3x3卷积", [("conv1x1", "1×1卷积核"), ("conv", "卷积")]),
        ("1*1卷积", [("conv1x1", "1*1卷积")]),
        ("最大池化比池化", [("maxpool", "最大池化"), ("pool", "池化")]),
        ("MAX POOLING and Max-Pooling", [("maxpool", "MAX POOLING"), ("maxpool", "Max-Pooling")]),
        ("maxpooling", [("maxpool", "maxpooling")]),
        ("LeakyReLU vs relu", [("lrelu", "LeakyReLU"), ("relu", "relu")]),
        ("Relu函数", [("relu", "Relu")]),
        ("ＢＮ层", [("bn", "ＢＮ层")]),
        ("conv3x3_bn_relu(fc_dim)", []),
        ("BN 层", [("bn", "BN 层")]),
        # an acronym that spells a word ("in", the logarithm "ln") is found only in capitals
        ("IN和BN的区别", [("in", "IN"), ("bn", "BN")]),
        ("Instance Normalization(IN)和LN", [("in", "Instance Normalization"), ("in", "IN"), ("ln", "LN")]),
        ("ＩＮ层", [("in", "ＩＮ")]),
        ("BN in a CNN, In short", [("bn", "BN")]),
        ("softplus = ln(1+e^x), In", []),
        ("LN vs BN?", [("ln", "LN"), ("bn", "BN")]),
    ],
)
def test_longest_match_with_word_boundaries(linker: Linker, text: str, expected: list[tuple[str, str]]) -> None:
    spans = linker.find(text)
    assert [(s.concept, s.surface) for s in spans] == expected
    assert all(text[s.start : s.end] == s.surface for s in spans)


def test_spans_never_overlap(linker: Linker) -> None:
    spans = linker.find("最大池化层和1x1卷积核的BN层与BNN, max-pooling池化")
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


def test_lookup_and_membership(linker: Linker) -> None:
    assert linker.lookup("batch-normalization") == "bn"
    assert "1×1卷积" in linker and "dropout" not in linker
    assert linker.lookup("IN") == "in" and linker.lookup("in") is None and "ln" not in linker
    assert Linker([]).find("anything") == []
