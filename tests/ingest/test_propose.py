from __future__ import annotations

import pytest

from ingest.propose import propose

KNOWN = {"cnn", "卷积神经网络", "bn"}


def known(name: str) -> bool:
    return name.casefold() in KNOWN


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("EfficientNet提出了复合缩放(Compound Scaling)方法", {"EfficientNet", "Compound Scaling"}),
        ("ShuffleNet和SqueezeNet", {"ShuffleNet", "SqueezeNet"}),
        ("Switchable Normalization 可以自适应", {"Switchable Normalization"}),
        ("卷积神经网络(Convolutional Neural Networks, CNN)", set()),
        ("用PyTorch在GitHub上实现", set()),
        ("不变性包括translation(平移),scale(尺度)", set()),
        ("FPN(特征金字塔网络)用于多尺度", {"FPN"}),
        ("普通的中文句子,没有术语。", set()),
    ],
)
def test_proposals(text: str, names: set[str]) -> None:
    found = propose(text, known)
    assert {c.name for c in found} == names
    assert all(c.proposed and c.kind == "concept" for c in found)


def test_glossed_term_keeps_chinese_name_and_abbreviation() -> None:
    [concept] = propose("提出了著名的通道注意力(Channel Attention, CA)模块", known)
    assert concept.zh == ("通道注意力",)
    assert "CA" in concept.aliases
