"""Compose the answer text from retrieved passages and graph facts; no generation, only quotation.

:func:`answer_markdown` (the API's ``Answer.markdown``) leads with the best passage quoted
verbatim and cited, then key sentences from the other passages, then the graph context as
chains (``ResNet —引入→ 残差连接 —缓解→ 梯度消失``), then follow-up questions.
:func:`render` (the app and the terminal) leads instead with a short answer: two or three
sentences picked from the cited passages for the question's intent (the reason for "why",
one sentence per side for "difference"), each with its citation, then key points that repeat
none of them, then the chains; the full passages go in a separate sources block.
Framing follows the language asked for; quoted text stays in the notes' language. Everything
quoted is escaped for Markdown and HTML, so a note can neither inject markup nor lose its formulas.

>>> escape_markdown("m_{t} <b>x</b> \\\\frac")
'm\\\\_\\\\{t\\\\} &lt;b&gt;x&lt;/b&gt; \\\\\\\\frac'
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from os.path import commonprefix
from typing import Literal

from kg.graph import KnowledgeGraph
from kg.model import Relation
from qa.answer import Answer, Fact, Outline, Source
from qa.chunks import code_lines

__all__ = ["LABELS", "RELATION_LABELS", "escape_markdown", "unescape_markdown", "quote", "sentences", "short_answer",
           "key_points", "facts", "chains", "answer_markdown", "Notice", "notice_line", "unexplained", "as_read", "outline_lines", "refusal_markdown", "topic_names", "render", "plain"]

LABELS = {
    "zh": {"answer": "回答", "short": "简答", "points": "要点", "graph": "知识图谱", "followups": "追问", "demos": "动手演示",
           "refused": "笔记里没有这个问题的答案", "nearest": "笔记涵盖的相近主题", "from": "出处",
           "possible": "可能相关:笔记未必直接回答了这个问题,以下是最接近的段落。", "unmentioned": "笔记里没有出现",
           "unexplained": "引用的段落没有讲到", "read_as": "按此理解",
           "outline": "笔记中这一节的 {total} 条", "more": "另有 {n} 条"},
    "en": {"answer": "Answer", "short": "In short", "points": "Key points", "graph": "From the knowledge graph", "followups": "Follow-up questions",
           "demos": "Try it", "refused": "The notes do not cover this question", "nearest": "Nearest topics the notes do cover",
           "from": "Source",
           "possible": "Possible match: the notes may not answer this directly; these are the closest passages.",
           "unmentioned": "The notes never mention",
           "unexplained": "None of the cited passages explains", "read_as": "Read as",
           "outline": "The {total} items of this section of the notes", "more": "{n} more"},
}
RELATION_LABELS = {
    "zh": {"introduces": "引入", "solves": "缓解", "causes": "导致", "has_role": "作用", "part_of": "组成",
           "variant_of": "变体", "improves_on": "改进", "contrasts_with": "对比"},
    "en": {"introduces": "introduces", "solves": "mitigates", "causes": "causes", "has_role": "serves as",
           "part_of": "is part of", "variant_of": "is a variant of", "improves_on": "improves on",
           "contrasts_with": "contrasts with"},
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#+!|~>$-])")
_MATH = re.compile(r"\$\$.+?\$\$|\\\(.+?\\\)", re.S)  # "\[" is an escaped "[", never maths
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")
_MARKER = re.compile(r"^\s*(#{1,6}\s+|[-*•]\s+|\d{1,2}[.、]\s*)")
_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]#+!|~>$-])")
# Not a statement: a table-of-contents entry or list lead-in ("…有以下几点:"), a question,
# a link title, a bare URL, the title of a cited article (a line ending in its footnote number,
# "…总结-CSDN博客[11]"), or a bare name: one or two English words, or three capitalised ones,
# with no full stop (the notes list "- Layer Normalization" under a heading; as a short answer
# it says nothing, while "Dropout reduces overfitting" does), or a name with its English one in
# brackets and nothing else ("- 随机失活(Dropout)", listed the same way), or the caption of a figure the
# capture dropped: a short line with no punctuation naming a figure, formula or use ("ELU的导数图",
# "1 * 1卷积在GoogLeNet中的应用"; on our questions, short answers and key points held the
# evidence as often or slightly more often without them).
_NOT_A_POINT = re.compile(r"([:：?？]\s*$)|\]\(|https?://|^\W*$|\[\d{1,2}\]\s*$"
                          r"|^[A-Za-z][A-Za-z0-9_\-]*(?:\s+[A-Za-z0-9_\-]+)?[,，]?\s*$"
                          r"|^[A-Z][A-Za-z0-9_\-]*(?:\s+(?:[A-Z0-9][A-Za-z0-9_\-]*|v\d+)){2}[,，]?\s*$"
                          r"|^[\u4e00-\u9fffA-Za-z0-9 \-]{1,16}[(（][A-Za-z][A-Za-z0-9 _\-]*[)）][,，]?\s*$"
                          r"|^[^，,。；;：:！!？?()（）=]{2,28}(?:示意图|图示|函数图|导数图|结构图|流程图|图|公式|流程|的应用)$")
# Words that mark the sentence an intent asks for (the reason, the use, the contrast ...).
_CUES: dict[str, re.Pattern[str]] = {intent: re.compile(p, re.I) for intent, p in {
    "why": r"因为|由于|原因|所以|因此|从而|导致|使得|解决|缓解|避免|because|since|due to|so that|therefore|thus|avoid",
    "role": r"作用|用于|用来|目的|可以|能够|有利于|加快|减少|提高|防止|缓解|增强|used|helps?|reduces?|allows?|serves?",
    "pros": r"优点|优势|好处|可以|能够|提高|加快|benefit|advantage|faster|better",
    "cons": r"缺点|不足|问题|依赖|不稳定|难以|无法|drawback|limitation|depends|unstable",
    "pros_cons": r"优点|缺点|优势|不足|advantage|drawback",
    "difference": r"而|相比|不同|区别|反之|whereas|while|unlike|instead",
    "compute": r"=|×|参数量|计算量|公式|formula|parameters",
    "how": r"通过|使用|采用|方法|可以|by |using|use",
    "train_test": r"训练|测试|推理|train|test|inference",
    "definition": r"是|指|称为|即|表示|\bis\b|refers|means",
}.items()}


def _spans(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_maths) around its ``$$…$$`` and ``\\(…\\)`` spans."""
    out, at = [], 0
    for match in _MATH.finditer(text):
        out += [(text[at:match.start()], False), (match.group(0), True)]
        at = match.end()
    return [*out, (text[at:], False)]


