from __future__ import annotations

import pytest

from ingest.propose import kind_of, propose, propose_in_slots
from kg.model import KINDS

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
    assert all(c.proposed and c.kind in KINDS and c.introduced_by in text for c in found)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("可变形卷积模块", "layer"), ("Mish激活函数", "concept"), ("CutMix", "technique"), ("网格效应", "problem"),
     ("EfficientNet", "architecture"), ("Switchable Normalization", "technique"), ("Dice Loss", "concept")],
)
def test_kind_follows_the_head_noun(name: str, kind: str) -> None:
    assert kind_of(name)[0] == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CutMix可以抑制过拟合", ("CutMix", "technique")),
        ("该网络引入了可变形卷积模块来适应形变", ("可变形卷积模块", "layer")),
        ("多尺度训练缓解了目标尺度差异问题", ("目标尺度差异", "problem")),
        ("这种做法会导致网格效应", ("网格效应", "problem")),
    ],
)
def test_slot_fillers_become_concepts_of_the_slot_kind(text: str, expected: tuple[str, str]) -> None:
    found = propose_in_slots(text, known, lambda phrase: False)
    assert (expected[0], expected[1]) in {(c.name, c.kind) for c in found}
    assert all(c.proposed and c.introduced_by == text for c in found)


@pytest.mark.parametrize("text", ["可以很好的解决这一问题", "解决了上面的问题", "设计网络结构时", "导致很大噪声的问题", "CNN可以缓解过拟合"])
def test_pronouns_and_known_terms_are_not_proposed(text: str) -> None:
    assert propose_in_slots(text, known, lambda phrase: "过拟合" in phrase) == []


def test_glossed_term_keeps_chinese_name_and_abbreviation() -> None:
    [concept] = propose("提出了著名的通道注意力(Channel Attention, CA)模块", known)
    assert concept.zh == ("通道注意力",)
    assert "CA" in concept.aliases
