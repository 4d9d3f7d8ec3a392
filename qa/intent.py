"""What kind of answer a question wants, and the words that say so in the notes.

The notes are Chinese and many questions are English, so each intent carries the Chinese
words that section titles use for it ("作用", "区别", "优缺点"...). Retrieval adds them to
the query and boosts passages whose headings contain them (other English words cross to the
notes through :mod:`qa.lexicon`).

>>> detect("BN层的作用是什么?"), detect("What are the drawbacks of Adam?")
('role', 'cons')
>>> detect("卷积层的参数量怎么算?")
'compute'
"""
from __future__ import annotations

import re
from typing import Literal

__all__ = ["Intent", "INTENTS", "TITLED", "detect", "cue_words", "describe", "lists", "RELATIONS_FOR"]

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


_LISTS = re.compile(r"有哪些|哪几|几种|列举|tricks|技巧|v\d\s*[-到~]\s*v\d", re.I)


def lists(heading: str) -> bool:
    """Whether a heading of the notes asks for a list of items (its subsections are then the
    items), rather than only grouping sections ("常用的一些术语的概念" is a glossary).

    >>> [lists(h) for h in ("【六】有哪些提高GAN训练稳定性的Tricks?", "简述 Inception v1-v4区别、改进", "深度学习中常用的一些术语的概念")]
    [True, True, False]
    """
    return bool(_LISTS.search(heading))


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
