"""What kind of answer a question wants, and the words that say so in the notes.

The notes are Chinese and many questions are English, so each intent carries the Chinese
words that section titles use for it ("作用", "区别", "优缺点"...). Retrieval adds them to
the query and boosts passages whose headings contain them. :data:`LEXICON` maps common
English interview words that are not concepts to their Chinese counterparts.

>>> detect("BN层的作用是什么?"), detect("What are the drawbacks of Adam?")
('role', 'cons')
>>> detect("卷积层的参数量怎么算?")
'compute'
"""
from __future__ import annotations

import re
from typing import Literal

__all__ = ["Intent", "INTENTS", "TITLED", "detect", "cue_words", "translate", "describe", "RELATIONS_FOR"]

Intent = Literal[
    "definition", "why", "role", "difference", "pros_cons", "pros", "cons", "compute", "train_test", "list", "how", "general"
]

# Checked in order: the first pattern that matches decides.
_PATTERNS: list[tuple[Intent, str]] = [
    ("train_test", r"(训练|train\w*).{0,12}(测试|推理|预测|inference|test)|(测试|推理|inference|test time|eval mode)"),
    ("difference", r"区别|不同|差异|异同|对比|比较|\bvs\.?\b|versus|difference|differ|compare|相比"),
    ("pros_cons", r"优缺点|利弊|pros and cons|advantages and disadvantages|strengths and weaknesses"),
    ("cons", r"缺点|劣势|不足|坏处|局限|弊端|缺陷|disadvantage|drawback|\bcons\b|limitation|weakness|struggle|downside"),
    ("pros", r"优点|优势|好处|advantage|benefit|\bpros\b|upside|strength"),
    ("compute", r"计算|怎么算|公式|参数量|计算量|多少|how many|comput|calculat|formula|number of|how much"),
    ("role", r"作用|用途|用处|目的|功能|干什么|干嘛|有什么用|有啥用|用来|用于|意义|\bused for\b|\brole\b|purpose|function of|\bwhat does .{1,40} do\b|good for|\bfor\?$"),
    ("why", r"为什么|为何|原因|为啥|\bwhy\b|\breason"),
    ("how", r"如何|怎么|怎样|方法|技巧|处理|解决|改进|\bhow\b|ways? to|tricks?|handle|deal with|fix|avoid|prevent|reduce"),
    ("list", r"哪些|有哪几|几种|列举|常用的|常见的|\bwhich\b|what are the|list|types of|kinds of"),
    ("definition", r"是什么|什么是|定义|概念|含义|介绍|理解|简述|讲一下|\bwhat is\b|\bwhat are\b|define|definition|explain|meaning|describe"),
]
_COMPILED = [(intent, re.compile(p, re.I)) for intent, p in _PATTERNS]
INTENTS: tuple[str, ...] = tuple(i for i, _ in _PATTERNS)

_CUES: dict[str, tuple[str, ...]] = {
    "definition": ("是什么", "什么是", "概念", "思想", "原理", "简述"),
    "why": ("为什么", "原因", "为何"),
    "role": ("作用", "用途", "目的", "有什么用"),
    "difference": ("区别", "不同", "异同", "对比"),
    "pros_cons": ("优点", "缺点", "优缺点", "不足", "优势", "好处"),
    "pros": ("优点", "优缺点", "优势", "好处"),
    "cons": ("缺点", "优缺点", "不足", "劣势", "缺陷"),
    "compute": ("计算", "参数量", "计算量", "公式", "求解", "推导"),
    "train_test": ("训练", "测试", "推理", "inference"),
    "list": ("哪些", "常用", "有哪些"),
    "how": ("如何", "方法", "解决", "处理", "技巧"),
}

# Relation types whose evidence answers each intent best (graph signal).
RELATIONS_FOR: dict[str, tuple[str, ...]] = {
    "why": ("solves", "causes"),
    "how": ("solves", "improves_on"),
    "role": ("has_role", "solves"),
    "difference": ("contrasts_with", "variant_of", "improves_on"),
    "pros_cons": ("solves", "causes"),
    "pros": ("solves", "has_role"),
    "cons": ("causes",),
    "definition": ("part_of", "introduces", "has_role"),
    "list": ("introduces", "part_of", "solves"),
    "compute": ("part_of",),
    "train_test": ("contrasts_with",),
}