def escape_markdown(text: str) -> str:
    """Make ``text`` render literally: HTML-escape it, then backslash Markdown's special characters.

    Maths between TeX delimiters is only HTML-escaped: the app's KaTeX reads it from the raw
    Markdown, so a backslash added there would change the formula. Parentheses are left alone
    (with ``[`` and ``]`` escaped they cannot make a link), so ``\\(`` only ever opens maths.

    >>> escape_markdown("a_b \\\\(m_{0}\\\\)")
    'a\\\\_b \\\\(m_{0}\\\\)'
    """
    return "".join(html.escape(piece, quote=False) if maths else _MD_SPECIAL.sub(r"\\\1", html.escape(piece, quote=False))
                   for piece, maths in _spans(text))


def unescape_markdown(text: str) -> str:
    """The text :func:`escape_markdown` was given (to read back what a user typed).

    >>> unescape_markdown(escape_markdown("a_b <i> &amp; (x)"))
    'a_b <i> &amp; (x)'
    """
    return html.unescape("".join(piece if maths else _UNESCAPE.sub(r"\1", piece) for piece, maths in _spans(text)))


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


def sentences(text: str, width: int = 200) -> list[str]:
    """The statements of a passage, in order: no headings, code, list marks, lead-ins, questions or links.

    >>> sentences("## Q?\\n- BN加快收敛。作用有以下几点:\\n见 [链接](http://x)\\n- Layer Normalization\\n- 随机失活(Dropout)")
    ['BN加快收敛。']
    >>> sentences("BN层的代码如下。\\n    nn.BatchNorm2d(64),\\n    x = bn(x)")
    ['BN层的代码如下。']
    """
    body = "\n".join(line for line, code in zip(text.split("\n"), code_lines(text)) if not code and not _HEADING.match(line))
    out = []
    for raw in _SENTENCE.findall(body):
        sentence = _MARKER.sub("", raw).strip()
        if 6 <= len(sentence) <= width and not _NOT_A_POINT.search(sentence):
            out.append(sentence)
    return out


