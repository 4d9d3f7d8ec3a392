"""Relation patterns, parametrised over real sentences of the notes (and a few of our own)."""
from __future__ import annotations

import pytest

from ingest.linker import Linker
from ingest.relations import Context, extract, remedy_target
from ingest.sentences import split_line
from kg.model import Concept

CONCEPTS = {
    c.id: c
    for c in [
        Concept("resnet", "ResNet", "architecture", aliases=("ResNet",)),
        Concept("alexnet", "AlexNet", "architecture", aliases=("AlexNet",)),
        Concept("googlenet", "GoogLeNet", "architecture", aliases=("GoogLeNet",)),
        Concept("lstm", "LSTM", "architecture", aliases=("LSTM",)),
        Concept("gru", "GRU", "architecture", aliases=("GRU",)),
        Concept("rnn", "RNN", "architecture", aliases=("RNN",)),
        Concept("residual", "residual connection", "technique", aliases=("残差单元", "残差连接")),
        Concept("gap", "global average pooling", "layer", aliases=("Global Average Pooling", "全局平均池化")),
        Concept("fc", "fully connected layer", "layer", aliases=("FC", "全连接")),
        Concept("dropout", "Dropout", "technique", aliases=("Dropout",)),
        Concept("bn", "Batch Normalization", "technique", aliases=("BN",)),
        Concept("relu", "ReLU", "concept", category="activation", aliases=("ReLU",)),
        Concept("lrelu", "Leaky ReLU", "concept", category="activation", aliases=("LeakyReLU",)),
        Concept("sigmoid", "Sigmoid", "concept", category="activation", aliases=("sigmoid",)),
        Concept("conv1x1", "1x1 convolution", "layer", aliases=("1x1卷积", "1*1 卷积")),
        Concept("dilated", "dilated convolution", "layer", aliases=("空洞卷积",)),
        Concept("pooling", "pooling", "layer", aliases=("池化",)),
        Concept("transposed", "transposed convolution", "layer", aliases=("转置卷积",)),
        Concept("featuremap", "feature map", "concept", category="convolution", aliases=("特征图",)),
        Concept("overfitting", "overfitting", "problem", aliases=("过拟合",)),
        Concept("vanishing", "vanishing gradient", "problem", aliases=("梯度消失",)),
        Concept("exploding", "exploding gradient", "problem", aliases=("梯度爆炸",)),
        Concept("ics", "internal covariate shift", "problem", aliases=("covariate shift",)),
        Concept("checker", "checkerboard artifacts", "problem", aliases=("棋盘效应",)),
        Concept("imbalance", "class imbalance", "problem", aliases=("不平衡样本", "类别不平衡")),
        Concept("focal", "Focal Loss", "concept", category="loss", aliases=("Focal Loss",)),
        Concept("dimred", "dimension reduction", "role", aliases=("降维", "减少维度")),
        Concept("rf", "enlarge receptive field", "role", aliases=("增大感受野",)),
        Concept("up", "upsampling", "role", aliases=("上采样",)),
        Concept("down", "downsampling", "role", aliases=("下采样",)),
    ]
}
LINKER = Linker(CONCEPTS.values())


def triples(text: str, topics: tuple[str, ...] = (), remedy: str | None = None, heading: bool = False) -> set[tuple[str, str, str]]:
    ctx = Context("n.md", CONCEPTS, topics, remedy)
    found = set()
    for sentence in split_line(1, text, LINKER.find(text), heading=heading):
        for relation in extract(sentence, ctx):
            assert relation.evidence[0].text in text
            found.add(relation.key)
    return found


