"""Plain-text views of graph records for the terminal, and the guard on everything it prints.

Notes are user data: whatever reaches the terminal goes through :func:`safe_text` (or
:func:`safe_json`), so a quotation cannot carry an escape sequence that recolours, retitles or
clears the terminal, even from a knowledge base built before ingest stripped them.

>>> stats_report({"concepts": 2, "relations": 1, "proposed": 0, "by_kind": {"layer": 2}, "by_relation": {"solves": 1}})
'concepts: 2 (0 proposed)\\n  layer          2\\nrelations: 1\\n  solves         1'
"""
from __future__ import annotations

import re
from typing import Any

from ingest.reader import strip_controls
from kg.graph import KnowledgeGraph
from kg.model import Concept, Relation

__all__ = ["stats_report", "concept_report", "relation_line", "safe_text", "safe_json", "tex_as_code"]

_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # direction overrides: they reorder what is shown
_C1 = re.compile("[\x7f-\x9f]")


def safe_text(text: str) -> str:
    r"""``text`` fit for a terminal: no escape sequences, no C0/C1 controls but newline and tab,
    no bidirectional overrides.

    >>> safe_text("BN\x1b[2J层\u202e的作用")
    'BN层的作用'
    """
    return _BIDI.sub("", strip_controls(text))


_TEX = re.compile(r"(?:\\\(.+?\\\)|\$\$.+?\$\$)+", re.S)  # a run of maths spans, as one


def tex_as_code(markdown: str) -> str:
    r"""Maths spans as inline code, so a terminal Markdown renderer prints the TeX as written
    (CommonMark would read ``\(`` as an escaped parenthesis and drop the backslash).

    >>> print(tex_as_code(r"由于\(m_{0}\)初始化为0, \(\alpha = 0.001\)\(\varepsilon\)"))
    由于`\(m_{0}\)`初始化为0, `\(\alpha = 0.001\)\(\varepsilon\)`
    """
    return _TEX.sub(lambda m: m.group(0) if "`" in m.group(0) else f"`{m.group(0)}`", markdown)


def safe_json(text: str) -> str:
    r"""JSON text with the C1 controls that ``ensure_ascii=False`` leaves raw written as ``\u00XX``
    escapes: the data stays exact and the terminal sees no control character.

    >>> safe_json('"a\x9bb"')
    '"a\\u009bb"'
    """
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def stats_report(stats: dict[str, Any]) -> str:
    terms = f"; {stats['terms']} more named but related to nothing (terms)" if stats.get("terms") else ""
    lines = [f"concepts: {stats['concepts']} ({stats['proposed']} proposed){terms}"]
    lines += [f"  {kind:<14} {count}" for kind, count in stats["by_kind"].items()]
    lines.append(f"relations: {stats['relations']}")
    lines += [f"  {rel:<14} {count}" for rel, count in stats["by_relation"].items()]
    return "\n".join(lines)


def relation_line(graph: KnowledgeGraph, relation: Relation) -> str:
    """``ResNet -introduces-> residual connection``."""
    return f"{graph.concept(relation.source).name} -{relation.relation}-> {graph.concept(relation.target).name}"


def concept_report(graph: KnowledgeGraph, concept: Concept, relations: list[Relation]) -> str:
    lines = [f"{concept.name} [{concept.kind}{', proposed' if concept.proposed else ''}]  id={concept.id}"]
    if concept.zh:
        lines.append(f"  中文: {', '.join(concept.zh)}")
    lines.append(f"  aliases: {', '.join(concept.aliases)}")
    if concept.gloss:
        lines.append(f"  gloss: {concept.gloss}")
    term = graph.term(concept.id)
    if term is not None:  # linking vocabulary: named by the notes, related by none of their sentences
        where = ", ".join(f"{doc}:{line}" for doc, line in term.mentioned[:8]) or "no note"
        more = f" (+{len(term.mentioned) - 8} more)" if len(term.mentioned) > 8 else ""
        lines.append(f"  not a graph node: no sentence relates it to another concept; named at {where}{more}")
    lines.append(f"  relations ({len(relations)}):")
    for rel in relations:
        why = f"  (rule {rel.rule}, confidence {rel.confidence:.2f})" if rel.rule else ""
        lines.append(f"    {relation_line(graph, rel)}{why}")
        for ev in rel.evidence[:3]:
            lines.append(f"      [{ev.doc}:{ev.line}] {ev.text}")
        if len(rel.evidence) > 3:
            lines.append(f"      (+{len(rel.evidence) - 3} more)")
    return safe_text("\n".join(lines))
