"""Compose the answer text from retrieved passages and graph facts; no generation, only quotation.

The markdown leads with the best passage quoted verbatim and cited, then key sentences
from the other passages (no repeats), then the graph context as chains
(``ResNet —引入→ 残差连接 —缓解→ 梯度消失``), then follow-up questions. Framing is in
the question's language; quoted text stays in the notes' language. Everything quoted is
escaped for Markdown and HTML, so a note can neither inject markup nor lose its formulas.

>>> escape_markdown("m_{t} <b>x</b> \\\\frac")
'm\\\\_\\\\{t\\\\} &lt;b&gt;x&lt;/b&gt; \\\\\\\\frac'
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence

from kg.graph import KnowledgeGraph
from kg.model import Relation
from qa.answer import Fact, Source

__all__ = ["LABELS", "RELATION_LABELS", "escape_markdown", "quote", "key_points", "facts", "chains", "answer_markdown", "refusal_markdown"]

LABELS = {
    "zh": {"answer": "回答", "points": "要点", "graph": "知识图谱", "followups": "追问", "demos": "动手演示",
           "refused": "笔记里没有这个问题的答案", "nearest": "笔记涵盖的相近主题", "from": "出处",
           "possible": "可能相关:笔记未必直接回答了这个问题,以下是最接近的段落。"},
    "en": {"answer": "Answer", "points": "Key points", "graph": "From the knowledge graph", "followups": "Follow-up questions",
           "demos": "Try it", "refused": "The notes do not cover this question", "nearest": "Nearest topics the notes do cover",
           "from": "Source",
           "possible": "Possible match: the notes may not answer this directly; these are the closest passages."},
}
RELATION_LABELS = {
    "zh": {"introduces": "引入", "solves": "缓解", "causes": "导致", "has_role": "作用", "part_of": "组成",
           "variant_of": "变体", "improves_on": "改进", "contrasts_with": "对比"},
    "en": {"introduces": "introduces", "solves": "mitigates", "causes": "causes", "has_role": "serves as",
           "part_of": "is part of", "variant_of": "is a variant of", "improves_on": "improves on",
           "contrasts_with": "contrasts with"},
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")
_MARKER = re.compile(r"^\s*(#{1,6}\s+|[-*•]\s+|\d{1,2}[.、]\s*)")


def escape_markdown(text: str) -> str:
    """Make ``text`` render literally: HTML-escape it, then backslash Markdown's special characters."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def quote(text: str) -> str:
    """A Markdown block quote of ``text``; a heading line shows in bold without its ``#`` marks.

    >>> quote("## Q?")
    '> **Q?**'
    """
    lines = []
    for line in text.split("\n"):
        heading = _HEADING.match(line)
        if heading:
            lines.append(f"> **{escape_markdown(heading.group(1))}**")
        else:
            lines.append("> " + escape_markdown(line) if line.strip() else ">")
    return "\n".join(lines)


def key_points(sources: Sequence[Source], terms: Sequence[str], limit: int = 4, width: int = 160) -> list[tuple[str, Source]]:
    """The first sentence of each further passage that names a question term, without repeats."""
    seen = [sources[0].text] if sources else []
    points: list[tuple[str, Source]] = []
    for source in sources[1:]:
        body = "\n".join(line for line in source.text.split("\n") if not _HEADING.match(line))
        for raw in _SENTENCE.findall(body):
            sentence = _MARKER.sub("", raw).strip()
            if len(sentence) < 6 or len(sentence) > width or any(sentence in s for s in seen):
                continue
            if terms and not any(t.casefold() in sentence.casefold() for t in terms):
                continue
            points.append((sentence, source))
            seen.append(sentence)
            break
        if len(points) >= limit:
            break
    return points


def facts(graph: KnowledgeGraph, relations: Sequence[Relation]) -> list[Fact]:
    return [
        Fact(r.source, r.relation, r.target, graph.concept(r.source).name, graph.concept(r.target).name,
             tuple(e.to_dict() for e in r.evidence[:3]))
        for r in relations
    ]


def chains(graph: KnowledgeGraph, relations: Sequence[Relation], lang: str, limit: int = 5) -> list[str]:
    """Readable chains: an edge followed, where possible, by a solves/has_role edge leaving its target
    (``ResNet —引入→ 残差连接 —缓解→ 梯度消失``)."""
    labels = RELATION_LABELS[lang]

    def name(concept_id: str) -> str:
        concept = graph.concept(concept_id)
        return concept.display_zh if lang == "zh" else concept.name

    def onward(concept_id: str) -> list[Relation]:
        return [r for r in graph.relations_of(concept_id) if r.source == concept_id and r.relation in ("solves", "has_role")]

    lines: list[str] = []
    used: set[tuple[str, str, str]] = set()
    for rel in relations:
        if rel.key in used:
            continue
        used.add(rel.key)
        text = f"{name(rel.source)} —{labels[rel.relation]}→ {name(rel.target)}"
        nxt = None
        if rel.relation in ("introduces", "part_of", "variant_of", "improves_on"):
            nxt = next((r for r in onward(rel.target) if r.key not in used and r.target != rel.source), None)
        if nxt is not None:
            used.add(nxt.key)
            text += f" —{labels[nxt.relation]}→ {name(nxt.target)}"
        lines.append(escape_markdown(text))
        if len(lines) >= limit:
            break
    return lines


def _cite(source: Source) -> str:
    return f"`{source.citation}`"


def answer_markdown(lang: str, sources: Sequence[Source], points: Sequence[tuple[str, Source]], chain_lines: Sequence[str],
                    followup_questions: Sequence[str], demo_titles: Sequence[str], possible: bool = False) -> str:
    """The answer; ``possible`` marks it as a low-confidence match, above the quotation."""
    labels = LABELS[lang]
    top = sources[0]
    heading = f" · {escape_markdown(top.heading)}" if top.heading else ""
    notice = [f"*{labels['possible']}*", ""] if possible else []
    parts = [*notice, f"**{labels['answer']}**", "", quote(top.text), "", f"— {labels['from']}: {_cite(top)}{heading}"]
    if points:
        parts += ["", f"**{labels['points']}**", ""]
        parts += [f"- {escape_markdown(text)} ({_cite(source)})" for text, source in points]
    if chain_lines:
        parts += ["", f"**{labels['graph']}**", ""] + [f"- {line}" for line in chain_lines]
    if followup_questions:
        parts += ["", f"**{labels['followups']}**", ""] + [f"- {escape_markdown(q)}" for q in followup_questions]
    if demo_titles:
        parts += ["", f"**{labels['demos']}**", ""] + [f"- {escape_markdown(t)}" for t in demo_titles]
    return "\n".join(parts)


def refusal_markdown(lang: str, nearest: Sequence[str]) -> str:
    labels = LABELS[lang]
    parts = [f"**{labels['refused']}.**"]
    if nearest:
        parts += ["", f"{labels['nearest']}:", ""] + [f"- {escape_markdown(t)}" for t in nearest]
    return "\n".join(parts)
