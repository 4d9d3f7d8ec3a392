"""Names typed by sound wrongly are read as meant; real words that sound like a name are left alone."""
from __future__ import annotations

import pytest

from qa import KnowledgeBase
from qa.bm25 import Tokenizer
from qa.homophone import Correction, Homophones, corrected, readings

ALIASES = [("过拟合", "overfitting"), ("欠拟合", "underfitting"), ("参数量", "parameter_count"), ("卷积", "convolution"),
           ("卷积核", "convolution_kernel"), ("导数", "derivative"), ("预训练", "pretraining"), ("训练集", "training_set"),
           ("数据集", "dataset"), ("池化层", "pooling"), ("激活函数", "activation_function"), ("低精度", "quantization"),
           ("微调", "fine_tuning"), ("卷积神经网络", "cnn")]


@pytest.fixture(scope="module")
def homophones() -> Homophones:
    return Homophones.of(ALIASES)


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer(Tokenizer.domain_terms(a for a, _ in ALIASES))


@pytest.mark.parametrize(("question", "read"), [
    ("过你和了除了加数据还能咋办", "过拟合了除了加数据还能咋办"),
    ("是欠拟和吗,该怎么解决", "是欠拟合吗,该怎么解决"),
    ("深度可分离卷积的参数亮为什么少", "深度可分离卷积的参数量为什么少"),
    ("浅层卷基和深层卷基分别提取啥特征", "浅层卷积和深层卷积分别提取啥特征"),  # 卷基 twice, not 卷基和 as 卷积核
    ("池话层有什么用", "池化层有什么用"),
    ("激活含数有哪些", "激活函数有哪些"),
    ("卷及神经网络的优点", "卷积神经网络的优点"),
])
def test_a_name_typed_by_sound_wrongly_is_read_as_meant(homophones: Homophones, tokenizer: Tokenizer,
                                                         question: str, read: str) -> None:
    found = homophones.find(question, tokenizer)
    assert corrected(question, found) == read
    for c in found:
        assert question[c.start:c.end] == c.written and 0 < sum(a != b for a, b in zip(c.written, c.meant)) < len(c.meant)


@pytest.mark.parametrize("text", [
    "倒数第二层的误差项怎么推",          # 倒数 is a word of its own, not 导数 misspelt
    "为什么说dropout相当于训练了很多网络",  # 于 belongs to 相当于, so 于训练 is no 预训练
    "Inception-v3还加了哪些训练技巧",     # 技 belongs to 技巧
    "有没有提精度",                       # 提 reads "ti" first: no slip for 低 "di"
    "这些属于调模型的哪个层面",
    "5层卷积和3层全连接",                 # a conjunction after a name joins two words
    "很适合应用于大规模的数据及参数的场景",
    "卷积和池化的区别",
    "过拟合了怎么办",                     # written as meant
    "",
])
def test_real_words_that_sound_like_a_name_are_left_alone(homophones: Homophones, tokenizer: Tokenizer, text: str) -> None:
    assert homophones.find(text, tokenizer) == []


def test_readings_are_toneless_and_the_most_common_first() -> None:
    assert readings("和")[0] == "he" and readings("提")[0] == "ti" and "di" in readings("提")
    assert readings("A") == () and readings("拟") == ("ni",)


@pytest.mark.parametrize("text", ["abc", "过你和了", "过你和过你和"])
def test_corrected_replaces_exactly_the_spans(text: str) -> None:
    assert corrected(text, []) == text
    spans = [Correction(i, i + 3, text[i:i + 3], "过拟合", "overfitting") for i in range(0, len(text) - 2, 3)
             if text[i:i + 3] == "过你和"]
    assert corrected(text, spans) == text.replace("过你和", "过拟合")


def test_the_notes_own_text_is_never_read_as_misspelt(hash_kb: KnowledgeBase) -> None:
    # The notes are real text: any reading of theirs would change what a passage says.
    model = hash_kb.model
    lines = [line for p in model.passages for line in (p.heading, *p.text.splitlines())]
    assert len(lines) > 1000
    assert [c for line in lines for c in model.homophones.find(line, model.tokenizer)] == []
