"""Propose concepts the catalogue lacks, from the way notes name new things.

A new note brings its own terms; the graph must get nodes for them even without a
catalogue entry. Three shapes are recognised:

* a Chinese term glossed in English, ``复合缩放(Compound Scaling)`` (a trailing
  abbreviation like ``, CNN`` becomes an alias), or the other way round, ``FPN(特征金字塔网络)``;
* an abbreviation spelled out, ``GELU(Gaussian Error Linear Unit)``;
* an English name followed by a Chinese type noun: ``Swish激活函数``, ``SE模块``;
* CamelCase and ``xxNet`` names: ``ShuffleNet``, ``PixelShuffle``, ``EfficientNet-B0``;
* English terms ending in a typed head noun: ``Switchable Normalization``, ``Dice Loss``.

Terms the linker already knows are skipped. Proposals have kind ``concept`` and
``proposed=True``.

>>> [c.name for c in propose("EfficientNet使用复合缩放(Compound Scaling)方法", lambda t: False)]
['Compound Scaling', 'EfficientNet']
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from kg.model import Concept
from kg.text import compact

__all__ = ["propose"]

_GLOSSED = re.compile(
    r"([\u4e00-\u9fff]{2,12})\s*[（(]\s*([A-Za-z][A-Za-z0-9'\- ]{2,48}?)\s*(?:[,，]\s*([A-Za-z][A-Za-z0-9\-]{1,12}))?\s*[)）]"
)
_GLOSSED_ZH = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9\-]{1,20})\s*[（(]\s*([\u4e00-\u9fff]{2,12})\s*[)）]")
_ABBREVIATED = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Za-z0-9\-]{1,15})\s*[（(]\s*([A-Z][A-Za-z\-]+(?: [A-Za-z\-]+){1,6})\s*[)）]")
_TYPED_ZH = re.compile(r"(?<![A-Za-z0-9\-])([A-Z][A-Za-z0-9\-]{1,20})\s*(激活函数|损失函数|优化器|模块|网络|结构|层|归一化|算法)")
_CAMEL = re.compile(r"(?<![A-Za-z0-9])([A-Z][a-z]+(?:[A-Z][a-z0-9]+)+(?:-[A-Z]?\d+)?|[A-Z][A-Za-z]*Net(?:-?[vVbB]?\d+)?)(?![A-Za-z0-9])")
_HEADED = re.compile(
    r"(?<![A-Za-z0-9])((?:[A-Z][a-zA-Z]+[ -]){1,3}(?:Normali[sz]ation|Loss|Pooling|Convolution|Attention|Dropout|"
    r"Initiali[sz]ation|Regulari[sz]ation|Optimi[sz]er|Network|Block|Layer|Connection|Module))(?![A-Za-z])"
)
# Words that end a Chinese phrase before the term itself starts: "提出了著名的批归一化" -> "批归一化".
_ZH_LEAD = re.compile(r".*(?:的|了|是|和|与|在|将|对|为|即|也|被|把|使|用|及|或|会|致|起|称|叫|就|由|从|向|让|给)")
_NOT_TERMS = {"github", "pytorch", "tensorflow", "youtube", "javascript", "imagenet", "powerpoint", "markdown", "openai"}


def _zh_term(phrase: str) -> str:
    return _ZH_LEAD.sub("", phrase)


def _slug(name: str) -> str:
    ascii_part = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return "p_" + (ascii_part or "_".join(f"{ord(c):x}" for c in name))


def propose(text: str, known: Callable[[str], bool]) -> list[Concept]:
    """New concepts named in ``text`` that ``known`` (alias lookup) does not recognise, by name."""
    found: dict[str, Concept] = {}

    def add(name: str, zh: Iterable[str] = (), aliases: Iterable[str] = ()) -> None:
        zh, aliases = [z for z in zh if len(z) >= 2], [a for a in aliases if a and len(a) >= 2]
        names = [name, *zh, *aliases]
        if any(known(n) for n in names) or compact(name) in _NOT_TERMS or compact(name) in found:
            return
        found[compact(name)] = Concept(
            id=_slug(name), name=name, kind="concept", aliases=tuple(dict.fromkeys(names)), zh=tuple(zh), proposed=True
        )

    for match in _GLOSSED.finditer(text):
        zh, english, abbreviation = _zh_term(match.group(1)), match.group(2).strip(), match.group(3)
        # A lone lower-case word in brackets is usually a translation ("分布(distribution)"), not a term.
        if 2 <= len(zh) <= 8 and len(english) >= 3 and (" " in english or english != english.lower()):
            add(english, [zh], [abbreviation] if abbreviation else [])
    for match in _GLOSSED_ZH.finditer(text):
        if match.group(1) != match.group(1).lower():  # "FPN(特征金字塔网络)", not "scale(尺度)"
            add(match.group(1), [match.group(2)])
    for match in _ABBREVIATED.finditer(text):
        add(match.group(2), [], [match.group(1)])
    for pattern in (_TYPED_ZH, _CAMEL, _HEADED):
        for match in pattern.finditer(text):
            add(match.group(1).strip())
    return sorted(found.values(), key=lambda c: c.name.casefold())
