"""Split a note into sections: a heading (usually the interview question) and its body.

Markdown notes have ``#`` headings. Plain-text notes have none, so a short line without
sentence punctuation that is followed by a longer line, or a numbered/bracketed question
such as ``3.反向传播思想:`` or ``【二】IN的作用?``, is taken as a heading. Line numbers are
1-based and point into the note's text exactly as stored.

>>> [s.title for s in parse_sections("a.md", "# T\\n## Q1?\\nA1\\n### V1\\nx")]
['T', 'Q1?', 'V1']
"""
from __future__ import annotations

import re

from kg.model import Section

__all__ = ["parse_sections", "heading_of", "title_of", "code_lines"]

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_QUESTION_END = re.compile(r"[?？]\s*$")
_NUMBERED = re.compile(r"^\s*(\d{1,2}[.、．]\s*|【[一二三四五六七八九十百\d]+】|第[一二三四五六七八九十\d]+[章节部分])\S")
_SENTENCE_PUNCT = re.compile(r"[。，,；;！!]|[:：]\s*$")
_INDENTED = re.compile(r"^(\t| {4,})\S")
_CODE_LIKE = re.compile(r"\s*(import |from \S+ import |def |class |return\b|#|//|@\w|[A-Za-z_][\w.]*(\[.*\])?\s*[-+*/]?=[^=]|[\w.]+\(.*[)(,]\s*$)")
_LIST_ITEM = re.compile(r"^\s*([-*•·]|\(\d+\)|（\d+）|\d+\)|\d+\.\s)")


def heading_of(line: str, next_line: str | None, fmt: str) -> tuple[int, str] | None:
    """The (level, title) of a heading line, or None for a body line."""
    if fmt == "markdown":
        match = _MD_HEADING.match(line)
        return (len(match.group(1)), match.group(2)) if match else None
    text = line.strip()
    if not text or len(text) > 60 or _LIST_ITEM.match(line):
        return None
    if _QUESTION_END.search(text) or _NUMBERED.match(text):
        return (2, text) if not _SENTENCE_PUNCT.search(text[:-1]) or _QUESTION_END.search(text) else None
    following = (next_line or "").strip()
    if len(text) <= 30 and not _SENTENCE_PUNCT.search(text) and len(following) > len(text):
        return (2, text)
    return None


def title_of(text: str, fallback: str) -> str:
    """The note's title: its first heading or first non-empty line, else ``fallback``."""
    for line in text.split("\n"):
        match = _MD_HEADING.match(line)
        if match:
            return match.group(2)
        if line.strip():
            return line.strip()[:80]
    return fallback


def _next_nonblank(lines: list[str]) -> list[str | None]:
    """For each line, the next non-blank line after it, in one backward pass (linear, no copies)."""
    found: list[str | None] = [None] * len(lines)
    nxt: str | None = None
    for i in range(len(lines) - 1, -1, -1):
        found[i] = nxt
        if lines[i].strip():
            nxt = lines[i]
    return found


def code_lines(lines: list[str]) -> frozenset[int]:
    """Indices of lines that are code: inside a ``` fence, or in an indented block that reads as code.

    Code and its comments are never evidence ("# 包含3x3卷积+BN+relu" in a snippet says
    nothing about the architecture above it). An indented block counts as code when one of
    its lines looks like code, so indented prose and list continuations stay text.

    >>> sorted(code_lines(["text", "", "    import torch", "    # 注释", "text", "", "    缩进的正文", "```", "x = 1", "```"]))
    [2, 3, 7, 8, 9]
    """
    code: set[int] = set()
    block: list[int] = []
    fenced = False

    def close() -> None:
        if any(_CODE_LIKE.match(lines[j]) for j in block):
            code.update(block)
        block.clear()

    for i, line in enumerate(lines):
        if line.strip().startswith(("```", "~~~")):
            code.add(i)
            fenced = not fenced
        elif fenced:
            code.add(i)
        elif _INDENTED.match(line) and (block or i == 0 or not lines[i - 1].strip()):
            block.append(i)
        elif line.strip() or not block:
            close()
    close()
    return frozenset(code)


def parse_sections(doc: str, text: str, fmt: str = "markdown") -> list[Section]:
    """Sections of a note in order; text before the first heading becomes a section titled by the note."""
    lines = text.split("\n")
    following = _next_nonblank(lines)
    code = code_lines(lines)
    marks: list[tuple[int, int, str]] = []  # (line index, level, title)
    for i, line in enumerate(lines):
        if i in code:
            continue
        found = heading_of(line, following[i], fmt)
        if found:
            marks.append((i, *found))
    if not marks or any(line.strip() for line in lines[: marks[0][0]]):
        marks.insert(0, (0, 1, title_of(text, doc)))
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    for n, (start, level, title) in enumerate(marks):
        end = marks[n + 1][0] - 1 if n + 1 < len(marks) else len(lines) - 1
        while end > start and not lines[end].strip():
            end -= 1
        while stack and stack[-1][0] >= level:
            stack.pop()
        body = "\n".join(lines[start : end + 1])
        sections.append(
            Section(
                id=f"{doc}#{n}",
                doc=doc,
                title=title,
                level=level,
                start_line=start + 1,
                end_line=end + 1,
                text=body,
                path=tuple(t for _, t in stack),
            )
        )
        stack.append((level, title))
    return sections
