"""Relation patterns, parametrised over real sentences of the notes (and a few of our own)."""
from __future__ import annotations

import pytest

from ingest.clauses import REACH
from ingest.linker import Linker
from ingest.relations import MAX_SENTENCE, Context, extract, remedy_target
from ingest.sentences import split_line
from kg.errors import InputError
from kg.model import Concept, Relation

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
        Concept("gap", "global average pooling", "layer", aliases=("Global Average Pooling", "全局平均池化", "全局池化", "GAP")),
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
        Concept("tanh", "Tanh", "concept", category="activation", aliases=("Tanh",)),
        Concept("cnn", "CNN", "architecture", aliases=("CNN", "卷积神经网络")),
        Concept("ssd", "SSD", "architecture", aliases=("SSD",)),
        Concept("zfnet", "ZFNet", "architecture", aliases=("ZF-Net",)),
        Concept("nin", "Network in Network", "architecture", aliases=("NIN", "Network in Network")),
        Concept("mobilenet", "MobileNet", "architecture", aliases=("MobileNet",)),
        Concept("gan", "GAN", "architecture", aliases=("GAN",)),
        Concept("hyper", "hyperparameter search", "technique", aliases=("调参",)),
        Concept("early", "Early Stopping", "technique", aliases=("Early Stopping", "早停法")),
        Concept("l2", "L2 regularization", "technique", aliases=("L2正则化",)),
        Concept("densecon", "dense connection", "technique", aliases=("稠密连接", "密集连接")),
        Concept("group", "group convolution", "layer", aliases=("分组卷积",)),
        Concept("depthwise", "depthwise convolution", "layer", aliases=("Depthwise卷积",)),
        Concept("gmp", "global max pooling", "layer", aliases=("全局最大池化",)),
        Concept("clip", "gradient clipping", "technique", aliases=("给梯度加门限",)),
        Concept("rmsprop", "RMSProp", "concept", category="optimizer", aliases=("RMSProp",)),
        Concept("adagrad", "AdaGrad", "concept", category="optimizer", aliases=("AdaGrad",)),
        Concept("width", "width multiplier", "concept", category="hyperparameter", aliases=("宽度因子",)),
        Concept("sparse", "sparse gradients", "problem", aliases=("稀疏梯度",)),
        Concept("classification", "classification", "role", aliases=("分类",)),
        Concept("vgg", "VGG", "architecture", aliases=("VGG",)),
        Concept("dimred", "dimension reduction", "role", aliases=("降维", "减少维度")),
        Concept("rf", "enlarge receptive field", "role", aliases=("增大感受野",)),
        Concept("up", "upsampling", "role", aliases=("上采样",)),
        Concept("down", "downsampling", "role", aliases=("下采样",)),
        Concept("convolution", "convolution", "layer", aliases=("卷积",)),
        Concept("normalization", "normalization", "technique", aliases=("规范化",)),
        Concept("interp", "interpolation", "technique", aliases=("插值",)),
        Concept("fast", "accelerate convergence", "role", aliases=("加速训练收敛",)),
        Concept("lesscomp", "reduce computation", "role", aliases=("减少计算量",)),
        Concept("gradflow", "gradient propagation", "role", aliases=("梯度传递",)),
        Concept("densenetbc", "DenseNet-BC", "architecture", aliases=("DenseNet-BC",)),
        Concept("denseblock", "dense block", "layer", aliases=("Dense Block",)),
        Concept("local", "local connectivity", "technique", aliases=("局部感知",)),
        Concept("sharing", "weight sharing", "technique", aliases=("参数共享",)),
        Concept("maxpool", "max pooling", "layer", aliases=("最大池化",)),
        Concept("avgpool", "average pooling", "layer", aliases=("平均池化",)),
        Concept("sumpool", "sum pooling", "layer", aliases=("求和池化",)),
        Concept("resolution", "resolution multiplier", "concept", category="hyperparameter", aliases=("分辨率因子",)),
        Concept("overlap", "uneven overlap", "concept", aliases=("不均匀重叠",)),
        Concept("small", "stacked small kernels", "technique", aliases=("小尺寸卷积核",)),
        Concept("lessparams", "reduce parameters", "role", aliases=("减少参数个数",)),
    ]
}
LINKER = Linker(CONCEPTS.values())


