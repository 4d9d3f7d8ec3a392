"""The vocabulary of the relation patterns: which words signal a relation, and which block it.

Each relation type has its own cue words, so that a weak verb cannot produce a strong claim:
``introduces`` needs novelty (提出/首次/引入), not mere use (使用/采用/同样使用), and a
negation or prevention cue (不会/很难/避免) in front of a verb blocks it or flips it.

>>> bool(NOVELTY.search("提出了BN")), bool(NOVELTY.search("同样使用了空洞卷积"))
(True, False)
>>> negated("LSTM使得很难出现", 8), negated("会出现", 3)
(True, False)
"""
from __future__ import annotations

import re

__all__ = [
    "ADOPT", "ANAPHOR_PROBLEM", "CAUSES", "CAUSE_OF", "CLAUSE", "COPULA", "CONTRAST", "FIRST_IN", "IDEA_FROM",
    "IMPROVES", "INSTRUMENT", "LOCATIVE_AFTER", "LOCATIVE_BEFORE", "NOVELTY", "OF", "PART", "PART_OF",
    "PRONOUN", "REMOVAL", "REUSE", "ROLE_CUE", "SOLVES", "SPECIAL_CASE", "VARIANT", "negated", "removed",
]

CLAUSE = re.compile(r"[,，;；:：]")
# Negation just before a verb: "不会产生", "很难出现", "无法解决". "不同/不仅/不断" are not negations.
_NEGATION = re.compile(
    r"(不(?![同仅断足均但止少错论过管])|无法|未(?!来)|没有|难以|很难|并非|不容易|避免|防止|"
    r"\bnot\b|n't\b|\bcannot\b|\bnever\b|\bwithout\b)[^,，;；:：。]{0,3}$",
    re.I,
)
_REMOVAL = re.compile(r"(去掉|去除|移除|删除|不要|不用|避免使用|少用|不再|代替|取代|替代|\bremov(e|ed|es|ing)\b|\bdrop(ped|s)?\b|\bavoid)[^,，;；。]{0,6}$", re.I)

SOLVES = re.compile(r"解决|缓解|防止|避免|抑制|减少|减轻|减小|降低|克服|改善|消除|应对|对抗|规避|弥补|控制|"
                    r"\b(solv|alleviat|mitigat|prevent|avoid|reduc|address|overcom|combat|tackl|suppress|eliminat)", re.I)
CAUSES = re.compile(r"导致|引起|造成|产生|带来|引发|出现|容易|会使|"
                    r"\b(lead(s)? to|caus|result(s)? in|give(s)? rise to|suffer)", re.I)
# Novelty: the architecture brings the idea in. Mere use (使用/采用) is ADOPT, reuse is REUSE.
NOVELTY = re.compile(r"引入|提出|首次|首创|首发|率先|开创|创新|发明|给出了|\b(introduc|propos)", re.I)
ADOPT = re.compile(r"采用|使用|利用|加入|增加了|用了|\b(adopt|use[sd]?\b|using\b|employ)", re.I)
REUSE = re.compile(r"(同样|也|依然|仍然|还|都|继续|沿用)\s*(使用|采用|用|利用)")
# "分组卷积最早出现在AlexNet网络中", "1*1卷积首发于NIN": the thing first, then where it came from.
FIRST_IN = re.compile(r"(最早|首次|首先)(出现|提出|用|应用)?(在|于|是在)|首发于|最早由|源自|起源于")
IDEA_FROM = re.compile(r"(想法|思想|思路|灵感|idea)\s*(来自|来源于|源于|出自)\s*(于)?", re.I)
VARIANT = re.compile(r"变体|变种|特例|特殊情况|一种特殊|\b(variant|special case)", re.I)
SPECIAL_CASE = re.compile(r"(就)?(成了|变成了|变为|退化为|即为)")
IMPROVES = re.compile(r"改进|改良|升级|\b(improv(es|ed)? (on|upon)|extend)", re.I)
PART = re.compile(r"由(?!于|此)(?=[^。]*(组成|构成|组合))|包含|包括|结构单元|一部分|组成部分|\b(consist|compos|contain|compris|part of)", re.I)
PART_OF = re.compile(r"一部分|组成部分|part of", re.I)
CONTRAST = re.compile(r"区别|差异(?!化)|对比|比较|异同|不同点|不同之处|的不同|有何不同|有什么不同|\b(differ|compar|contrast|vs\.?)", re.I)
CAUSE_OF = re.compile(r"(的原因是|的原因在于|是由于|是因为|源于|is caused by|comes from|stems from)", re.I)
COPULA = re.compile(r"\s*(是|为|就是|其实是|可以看作|可看作|可以看成|is|was|are)\s*(an?\s+|一种|一个)?\s*", re.I)
OF = re.compile(r"\s*(的|之)?\s*(一种|一个|主要|常见)?\s*")
# A role said of something: "1x1卷积的作用是降维", "用于上采样", "起到正则化的作用", "(降低计算复杂度)".
ROLE_CUE = re.compile(r"作用|用于|用来|用以|目的|为了|以便|以起到|起到|实现|可以|可|能够|能|有助于|帮助|便于|进行|来|从而|"
                      r"使得?|让|具有|达到|主要|\b(for|to|used|helps?|role)\b", re.I)
INSTRUMENT = re.compile(r"(使用|采用|用|通过|借助|利用|引入|加入|添加|加上|增加|包含|结合|基于|with|using|uses?|by)\s*"
                        r"(了)?\s*(一个|一种|一些|多个|\d+\s*个|一系列[^,，;；。()（）]{0,10}?)?\s*(的)?\s*$", re.I)
LOCATIVE_BEFORE = re.compile(r"(在|于|从|往)\s*$")
LOCATIVE_AFTER = re.compile(r"\s*(的)?\s*(前面|后面|之前|之后|前|后|之间|中间|里面|中|上|内)(?![向者期端述])")
PRONOUN = re.compile(r"\s*(这一?|那|它们?|其(?!实)|该|此|这种|这样|这些|上述|此时|这时)")
ANAPHOR_PROBLEM = re.compile(r"\s*(这一?|这个|该|此|这些|这种|上述|以上)(问题|现象|情况|缺点|缺陷)")
REMOVAL = _REMOVAL


def negated(text: str, pos: int) -> bool:
    """A negation or prevention cue in the few characters before ``pos``, within its clause."""
    return bool(_NEGATION.search(text, max(0, pos - 7), pos))


def removed(text: str, pos: int) -> bool:
    """The thing at ``pos`` is taken away or replaced ("去掉整个Pooling", "不再直接使用max pooling")."""
    return bool(_REMOVAL.search(text, max(0, pos - 12), pos))
