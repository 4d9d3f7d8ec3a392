"""Propose concepts the catalogue lacks, from the way notes name new things.

A new note brings its own terms; the graph must get nodes for them even without a
catalogue entry. Three shapes are recognised:

* a Chinese term glossed in English, ``复合缩放(Compound Scaling)`` (a trailing
  abbreviation like ``, CNN`` becomes an alias), or the other way round, ``FPN(特征金字塔网络)``;
* an abbreviation spelled out, ``GELU(Gaussian Error Linear Unit)``;
* an English name followed by a Chinese type noun: ``Swish激活函数``, ``SE模块``;
* CamelCase and ``xxNet`` names: ``ShuffleNet``, ``PixelShuffle``, ``EfficientNet-B0``;
* English terms ending in a typed head noun: ``Switchable Normalization``, ``Dice Loss``.

Terms the linker already knows are skipped. A term also counts when it fills the slot of a
relation pattern (:func:`propose_in_slots`): "CutMix可以抑制过拟合" (a technique),
"引入了可变形卷积模块" (a layer), "缓解了梯度弥漫问题" (a problem). Every proposal has
``proposed=True``, a kind read from its head noun or its slot, and ``introduced_by``, the
sentence that brought it in.

>>> [(c.name, c.kind) for c in propose("EfficientNet使用复合缩放(Compound Scaling)方法", lambda t: False)]
[('Compound Scaling', 'concept'), ('EfficientNet', 'architecture')]
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from kg.model import Concept
from kg.text import compact

__all__ = ["propose", "propose_in_slots", "kind_of", "typed_by_use"]

_GLOSSED = re.compile(
    r"([\u4e00-\u9fff]{2,12})\s*[（(]\s*([A-Za-z][A-Za-z0-9'\- ]{2,48}?)\s*(?:[,，]\s*([A-Za-z][A-Za-z0-9\-]{1,12}))?\s*[)）]"
)
_GLOSSED_ZH = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9\-]{1,20})\s*[（(]\s*([\u4e00-\u9fff]{2,12})\s*[)）]")
_ABBREVIATED = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Za-z0-9\-]{1,15})\s*[（(]\s*([A-Z][A-Za-z\-]+(?: [A-Za-z\-]+){1,6})\s*[)）]")
_TYPED_ZH = re.compile(r"(?<![A-Za-z0-9\-])([A-Z][A-Za-z0-9\-+]{1,20})\s*(激活函数|损失函数|优化器|模块|网络|结构|层|归一化|算法|检测器)")
_CAMEL = re.compile(r"(?<![A-Za-z0-9])((?:[A-Z][a-z]+(?:[A-Z][a-z0-9]+)+(?:-[A-Z]?\d+)?|[A-Z][A-Za-z]*Net(?:-?[vVbB]?\d+)?)"
                    r"(?:\+\+)?)(?![A-Za-z0-9])")
_HEADED = re.compile(
    r"(?<![A-Za-z0-9])((?:[A-Z][a-zA-Z]+[ -]){1,3}(?:Normali[sz]ation|Loss|Pooling|Convolution|Attention|Dropout|"
    r"Initiali[sz]ation|Regulari[sz]ation|Optimi[sz]er|Network|Block|Layer|Connection|Module))(?![A-Za-z])"
)
# Words that end a Chinese phrase before the term itself starts: "提出了著名的批归一化" -> "批归一化".
_ZH_LEAD = re.compile(r".*(?:的|了|是|和|与|在|将|对|为|即|也|被|把|使|用|及|或|会|致|起|称|叫|就|由|从|向|让|给|做|次|再|后)")
# Version tokens ("V3" under an Inception heading), two-letter words ("AI") and negated adjectives.
_NOT_A_NAME = re.compile(r"^([vV]?\d+|[A-Z]{1,2}|Non-\w+)$")
_NOT_TERMS = {"github", "pytorch", "tensorflow", "youtube", "javascript", "imagenet", "powerpoint", "markdown", "openai"}


def _zh_term(phrase: str) -> str:
    return _ZH_LEAD.sub("", phrase)


def _slug(name: str) -> str:
    ascii_part = re.sub(r"[^a-z0-9]+", "_", name.lower().replace("+", "plus")).strip("_")
    return "p_" + (ascii_part or "_".join(f"{ord(c):x}" for c in name))


# Head nouns and the kind they give a new term, most specific first.
_HEADS: tuple[tuple[re.Pattern[str], str, str | None], ...] = tuple(
    (re.compile(pattern + r")$", re.I), kind, category) for pattern, kind, category in (
        (r"(激活函数|activation( function)?", "concept", "activation"),
        (r"(损失函数|损失|loss", "concept", "loss"),
        (r"(优化器|optimi[sz]er", "concept", "optimizer"),
        (r"(问题|现象|效应|困难|崩溃|退化|problem|effect|collapse|artifacts?", "problem", None),
        (r"(网络|Net(-?[vVbB]?\d+|\+\+)?|Network|former|GAN|模型|检测器|Detector", "architecture", None),
        (r"(卷积|池化|层|模块|结构|单元|块|头|分支|注意力|注意力机制|连接|Convolution|Conv|Pooling|Layer|Block|Module|Unit|"
         r"Head|Attention|Connection", "layer", None),
        (r"(归一化|正则化|标准化|初始化|增强|方法|策略|机制|技术|技巧|算法|采样|蒸馏|剪枝|量化|窗|变换|滤波|滤波器组|掩码|Normali[sz]ation|"
         r"Regulari[sz]ation|Initiali[sz]ation|Dropout|Augmentation|Mix|Sampling|Distillation|Pruning|Smoothing", "technique", None),
    ))
_CAMEL_NAME = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z0-9]+)+$")
_LATIN = r"[A-Z][A-Za-z0-9\-]+(?: [A-Z][A-Za-z0-9\-]+){0,3}"
_ZH_TYPED = r"[\u4e00-\u9fffA-Za-z0-9\-]{1,10}(?:模块|卷积|层|结构|机制|算子|池化|归一化|注意力|损失函数|头|网络|单元)"
# "CutMix可以抑制过拟合": the slot before a remedy verb holds a technique.
_REMEDY_SLOT = re.compile(rf"(?<![A-Za-z0-9\-])(?P<t>{_LATIN}|{_ZH_TYPED})\s*(?:可以|能够|能|可|也)?\s*(?:有效|显著|进一步|很好)?地?"
                          r"\s*(?:抑制|缓解|解决|防止|减轻|避免|克服|消除|改善)")
# "引入了可变形卷积模块": the slot after a novelty verb holds a layer or technique.
_NOVEL_SLOT = re.compile(rf"(?:引入|提出|设计)了?\s*(?:一种|一个|新的|名为)?\s*(?P<t>{_ZH_TYPED}|{_LATIN})")
# "缓解了梯度弥漫问题": the slot before 问题/现象 after a remedy or cause verb holds a problem.
_PROBLEM_SLOT = re.compile(r"(?:缓解|解决|抑制|导致|引起|造成|避免|减轻|减少|降低|消除|克服|出现|存在|产生)了?[^,，。;；]{0,16}?"
                           r"(?P<t>[\u4e00-\u9fff]{2,10}?)"
                           r"(?:的)?(?P<h>问题|现象|效应)")
# Slot fillers that are not names: pronouns, quantifiers, degree words, bare head nouns ("网络结构").
_UNSPECIFIC = re.compile(r"^(这|那|该|此|上面|上述|以上|下面|一些|一个|一种|什么|更|很|较|某|各|每|其|多|如何|怎样|哪|相同|同样|"
                         r"类似|新的|不同|整个|整体|网络|模型)|^[\u4e00-\u9fff]{0,1}(网络|模型|结构|模块|层|方法)")
# "Mixup通过...,能够有效抑制过拟合", "- Pre-LN:把LayerNorm放在...可以缓解...": a Latin name opening a
# sentence (or leading a bullet) whose verb is a remedy or a cause is the subject slot: a technique.
_SUBJECT_SLOT = re.compile(r"^\s*(?:[-*•]\s*)?(?P<t>[A-Z][A-Za-z0-9]*(?:[-+][A-Za-z0-9+]+)*)(?![A-Za-z0-9]| [A-Z])"
                           r"(?=[^。；;]{0,40}?(?:抑制|缓解|解决(?!方案)|防止|减轻|避免|克服|导致|引起|造成|容易出现))")
# "CutMix和Mixup的区别": both sides of a contrast are names.
_CONTRAST_SLOT = re.compile(r"(?<![A-Za-z0-9])(?P<t>[A-Z][A-Za-z0-9\-+]{1,20})\s*(?:和|与|跟|vs\.?)\s*(?P<u>[A-Z][A-Za-z0-9\-+]{1,20})"
                            r"\s*(?:的)?\s*(?:区别|不同|差异|异同|对比)")
_REMEDY_VERB = re.compile(r"抑制|缓解|解决(?!方案)|防止|减轻|避免|克服|消除|改善")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+")


def kind_of(name: str) -> tuple[str, str | None]:
    """The kind (and category) a new term's head noun implies, else ``("concept", None)``.

    >>> kind_of("可变形卷积模块"), kind_of("Mish激活函数"), kind_of("CutMix"), kind_of("网格效应")
    (('layer', None), ('concept', 'activation'), ('technique', None), ('problem', None))
    """
    for pattern, kind, category in _HEADS:
        if pattern.search(name):
            return kind, category
    return ("technique", None) if _CAMEL_NAME.match(name) else ("concept", None)


def _concept(name: str, zh: list[str], aliases: list[str], kind: str, category: str | None, sentence: str) -> Concept:
    names = tuple(dict.fromkeys([name, *zh, *aliases]))
    return Concept(id=_slug(name), name=name, kind=kind, aliases=names, zh=tuple(zh), category=category,
                   proposed=True, introduced_by=sentence.strip()[:300])


def propose(text: str, known: Callable[[str], bool]) -> list[Concept]:
    """New concepts named in ``text`` that ``known`` (alias lookup) does not recognise, by name."""
    found: dict[str, Concept] = {}
    seen: set[str] = set()
    for sentence in _SENTENCE.findall(text):
        if sentence not in seen:  # repeated lines name nothing new
            seen.add(sentence)
            _shaped(sentence, known, found)
    return sorted(found.values(), key=lambda c: c.name.casefold())


def _shaped(sentence: str, known: Callable[[str], bool], found: dict[str, Concept]) -> None:
    def add(name: str, zh: Iterable[str] = (), aliases: Iterable[str] = (), typed: str = "") -> None:
        zh, aliases = [z for z in zh if len(z) >= 2], [a for a in aliases if a and len(a) >= 2]
        if any(known(n) for n in [name, *zh, *aliases]) or compact(name) in _NOT_TERMS or compact(name) in found \
                or _NOT_A_NAME.match(name):
            return
        kind, category = kind_of(typed or (zh[0] if zh else name))
        found[compact(name)] = _concept(name, zh, aliases, kind, category, sentence)

    for match in _GLOSSED.finditer(sentence):
        zh, english, abbreviation = _zh_term(match.group(1)), match.group(2).strip(), match.group(3)
        # A lone lower-case word in brackets is usually a translation ("分布(distribution)"), not a term.
        if 2 <= len(zh) <= 10 and len(english) >= 3 and (" " in english or english != english.lower()):
            add(english, [zh], [abbreviation] if abbreviation else [])
    for match in _GLOSSED_ZH.finditer(sentence):
        if match.group(1) != match.group(1).lower():  # "FPN(特征金字塔网络)", not "scale(尺度)"
            add(match.group(1), [match.group(2)])
    for match in _ABBREVIATED.finditer(sentence):
        add(match.group(2), [], [match.group(1)])
    for match in _TYPED_ZH.finditer(sentence):
        add(match.group(1).strip(), (), [match.group(0)], typed=match.group(0))
    for pattern in (_CAMEL, _HEADED):
        for match in pattern.finditer(sentence):
            add(match.group(1).strip())


def propose_in_slots(text: str, known: Callable[[str], bool], mentions: Callable[[str], bool]) -> list[Concept]:
    """New terms filling the slot of a relation pattern, with the kind the slot implies.

    ``known`` tests a whole name, ``mentions`` whether a phrase contains a known concept
    (then the relation goes to that concept and nothing is proposed).

    >>> [(c.name, c.kind) for c in propose_in_slots("CutMix可以抑制过拟合。引入了可变形卷积模块。",
    ...                                              lambda t: False, lambda t: False)]
    [('CutMix', 'technique'), ('可变形卷积模块', 'layer')]
    """
    found: dict[str, Concept] = {}
    tried: set[str] = set()  # a term is judged once, however often the note repeats it
    for sentence in _SENTENCE.findall(text):
        for pattern, slot in ((_SUBJECT_SLOT, "technique"), (_REMEDY_SLOT, "technique"), (_NOVEL_SLOT, "technique"),
                              (_PROBLEM_SLOT, "problem")):
            for match in pattern.finditer(sentence):
                if slot == "problem":  # "点云的无序性问题" -> 无序性; a problem keeps 利用/使用 inside it
                    term = match.group("t").rsplit("的", 1)[-1] + ("" if match.group("h") == "问题" else match.group("h"))
                else:
                    term = _zh_term(match.group("t")).strip()
                if term in tried:
                    continue
                tried.add(term)
                if len(term) < 3 or _UNSPECIFIC.match(term) or known(term) or mentions(term) or _NOT_A_NAME.match(term) \
                        or compact(term) in found or compact(term) in _NOT_TERMS:
                    continue
                kind, category = kind_of(term)
                if slot == "problem" or kind == "concept":
                    kind, category = slot, None
                found[compact(term)] = _concept(term, [], [], kind, category, sentence)
    for sentence in _SENTENCE.findall(text):
        for match in _CONTRAST_SLOT.finditer(sentence):
            for term in (match.group("t"), match.group("u")):
                if not (known(term) or mentions(term) or _NOT_A_NAME.match(term) or compact(term) in found
                        or compact(term) in _NOT_TERMS):
                    found[compact(term)] = _concept(term, [], [], *kind_of(term), sentence)
    return sorted(found.values(), key=lambda c: c.name.casefold())


def typed_by_use(concepts: list[Concept], text: str) -> list[Concept]:
    """Untyped proposals that open a sentence whose verb is a remedy become techniques.

    >>> [c.kind for c in typed_by_use(propose("学习率预热(Warmup)在前几个epoch使用较小的学习率", lambda t: False),
    ...                                "学习率预热(Warmup)在前几个epoch使用较小的学习率,可以缓解不稳定现象。")]
    ['technique']
    """
    untyped = {c.id: c for c in concepts if c.kind == "concept" and not c.category}
    retyped: dict[str, Concept] = {}
    for sentence in _SENTENCE.findall(text):
        opening = sentence.lstrip(" -*•\t")
        verb = _REMEDY_VERB.search(opening, 0, 60)
        if not verb:
            continue
        for concept in untyped.values():
            if any(opening.startswith(n) for n in concept.aliases if len(n) >= 2):
                retyped[concept.id] = replace(concept, kind="technique")
    return [retyped.get(c.id, c) for c in concepts]