def _names(sentence: str, terms: Sequence[str]) -> bool:
    folded = sentence.casefold()
    return any(t and t.casefold() in folded for t in terms)


def short_answer(sources: Sequence[Source], intent: str, sides: Sequence[Sequence[str]], limit: int = 3) -> list[tuple[str, int]]:
    """Two or three sentences of the cited passages that answer the question, as (sentence, source index).

    ``sides`` are the aliases of the question's concepts. Sentences come from the best-ranked
    passage first; within a passage, the one closest in meaning to the question comes first
    (:attr:`Source.closeness`, from the sentence vectors), then the one naming more of the
    question's concepts ("the LSTM forget gate": one naming both before one naming only LSTM),
    then one with the intent's cue words (the reason for "why", the use for "role"), then the
    shorter. For "difference" the first two sentences are one per side. On our training
    questions the first sentence held the question's evidence 25% of the time when cue words
    were weighed against the passage's rank, 41% by names and cues within the best passage,
    48% by meaning within it (of ten orders compared; a 5-fold CV of choosing among them: 49%).

    >>> s = [Source("a.md", 1, 1, "BN很常用。BN因为归一化所以收敛快。", 1.0), Source("b.md", 1, 1, "因为BN收敛快。", 0.5)]
    >>> short_answer(s, "why", [["BN"]])[0][0]
    'BN因为归一化所以收敛快。'
    >>> short_answer([Source("l.md", 1, 1, "LSTM能防止梯度消失。忘记门决定LSTM丢弃什么信息。", 1.0)], "how", [["LSTM"], ["忘记门"]])[0][0]
    '忘记门决定LSTM丢弃什么信息。'
    >>> close = {"BN很常用。": 0.9, "BN因为归一化所以收敛快。": 0.7}
    >>> short_answer([Source("a.md", 1, 1, "BN很常用。BN因为归一化所以收敛快。", 1.0, closeness=close)], "why", [["BN"]])[0][0]
    'BN很常用。'
    """
    cue = _CUES.get(intent, _CUES["definition"])
    pool = [(sentence, i) for i, source in enumerate(sources) for sentence in sentences(source.text)]

    def order(item: tuple[str, int]) -> tuple[int, float, int, bool, int]:
        sentence, index = item
        return (index, -sources[index].closeness.get(sentence, 0.0), -sum(_names(sentence, side) for side in sides),
                not cue.search(sentence), len(sentence))

    chosen: list[tuple[str, int]] = []
    wanted = list(sides[:2]) if intent == "difference" and len(sides) >= 2 else []
    for side in [*wanted, *[None] * limit]:  # a side's own pick must name it; the others are free
        left = [item for item in pool if item not in chosen and not any(_repeats(item[0], c) for c, _ in chosen)]
        if side is not None:
            left = [item for item in left if _names(item[0], side)]
        if left and len(chosen) < limit:
            chosen.append(min(left, key=order))
    return chosen


def _repeats(a: str, b: str) -> bool:
    """Whether one text says the other again: inside it, or the same sentence with a clause
    added in the middle (the notes repeat a sentence so, and both would be shown as points).
    Parallel items ("浅层卷积 → 提取边缘特征", "深层卷积 → 提取全局特征") are not repeats.

    >>> _repeats("相当于进行了K-1的填充,再做标准卷积。", "相当于进行了K-1的填充,空洞大小为s-1,再做标准卷积。")
    True
    >>> _repeats("浅层卷积 → 提取边缘特征", "深层卷积 → 提取全局特征"), _repeats("BN能加快收敛。", "BN能防止过拟合。")
    (False, False)
    """
    short, long = sorted((a, b), key=len)
    if short in long:
        return True
    head = len(commonprefix([short, long]))
    tail = len(commonprefix([short[head:][::-1], long[head:][::-1]]))
    return head + tail >= len(short) >= 10


