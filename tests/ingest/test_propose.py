from __future__ import annotations

import pytest

from ingest.propose import kind_of, propose, propose_in_slots, typed_by_use
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CutMix与Mixup的区别在于剪切粘贴", {"CutMix", "Mixup"}),
        ("Mixup通过对两张图片做线性插值来构造新样本,能够有效抑制过拟合", {"Mixup"}),
        ("- Pre-LN:把LayerNorm放在残差分支之前,可以缓解训练不稳定的问题。", {"Pre-LN", "训练不稳定"}),
        ("会导致硬件利用率低的问题", {"硬件利用率低"}),
        ("Rocky在校招期间专注于AI算法解决方案的实现", set()),
    ],
)
def test_slots_name_new_terms(text: str, expected: set[str]) -> None:
    assert {c.name for c in propose_in_slots(text, known, lambda phrase: False)} == expected


def test_an_untyped_term_opening_a_remedy_sentence_is_a_technique() -> None:
    text = "学习率预热(Warmup)在前几个epoch使用较小的学习率,可以缓解训练初期的不稳定现象。"
    [warmup] = typed_by_use(propose(text, known), text)
    assert (warmup.name, warmup.kind) == ("Warmup", "technique")
    [plain] = typed_by_use(propose("学习率预热(Warmup)在前几个epoch使用较小的学习率。", known), "学习率预热(Warmup)。")
    assert plain.kind == "concept"