@pytest.mark.parametrize(
    ("text", "topics", "expected"),
    [
        ("- ResNet:引入残差单元,简化学习目标和难度", (), ("resnet", "introduces", "residual")),
        ("- 引入残差单元,能够有效解决训练过程中梯度消失和梯度爆炸问题", ("resnet",), ("residual", "solves", "vanishing")),
        ("- 引入残差单元,能够有效解决训练过程中梯度消失和梯度爆炸问题", ("resnet",), ("residual", "solves", "exploding")),
        ("采用了Global Average Pooling代替FC(想法来自Network in Network)", ("googlenet",), ("googlenet", "introduces", "gap")),
        ("- Dropout:抑制过拟合", ("alexnet",), ("dropout", "solves", "overfitting")),
        ("- Dropout:抑制过拟合", ("alexnet",), ("alexnet", "introduces", "dropout")),
        ("- ReLU:减少梯度消失现象", ("alexnet",), ("relu", "solves", "vanishing")),
        ("所以与其说BN的作用是缓解covariate shift,也可以说BN可缓解梯度弥散问题。", (), ("bn", "solves", "ics")),
        ("RNN是叠乘,因此LSTM可以防止梯度消失或者爆炸的变化是关键", (), ("lstm", "solves", "vanishing")),
        ("GRU是LSTM的变体,将忘记门和输入们合成了一个单一的更新门", (), ("gru", "variant_of", "lstm")),
        ("1x1卷积的主要目的是为了减少维度,还用于修正线性激活(ReLU)。", (), ("conv1x1", "has_role", "dimred")),
        ("对特征图通道数进行升维和降维,降维时可以减少参数量。", ("conv1x1",), ("conv1x1", "has_role", "dimred")),
        ("空洞卷积的作用是在不进行池化操作损失信息的情况下,增大感受野", (), ("dilated", "has_role", "rf")),
        ("转置卷积(Transposed Convolution):也被称为反卷积,常用于上采样或解卷积网络。", (), ("transposed", "has_role", "up")),
        ("什么是转置卷积的棋盘效应?", (), ("transposed", "causes", "checker")),
        ("造成棋盘效应的原因是转置卷积的不均匀重叠(uneven overlap)。", (), ("transposed", "causes", "checker")),
        ("RNN、LSTM、GRU区别", (), ("lstm", "contrasts_with", "gru")),
        ("全连接的结构下会引起参数数量的膨胀,容易过拟合且局部最优。", (), ("fc", "causes", "overfitting")),
        ("Dropout是过拟合的一种解决方法", (), ("dropout", "solves", "overfitting")),
        ("Dropout prevents overfitting by dropping units", (), ("dropout", "solves", "overfitting")),
        ("- 引入残差单元,模型加深时,不会产生梯度消失问题", ("resnet",), ("residual", "solves", "vanishing")),
        ("其中一种对ReLU函数的改进方式是LeakyReLU。", (), ("lrelu", "improves_on", "relu")),
        ("GoogLeNet主要包含Inception模块和全局平均池化", (), ("googlenet", "introduces", "gap")),
    ],
)
def test_sentence_yields_relation(text: str, topics: tuple[str, ...], expected: tuple[str, str, str]) -> None:
    assert expected in triples(text, topics)


@pytest.mark.parametrize(
    ("text", "topics", "unexpected"),
    [
        ("模型加深时,不会产生梯度消失问题", ("resnet",), ("resnet", "causes", "vanishing")),
        ("Inception-v3的另外的一个改进是不再直接使用池化层进行下采样", ("googlenet",), ("googlenet", "introduces", "pooling")),
        ("空洞卷积的作用是在不进行池化操作损失信息的情况下,增大感受野", (), ("pooling", "has_role", "rf")),
        ("对特征图通道数进行升维和降维", ("conv1x1",), ("featuremap", "has_role", "dimred")),
        ("BN和Dropout都很常见", (), ("bn", "contrasts_with", "dropout")),
        ("ReLU并不能解决过拟合", (), ("relu", "solves", "overfitting")),
        ("Dropout主要理念是防止权重过大,因为可能会导致过拟合。", (), ("dropout", "causes", "overfitting")),
        ("其中一种对ReLU函数的改进方式是LeakyReLU。", (), ("relu", "improves_on", "lrelu")),
    ],
)
def test_sentence_does_not_yield_relation(text: str, topics: tuple[str, ...], unexpected: tuple[str, str, str]) -> None:
    assert unexpected not in triples(text, topics)


def test_remedy_sections_turn_listed_tools_into_solutions() -> None:
    remedy = remedy_target([("负样本远多于正样本", []), ("不平衡样本的处理", ["imbalance"])], CONCEPTS)
    assert remedy == "imbalance"
    assert ("focal", "solves", "imbalance") in triples("这其中最具有典型性的是Focal Loss。", (), remedy)
    assert triples("最好去掉整个Dropout逻辑", (), "overfitting") == set()
    assert remedy_target([("过拟合的定义", ["overfitting"])], CONCEPTS) is None