LEXICON: dict[str, tuple[str, ...]] = {
    "parameter": ("参数",), "parameters": ("参数", "参数量"), "params": ("参数量",), "weights": ("权重",),
    "computation": ("计算量",), "compute": ("计算",), "cost": ("计算量", "成本"), "speed": ("速度",), "faster": ("更快", "加快"),
    "reduce": ("减少", "降低"), "reduces": ("减少", "降低"), "increase": ("增加", "增大"), "deeper": ("更深", "加深"),
    "deep": ("深层",), "train": ("训练",), "training": ("训练",), "test": ("测试",), "inference": ("推理", "测试"),
    "small": ("小",), "batch": ("batch",), "batches": ("batch",), "unstable": ("不稳定",), "stable": ("稳定",),
    "instability": ("不稳定",), "replaced": ("代替", "取代"), "replace": ("代替", "取代"), "instead": ("代替",),
    "layer": ("层",), "layers": ("层",), "network": ("网络",), "networks": ("网络",), "model": ("模型",),
    "data": ("数据",), "dataset": ("数据集",), "sample": ("样本",), "samples": ("样本",), "image": ("图像",),
    "images": ("图像",), "feature": ("特征",), "features": ("特征",), "channel": ("通道",), "channels": ("通道", "通道数"),
    "gradient": ("梯度",), "gradients": ("梯度",), "weight": ("权重",), "initialize": ("初始化",), "initialization": ("初始化",),
    "zero": ("0", "零"), "zeros": ("0",), "convex": ("凸",), "nonconvex": ("非凸",), "non-convex": ("非凸",),
    "loss": ("损失",), "learning": ("学习",), "rate": ("率",), "tuning": ("调参",), "tune": ("调参",),
    "hyperparameters": ("超参数",), "search": ("搜索",), "stability": ("稳定性",), "tricks": ("技巧", "Tricks"),
    "used": ("用于", "适用"), "where": ("适用于", "应用"), "applications": ("应用",), "suitable": ("适合", "适用"),
    "unsuitable": ("不适合",), "fields": ("领域",), "field": ("领域",), "problem": ("问题",), "problems": ("问题",),
    "imbalanced": ("不平衡",), "imbalance": ("不平衡",), "negative": ("负样本",), "positive": ("正样本",),
    "size": ("大小", "尺寸"), "output": ("输出",), "input": ("输入",),
    "receptive": ("感受野",), "field.": ("感受野",), "effective": ("有效",), "global": ("全局",), "pooling": ("池化",),
    "average": ("平均",), "max": ("最大",), "backward": ("反向传播",), "backpropagation": ("反向传播",), "forward": ("前向",),
    "memory": ("记忆", "内存"), "gate": ("门",), "gates": ("门",), "improvements": ("改进",), "improve": ("改进", "提升"),
    "generalization": ("泛化",), "structure": ("结构",), "moving": ("滑动",), "smoothing": ("平滑",), "epoch": ("epoch",),
    "iteration": ("iteration", "迭代"), "auxiliary": ("辅助",), "classifier": ("分类器",), "classifiers": ("分类器",),
    "fully": ("全连接",), "connected": ("全连接",), "rnn": ("RNN",), "rnns": ("RNN",), "gpu": ("GPU",),
    "underfitting": ("欠拟合",), "overfitting": ("过拟合",), "checkerboard": ("棋盘",), "upsampling": ("上采样",),
    "grid": ("网格",), "random": ("随机",), "preferred": ("更常用", "更好"), "better": ("更好",),
}
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*\.?")


# Intents specific enough that their words in a heading mark the answer ("BN层的作用?").
TITLED = frozenset({"role", "difference", "pros_cons", "pros", "cons", "compute", "train_test", "why"})


_DESCRIPTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern, re.I), text) for pattern, text in (
    (r"作用|用途|目的|有什么用", "role, purpose, what it is used for"),
    (r"区别|不同|异同|对比|比较", "difference, comparison"),
    (r"优缺点", "advantages and disadvantages"),
    (r"(?<!优)缺点|不足|劣势|缺陷|局限", "drawbacks, disadvantages, limitations"),
    (r"优点(?!缺)|优势|好处", "advantages, benefits"),
    (r"为什么|原因|为何", "why, reason"),
    (r"计算|参数量|计算量|公式|求解", "how to compute, number of parameters, formula"),
    (r"训练.*测试|测试|推理|inference", "training versus inference, test time"),
    (r"如何|怎么|方法|解决|处理|技巧|tricks", "how to, methods, solutions, tricks"),
    (r"是什么|概念|定义|原理|思想|理解|简述|介绍", "what is it, definition, idea, principle"),
    (r"哪些|几种|常用|经典", "which ones, list, common types"),
))


def describe(heading: str) -> str:
    """English words for the kind of answer a Chinese heading gives.

    >>> describe("【十八】1*1 卷积的作用?")
    'role, purpose, what it is used for'
    """
    return "; ".join(text for pattern, text in _DESCRIPTIONS if pattern.search(heading))


def detect(question: str) -> Intent:
    """The intent of ``question``; ``general`` when it names no kind of answer ("感受野", "BN?")."""
    for intent, pattern in _COMPILED:
        if pattern.search(question):
            return intent
    return "general"


def cue_words(intent: str) -> tuple[str, ...]:
    """Chinese words that headings use for ``intent``."""
    return _CUES.get(intent, ())


def translate(question: str) -> list[str]:
    """Chinese counterparts of the English words in ``question`` that :data:`LEXICON` knows.

    >>> translate("Why does BN struggle with small batches?")
    ['小', 'batch']
    """
    out: list[str] = []
    for word in _WORD.findall(question):
        out.extend(LEXICON.get(word.lower().rstrip("."), ()))
    return out
