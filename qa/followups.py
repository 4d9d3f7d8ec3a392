"""Follow-up questions an interviewer would ask next, taken from the notes and the graph.

First come the notes' own question headings that name the concept (they are real
interview questions and the notes answer them), then questions built from the concept's
edges: what it solves, what it is contrasted with, what introduced it.

>>> from kg.model import Concept, Evidence, Relation
>>> g = KnowledgeGraph.from_parts([Concept("bn", "BN", "technique", zh=("批归一化",)),
...     Concept("ics", "internal covariate shift", "problem", zh=("内部协变量偏移",))],
...     [Relation("bn", "solves", "ics", (Evidence("n.md", 1, "BN缓解ICS"),))])
>>> from_graph(g, "bn", "zh")[0]
'批归一化是如何缓解内部协变量偏移的?'
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from kg.graph import KnowledgeGraph
from kg.model import Relation, Section
from kg.text import fold
from qa.chunks import substantive

__all__ = ["from_graph", "question_headings", "followups"]

# Headings that are questions, not labels like "4.使用BatchNorm" or "BN的公式".
_ASKS = re.compile(r"[?？]|什么|为什么|为何|如何|怎么|怎样|哪些|区别|作用|优缺点|原理|思想|理解|介绍|简述|why|how|what", re.I)

_TEMPLATES = {
    "zh": {
        "solves": "{s}是如何缓解{t}的?",
        "causes": "为什么{s}会导致{t}? 怎么解决?",
        "has_role": "{s}是怎么起到{t}作用的?",
        "contrasts_with": "{s}和{t}有什么区别?",
        "variant_of": "{s}相比{t}做了哪些改动?",
        "improves_on": "{s}相比{t}做了哪些改进?",
        "introduces": "{s}为什么要引入{t}?",
        "part_of": "{s}在{t}中起什么作用?",
        "other_solutions": "除了{s},还有哪些方法可以解决{t}?",
    },
    "en": {
        "solves": "How does {s} mitigate {t}?",
        "causes": "Why does {s} cause {t}, and how is it fixed?",
        "has_role": "How does {s} help with {t}?",
        "contrasts_with": "How does {s} differ from {t}?",
        "variant_of": "What does {s} change compared with {t}?",
        "improves_on": "How does {s} improve on {t}?",
        "introduces": "Why did {s} introduce {t}?",
        "part_of": "What role does {s} play in {t}?",
        "other_solutions": "Besides {s}, what else addresses {t}?",
    },
}


def _name(graph: KnowledgeGraph, concept_id: str, lang: str) -> str:
    concept = graph.concept(concept_id)
    if lang == "zh":
        return concept.display_zh
    # Roles and problems read as common nouns in a sentence ("help with dimension reduction").
    return concept.name.lower() if concept.kind in ("role", "problem") else concept.name


def from_graph(graph: KnowledgeGraph, concept_id: str, lang: str,
               relations: Callable[[str], Iterable[Relation]] | None = None) -> list[str]:
    """Questions built from the edges of one concept, in relation order; ``relations`` looks up a
    concept's edges (default: the graph's; the read model passes its precomputed ones)."""
    templates = _TEMPLATES["en" if lang == "en" else "zh"]
    out: list[str] = []
    for rel in (relations or graph.relations_of)(concept_id):
        s, t = _name(graph, rel.source, lang), _name(graph, rel.target, lang)
        out.append(templates[rel.relation].format(s=s, t=t))
        if rel.relation == "solves" and rel.source == concept_id:
            out.append(templates["other_solutions"].format(s=s, t=t))
    return list(dict.fromkeys(out))


def question_headings(sections: Iterable[Section], mentions: dict[str, frozenset[str]]) -> dict[str, tuple[tuple[str, str], ...]]:
    """For each concept, the (section id, title) of the notes' question headings that name it.

    Computed once per read model, so a follow-up costs a lookup rather than a pass over every section.
    """
    out: dict[str, list[tuple[str, str]]] = {}
    for section in sections:
        if len(section.title) > 40 or not _ASKS.search(section.title) or not substantive(section.body):
            continue
        for concept_id in sorted(mentions.get(section.id, ())):
            out.setdefault(concept_id, []).append((section.id, section.title))
    return {k: tuple(v) for k, v in out.items()}


def followups(graph: KnowledgeGraph, headings: dict[str, tuple[tuple[str, str], ...]], concept_ids: Sequence[str],
              cited: set[str], lang: str, asked: Iterable[str] = (), limit: int = 4,
              relations: Callable[[str], Iterable[Relation]] | None = None) -> list[str]:
    """Up to ``limit`` follow-ups for the concepts of an answer, the notes' headings first;
    never a section already cited, nor a question already ``asked`` (compared folded)."""
    chosen = concept_ids[:2]
    seen = {fold(q).strip(" ?？") for q in asked}
    by_section = {sid: title for c in chosen for sid, title in headings.get(c, ()) if sid not in cited}
    questions = list(dict.fromkeys(by_section.values()))[:2]
    for concept_id in chosen:
        questions += from_graph(graph, concept_id, lang, relations)
    fresh = [q for q in dict.fromkeys(questions) if fold(q).strip(" ?？") not in seen]
    return fresh[:limit]