def relations(text: str, topics: tuple[str, ...] = (), remedy: str | None = None, heading: bool = False) -> list[Relation]:
    ctx = Context("n.md", CONCEPTS, topics, remedy)
    return [r for sentence in split_line(1, text, LINKER.find(text), heading=heading) for r in extract(sentence, ctx)]


def triples(text: str, topics: tuple[str, ...] = (), remedy: str | None = None, heading: bool = False) -> set[tuple[str, str, str]]:
    found = set()
    for relation in relations(text, topics, remedy, heading):
        assert relation.evidence[0].text in text
        found.add(relation.key)
    return found


@pytest.mark.parametrize(
    ("text", "topics", "expected"),
    [
        ("- ResNet:引入残差单元,简化学习目标和难度", (), ("resnet", "introduces", "residual")),
        ("- 引入残差单元,能够有效解决训练过程中梯度消失和梯度爆炸问题", ("resnet",), ("residual", "solves", "vanishing")),
        ("- 引入残差单元,能够有效解决训练过程中梯度消失和梯度爆炸问题", ("resnet",), ("residual", "solves", "exploding")),
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
        # the sentence names where the idea came from: the network using it did not introduce it
        ("采用了Global Average Pooling代替FC(想法来自Network in Network)", ("googlenet",), ("googlenet", "introduces", "gap")),
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


# The failure patterns of issue 9, one or two real-shaped sentences each: (text, topics, remedy, present, absent).
PATTERNS = [
    # 1. heading attribution: the heading's concept is a fallback only
    ("正则化。尝试不同的正则化方式,或者使用L2正则化。", ("cnn",), None, None, ("cnn", "introduces", "l2")),
    ("Early Stopping/早停法。一旦性能开始下降,你可以停止训练,是避免过拟合的正则化方式。", ("hyper",), None,
     ("early", "solves", "overfitting"), ("hyper", "solves", "overfitting")),
    # 2. polarity and negation
    ("LSTM用加和的方式取代了乘积,使得很难出现梯度消失。", (), None, ("lstm", "solves", "vanishing"), ("lstm", "causes", "vanishing")),
    ("Sigmoid和Tanh的导数都会接近于0,这会造成梯度消失,而ReLU大于0部分保持梯度不衰减,不会产生梯度消失", (), None,
     ("tanh", "causes", "vanishing"), ("sigmoid", "solves", "vanishing")),
    ("Sigmoid和Tanh的导数都会接近于0,这会造成梯度消失,而ReLU大于0部分保持梯度不衰减,不会产生梯度消失", (), None,
     ("relu", "solves", "vanishing"), ("relu", "causes", "vanishing")),
    ("BN可以避免因为Sigmoid导致的梯度消失", (), None, ("sigmoid", "causes", "vanishing"), ("bn", "causes", "vanishing")),
    ("BN可以避免因为Sigmoid导致的梯度消失", (), None, ("bn", "solves", "vanishing"), ("sigmoid", "solves", "vanishing")),
    # 3. co-mention: the component, not its container or a sibling
    ("每层卷积使用ReLU作为激活函数,在全连接层后添加Dropout来抑制过拟合", ("vgg",), None,
     ("dropout", "solves", "overfitting"), ("fc", "solves", "overfitting")),
    # 4. introduces needs novelty, not reuse; generic building blocks are never introduced
    ("目标检测中SSD与RFBNet,同样使用了空洞卷积。", (), None, None, ("ssd", "introduces", "dilated")),
    ("- AlexNet:12年ImageNet冠军,5个卷积3个全连接,使用池化", (), None, None, ("alexnet", "introduces", "pooling")),
    ("分组卷积最早出现在AlexNet网络中,被用来切分网络。", (), None, ("alexnet", "introduces", "group"), None),
    ("1*1 卷积首发于NIN(Network in Network)。", (), None, ("nin", "introduces", "conv1x1"), None),
    ("采用了Global Average Pooling代替FC(想法来自Network in Network)。", ("googlenet",), None,
     ("nin", "introduces", "gap"), ("nin", "introduces", "fc")),
    # 6. task words are roles only with a role phrase
    ("- GoogLeNet:14年ImageNet分类第一名。", ("googlenet",), None, None, ("googlenet", "has_role", "classification")),
    ("全连接层(FC):连接所有的特征,用于分类", (), None, ("fc", "has_role", "classification"), None),
    # 7. the relation type follows its own cue
    ("在此基础上给出了两个选择:宽度因子(width multiplier)。", ("mobilenet",), None,
     ("mobilenet", "introduces", "width"), ("mobilenet", "improves_on", "width")),
    ("全局池化主要包括全局平均池化和全局最大池化。", (), None, None, ("gmp", "part_of", "gap")),
    ("当分组数量等于通道数量时,分组卷积就成了Depthwise卷积。", (), None, ("depthwise", "variant_of", "group"), None),
    ("优势: 能够克服AdaGrad梯度急剧减小的问题。", ("rmsprop",), None, ("rmsprop", "improves_on", "adagrad"), None),
    # 8. a phrase merely containing an alias is not that concept's edge
    ("- ZF-Net:13年ImageNet冠军,只用了一块 GPU 的稠密连接结构;", ("zfnet",), None, None, ("zfnet", "introduces", "densecon")),
    # 9. a problem statement is not a solution, even in a remedies section
    ("GAN的稳定性会因为引入稀疏梯度受到很大影响。", (), "sparse", None, ("gan", "solves", "sparse")),
    # a compared thing is not the subject; a worsened effect is not a role
    ("在RNN中GRU比LSTM更能防止梯度消失", (), None, ("gru", "solves", "vanishing"), ("lstm", "solves", "vanishing")),
    ("直接使用Dropout会导致降维效果变差", (), None, None, ("dropout", "has_role", "dimred")),
    ("RNN中不同时间步的统计量差异很大,直接使用BN会导致梯度爆炸。", (), None, ("bn", "causes", "exploding"),
     ("rnn", "introduces", "bn")),
    # a building block done next is a step of the method begun before it, not the method
    ("我们也可以直接进行插值Resize操作,然后再进行卷积操作来消除棋盘效应。", ("transposed",), None,
     ("interp", "solves", "checker"), ("convolution", "solves", "checker")),
    # a purpose clause names the role of what the next clause adds, not of the section's network
    ("为了减少计算量,增加了1x1卷积。", ("googlenet",), None, None, ("googlenet", "has_role", "lesscomp")),
    # a family named as the means ("通过规范化手段") is not the subject: BN is
    ("BN就是通过规范化手段,把分布强行拉回到标准正态分布,以此避免梯度消失问题,加速训练收敛过程。", (), None,
     ("bn", "has_role", "fast"), ("normalization", "has_role", "fast")),
    # a line about its lead ("下采样。") that cannot do the thing does not fall back on the topic
    ("3. 下采样。下采样还能使计算资源耗费变少,加速模型训练,也能有效控制过拟合。", ("convolution",), None, None,
     ("convolution", "solves", "overfitting")),
    # a mention placed by 中间 is not what a line's lead brings
    ("- DenseNet-BC:两个Dense Block中间有transition layer,用1x1卷积来降维", (), None, None,
     ("densenetbc", "introduces", "denseblock")),
    # kinds listed by 分为 are variants of the whole; one named part is no list of kinds
    ("池化按操作类型通常分为最大池化(Max Pooling)、平均池化和求和池化,它们分别提取最大、平均与总和。", (), None,
     ("sumpool", "variant_of", "pooling"), ("pooling", "variant_of", "sumpool")),
    ("输入和输出通道被分成几个组,每个组独立进行分组卷积。", (), None, None, ("group", "variant_of", "convolution")),
    # what is introduced is every thing listed, glossed or not
    ("在此基础上给出了两个选择:宽度因子(width multiplier)和分辨率因子(resolution multiplier)。", ("mobilenet",), None,
     ("mobilenet", "introduces", "resolution"), None),
    # the cause's mechanism named by 的 is a cause too
    ("造成棋盘效应的原因是转置卷积的不均匀重叠(uneven overlap)。", (), None, ("overlap", "causes", "checker"), None),
    ("造成棋盘效应的原因是转置卷积的不均匀重叠(uneven overlap)。", (), None, ("transposed", "causes", "checker"), None),
    # a series used ("使用一系列...的小尺寸卷积核") is the tool, and what the network brings
    ("VGG通过使用一系列大小为3x3的小尺寸卷积核和池化层,为构造深度网络提供方向(减少参数个数可以堆叠更多的卷积层)", (), None,
     ("vgg", "introduces", "small"), ("vgg", "has_role", "lessparams")),
    # 10. coreference: 这一问题 is the problem named just before
    ("但是更大的几率会出现梯度爆炸,但是可以通过给梯度加门限解决这一问题.", ("lstm",), "vanishing",
     ("clip", "solves", "exploding"), ("clip", "solves", "vanishing")),
]


@pytest.mark.parametrize(("text", "topics", "remedy", "present", "absent"), PATTERNS)
def test_failure_patterns_of_issue_9(text, topics, remedy, present, absent) -> None:
    found = triples(text, topics, remedy)
    if present:
        assert present in found
    if absent:
        assert absent not in found


@pytest.mark.parametrize("text", [p[0] for p in PATTERNS])
def test_every_edge_says_which_rule_made_it_and_how_sure(text: str) -> None:
    for relation in relations(text, ("googlenet",)):
        assert relation.rule and 0 < relation.confidence <= 1
        assert relation.evidence[0].text in text


def test_subject_in_the_clause_is_trusted_more_than_the_heading() -> None:
    own = {r.key: r.confidence for r in relations("- Dropout:抑制过拟合", ("alexnet",))}
    topic = {r.key: r.confidence for r in relations("可以抑制过拟合", ("dropout",))}
    assert own[("dropout", "solves", "overfitting")] > topic[("dropout", "solves", "overfitting")]


@pytest.mark.parametrize(("clauses", "carried"), [(2, True), (10, True), (40, False)])
def test_a_subject_is_carried_only_as_far_back_as_the_reach(clauses: int, carried: bool) -> None:
    # Reading back at most REACH characters is what keeps a sentence of a thousand clauses linear.
    text = "Dropout很常见，" + "，".join(["训练时间变长"] * clauses) + "，可以抑制过拟合"
    assert (len(text) - len("可以抑制过拟合") > REACH) is not carried
    assert (("dropout", "solves", "overfitting") in triples(text, ())) is carried


@pytest.mark.parametrize("length", [MAX_SENTENCE + 1, 3 * MAX_SENTENCE])
def test_an_overlong_sentence_is_refused_naming_the_limit(length: int) -> None:
    text = ("BN缓解过拟合" * length)[:length]
    with pytest.raises(InputError, match=str(MAX_SENTENCE)):
        relations(text)


def test_a_prevented_problem_named_by_pronoun_is_the_one_named_before() -> None:
    text = "Dropout不依赖batch统计量,不会出现这个问题。"
    [sentence] = split_line(1, text, LINKER.find(text))
    found = {r.key for r in extract(sentence, Context("n.md", CONCEPTS, ()), antecedent="exploding")}
    assert ("dropout", "solves", "exploding") in found


def test_a_pronoun_subject_has_a_role_only_with_a_role_cue() -> None:
    """"其实解决这个问题的思想...就是把1个像素的梯度传递给4个像素" describes a mechanism, not pooling's role."""
    text = "其实解决这个问题的思想也很简单,就是把1个像素的梯度传递给4个像素,但是需要保证梯度总和不变。"
    [sentence] = split_line(1, text, LINKER.find(text))
    found = {r.key for r in extract(sentence, Context("n.md", CONCEPTS, ()), (("pooling",), "pronoun"))}
    assert ("pooling", "has_role", "gradflow") not in found
    cued = "它的作用是梯度传递。"
    [sentence] = split_line(1, cued, LINKER.find(cued))
    assert ("pooling", "has_role", "gradflow") in {r.key for r in extract(sentence, Context("n.md", CONCEPTS, ()),
                                                                              (("pooling",), "pronoun"))}


def test_a_line_of_enumerated_items_leads_only_its_first_sentence() -> None:
    """"(1)局部感知:... (3)采样(池化)层:...减少过拟合" : the later item is not about 局部感知."""
    line = "(1)局部感知:只要对局部进行感知。(2)参数共享:同一个卷积核是共享的。(压缩数据和参数的量,减少过拟合)"
    items = {"1": "local", "2": "sharing"}
    found = {r.key for s in split_line(1, line, LINKER.find(line)) for r in extract(s, Context("n.md", CONCEPTS, ()), None, items)}
    assert ("local", "solves", "overfitting") not in found
    first = "(1)局部感知:可以减少过拟合。"
    assert ("local", "solves", "overfitting") in {
        r.key for s in split_line(1, first, LINKER.find(first)) for r in extract(s, Context("n.md", CONCEPTS, ()), None, items)}