def key_points(sources: Sequence[Source], terms: Sequence[str], limit: int = 4, width: int = 160,
               skip: Sequence[str] = (), start: int = 1) -> list[tuple[str, Source]]:
    """One statement of each passage from ``start`` on that names a question term, without
    repeats: never one already shown (the quoted first passage, the ``skip`` sentences). Of a
    passage's statements, the closest in meaning to the question (:attr:`Source.closeness`),
    else the first. (On our training questions the short answer and key points held the
    evidence 76% of the time with each passage's first statement, 78% with its closest; 72% and
    78% on the held-out questions.)

    >>> s = Source("a.md", 1, 1, "BN很常用。BN能加快收敛。", 1.0, closeness={"BN能加快收敛。": 0.8})
    >>> [text for text, _ in key_points([s], ["BN"], start=0)], [text for text, _ in key_points([s], ["BN"], skip=["BN能加快收敛。"], start=0)]
    (['BN能加快收敛。'], ['BN很常用。'])
    """
    seen = [*([sources[0].text] if sources and start else []), *skip]
    points: list[tuple[str, Source]] = []
    for source in sources[start:]:
        fresh = [s for s in sentences(source.text, width)
                 if not any(_repeats(s, other) for other in seen) and (not terms or _names(s, terms))]
        if fresh:
            point = min(fresh, key=lambda s: -source.closeness.get(s, 0.0))  # min keeps the first of equals
            points.append((point, source))
            seen.append(point)
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


Notice = Literal["read_as", "unmentioned", "unexplained"]


def notice_line(lang: str, kind: Notice, names: Sequence[str]) -> list[str]:
    """A notice above an answer (below a refusal's heading), nothing when ``names`` is empty:

    - ``read_as``: names the question misspelt, as they were read ("过你和 → 过拟合");
    - ``unmentioned``: names of the question the notes never write (a passage on ResNet is no
      answer about ResNet-50, and the reader should see why);
    - ``unexplained``: the concepts asked about (either side of a comparison) the cited
      passages never explain.

    >>> notice_line("zh", "unmentioned", ["YOLOv8", "RoIAlign"]), notice_line("en", "unexplained", [])
    (['*笔记里没有出现: YOLOv8、RoIAlign*', ''], [])
    """
    if not names:
        return []
    joined = ("、" if lang == "zh" else ", ").join(escape_markdown(n) for n in names)
    return [f"*{LABELS[lang][kind]}: {joined}*", ""]


def unexplained(sources: Sequence[Source], sides: Sequence[Sequence[str]], titled: Sequence[int] = ()) -> list[int]:
    """Which of the question's concepts (``sides``, each as its names) the cited passages never
    explain, by position: the concept a question asks about ("How does Nadam work?"), or a side
    of a comparison ("LN vs BN?"). The answer then covers something else, and the reader should
    be told so instead of reading an Adam or a BN answer as the one asked for. A concept is
    explained by a sentence or a heading that names it (spaces and hyphens aside: "LeakyReLU"
    names "Leaky ReLU"), or when its position is in ``titled`` (a passage's heading names it as
    the linker reads headings: "V4" under "Inception v1-v4"); a name in a bare list
    ("- Layer Normalization") explains nothing.

    >>> s = [Source("a.md", 1, 2, "BN依赖batch大小。\\n- Layer Normalization", 1.0)]
    >>> unexplained(s, [["BN"], ["Layer Normalization"]]), unexplained(s, [["BN"], ["LN"]], [1])
    ([1], [])
    """
    statements = [text.casefold() for source in sources for text in (source.heading, *sentences(source.text))]
    return [i for i, side in enumerate(sides) if i not in titled
            and not any(name and _spelling(name).search(text) for name in side for text in statements)]


@lru_cache(maxsize=4096)
def _spelling(name: str) -> re.Pattern[str]:
    """A name as a text may write it: casefolded, spaces and hyphens between its parts optional
    ("LeakyReLU" is "Leaky ReLU"), and a Latin end never inside a longer word (the "LN" of
    "spectral normalization" is none).

    >>> bool(_spelling("Leaky ReLU").search("leakyrelu激活函数")), bool(_spelling("LN").search("spectral normalization"))
    (True, False)
    """
    parts = re.findall(r"[^\s\-_]+", name.casefold())
    pattern = r"[\s\-_]*".join(map(re.escape, parts))
    if re.match(r"[a-z0-9]", pattern):
        pattern = r"(?<![a-z0-9])" + pattern
    if re.search(r"[a-z0-9]$", pattern):
        pattern += r"(?![a-z0-9])"
    return re.compile(pattern)


def outline_lines(lang: str, outline: Outline | None) -> list[str]:
    """The whole list a section of the notes gives: a label in the reader's words, the section's
    heading and one line of its items, both the notes' own words (escaped, and outside the bold
    label: they are quoted, not interface); nothing without an outline.

    >>> outline_lines("zh", Outline("技巧?", ("a", "b"), 3))
    ['', '**笔记中这一节的 3 条** · 技巧?', '', 'a · b · …(另有 1 条)']
    """
    if outline is None:
        return []
    labels = LABELS[lang]
    items = [escape_markdown(i) for i in outline.items]
    if outline.total > len(outline.items):
        items.append(f"…({labels['more'].format(n=outline.total - len(outline.items))})")
    return ["", f"**{labels['outline'].format(total=outline.total)}** · {escape_markdown(outline.heading)}", "",
            " · ".join(items)]


def answer_markdown(lang: str, sources: Sequence[Source], points: Sequence[tuple[str, Source]], chain_lines: Sequence[str],
                    followup_questions: Sequence[str], demo_titles: Sequence[str], possible: bool = False,
                    unmentioned: Sequence[str] = (), outline: Outline | None = None, unexplained: Sequence[str] = (),
                    read_as: Sequence[str] = ()) -> str:
    """The answer; ``possible`` marks it as a low-confidence match; ``read_as``, ``unmentioned``
    and ``unexplained`` are :func:`notice_line` notices, all above the quotation; ``outline``
    lists the items of the section the best passages come from, after the key points."""
    labels = LABELS[lang]
    top = sources[0]
    heading = f" · {escape_markdown(top.heading)}" if top.heading else ""
    notice = [*notice_line(lang, "read_as", read_as), *([f"*{labels['possible']}*", ""] if possible else []),
              *notice_line(lang, "unmentioned", unmentioned), *notice_line(lang, "unexplained", unexplained)]
    parts = [*notice, f"**{labels['answer']}**", "", quote(top.text), "", f"— {labels['from']}: {_cite(top)}{heading}"]
    if points:
        parts += ["", f"**{labels['points']}**", ""]
        parts += [f"- {escape_markdown(text)} ({_cite(source)})" for text, source in points]
    parts += outline_lines(lang, outline)
    if chain_lines:
        parts += ["", f"**{labels['graph']}**", ""] + [f"- {line}" for line in chain_lines]
    if followup_questions:
        parts += ["", f"**{labels['followups']}**", ""] + [f"- {escape_markdown(q)}" for q in followup_questions]
    if demo_titles:
        parts += ["", f"**{labels['demos']}**", ""] + [f"- {escape_markdown(t)}" for t in demo_titles]
    return "\n".join(parts)


def topic_names(graph: KnowledgeGraph, names: Sequence[str], lang: str) -> list[str]:
    """A refusal's nearest topics (named in the question's language) as the reader's language
    names them, each once: the concept's Chinese name or its English one; a name the graph lacks
    stays as it is.

    >>> from kg.model import Concept
    >>> graph = KnowledgeGraph.from_parts([Concept("cnn", "Convolutional Neural Network", "architecture", zh=("卷积神经网络",))], [])
    >>> topic_names(graph, ["Convolutional Neural Network", "卷积神经网络", "V9"], "zh"), topic_names(graph, ["卷积神经网络"], "en")
    (['卷积神经网络', 'V9'], ['Convolutional Neural Network'])
    """
    out = []
    for name in names:
        concept = graph.find(name)
        out.append(name if concept is None else concept.display_zh if lang == "zh" else concept.name)
    return list(dict.fromkeys(out))


def refusal_markdown(lang: str, nearest: Sequence[str], unmentioned: Sequence[str] = (), read_as: Sequence[str] = ()) -> str:
    labels = LABELS[lang]
    parts = [f"**{labels['refused']}.**"]
    notices: tuple[tuple[Notice, Sequence[str]], ...] = (("read_as", read_as), ("unmentioned", unmentioned))
    for kind, names in notices:
        if names:
            parts += ["", *notice_line(lang, kind, names)[:1]]
    if nearest:
        parts += ["", f"{labels['nearest']}:", ""] + [f"- {escape_markdown(t)}" for t in nearest]
    return "\n".join(parts)


def _relations(graph: KnowledgeGraph, answer_facts: Sequence[Fact]) -> list[Relation]:
    """The graph's relations behind an answer's facts (a fact whose concept is gone is dropped)."""
    keys = [(f.source, f.relation, f.target) for f in answer_facts]
    found = {r.key: r for f in answer_facts if f.source in graph for r in graph.relations_of(f.source)}
    return [found[k] for k in keys if k in found]


def _demo_title(demo_id: str, lang: str) -> str:
    from qa.demos import get_demo  # demos pull in torch: only when an answer lists them

    demo = get_demo(demo_id)
    return demo.title_zh if lang == "zh" else demo.title_en


def _sides(answer: Answer, graph: KnowledgeGraph) -> list[list[str]]:
    """The names of the answer's first three concepts, one list per concept."""
    return [[c.name, c.zh, *(graph.concept(c.id).aliases if c.id in graph else ())] for c in answer.concepts[:3]]


def brief(answer: Answer, graph: KnowledgeGraph) -> list[str]:
    """The sentences an answer shows first (its short answer), as :func:`render` chooses them."""
    return [text for text, _ in short_answer(answer.sources, answer.intent, _sides(answer, graph))]


def as_read(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """How the names a question misspelt were read, from (written, meant) pairs, for
    :func:`notice_line`.

    >>> as_read([("过你和", "过拟合")])
    ['过你和 → 过拟合']
    """
    return [f"{written} → {meant}" for written, meant in pairs]


def render(answer: Answer, lang: str, graph: KnowledgeGraph, *, extras: bool = False) -> str:
    """An answer's markdown framed in ``lang`` (the reader's language, not the question's): the short
    answer with numbered citations, key points, graph chains; with ``extras`` also follow-ups and
    demos (the terminal has no buttons for them). A refusal names the nearest topics instead.

    The numbers ``[n]`` are the positions of :attr:`Answer.sources`, shown in full elsewhere.
    """
    labels = LABELS[lang]
    if answer.refused:
        return refusal_markdown(lang, topic_names(graph, answer.nearest, lang), answer.unmentioned, as_read(answer.read_as))
    sides = _sides(answer, graph)
    short = short_answer(answer.sources, answer.intent, sides)
    parts = notice_line(lang, "read_as", as_read(answer.read_as))
    parts += [f"*{labels['possible']}*", ""] if answer.confidence == "low" else []
    parts += notice_line(lang, "unmentioned", answer.unmentioned)
    parts += notice_line(lang, "unexplained", [c.zh or c.name if lang == "zh" else c.name for c in answer.concepts
                                               if c.id in answer.unexplained])
    parts += [f"**{labels['short']}**", ""]
    parts += [f"{escape_markdown(text)} **[{i + 1}]** {_cite(answer.sources[i])}" + "  " for text, i in short]
    points = key_points(answer.sources, [t for side in sides for t in side], skip=[text for text, _ in short], start=0)
    if points:
        parts += ["", f"**{labels['points']}**", ""]
        parts += [f"- {escape_markdown(text)} **[{answer.sources.index(source) + 1}]**" for text, source in points]
    parts += outline_lines(lang, answer.outline)
    chain_lines = chains(graph, _relations(graph, answer.relations), lang)
    if chain_lines:
        parts += ["", f"**{labels['graph']}**", ""] + [f"- {line}" for line in chain_lines]
    if extras and answer.followups:
        parts += ["", f"**{labels['followups']}**", ""] + [f"- {escape_markdown(q)}" for q in answer.followups]
    if extras and answer.demos:
        parts += ["", f"**{labels['demos']}**", ""] + [f"- {escape_markdown(_demo_title(d, lang))}" for d in answer.demos]
    return "\n".join(parts).replace("  \n\n", "\n\n")


_PLAIN_MARKS = re.compile(r"\*\*|`|^> ?", re.M)


def plain(markdown: str) -> str:
    """Composed markdown as plain text: no emphasis, code or quote marks, no escapes.

    >>> plain("**Answer**\\n\\n> BN\\\\_x (`a.md:1`)")
    'Answer\\n\\nBN_x (a.md:1)'
    """
    return unescape_markdown(_PLAIN_MARKS.sub("", markdown))
