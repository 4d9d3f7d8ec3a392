"""Retrieval units: sections cut into verbatim passages of at most :data:`MAX_CHARS` characters.

A short section is one passage. A long one is cut at line boundaries, and a single line
longer than the limit at sentence ends, so every passage is a contiguous, verbatim piece
of its note with an exact line range. Each passage also carries ``context``, the headings
above it, which is indexed with it but never shown as if it were quoted text.

>>> from kg.model import Section
>>> s = Section("n.md#1", "n.md", "Q", 2, 3, 5, "## Q\\n" + "甲。" * 400 + "\\n乙", ("T",))
>>> [(p.start_line, p.end_line, len(p.text)) for p in passages(s)]
[(3, 4, 599), (4, 5, 208)]
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kg.model import Section

__all__ = ["MAX_CHARS", "OUTLINE_MAX", "Passage", "code_lines", "outline", "passages", "substantive"]

MAX_CHARS = 600
OUTLINE_MAX = 20  # items an outline lists; a longer section says how many more
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")


_CITED_TITLE = re.compile(r".*\[\d+\]\s*$")
_URL = re.compile(r"https?://\S+")
_WORDY = re.compile(r"[\u3400-\u9fffA-Za-z]")
# Shaped like a statement of Python, C or a shell: a keyword, an assignment, a call left open or
# closed at the line's end, a bracket alone, a decorator, a string literal alone (a docstring).
_CODE_SHAPE = re.compile(r"^\s*(?:#include|import |from \S+ import|def |class |return |for .+:|if .+:|@\w"
                         r"""|[\w.\[\]]+\s*[-+*/]?=[^=]|[\w.]+\(.*[,(:)\]]\s*$|[\w.]+,\s*$|[{}()\[\];,]+\s*$|(["']).*\1,?\s*$)""")
_INDENTED_COMMENT = re.compile(r"^(?: {4}|\t)\s*#")
_CJK = re.compile(r"[\u3400-\u9fff]")


def substantive(body: str) -> bool:
    """Whether a section body says something, rather than only citing other articles.

    >>> substantive("为什么要归一化?[12]"), substantive("参考博客:https://x.org/a https://y.org/b")
    (False, False)
    >>> substantive("最优点是唯一的. Quora上有相关的证明:https://q.com/a")
    True
    """
    for line in body.split("\n"):
        if not line.strip() or _CITED_TITLE.fullmatch(line):
            continue
        rest = re.sub(r"^\s*参考\S{0,6}?[:：]", "", _URL.sub("", line))
        if len(_WORDY.findall(rest)) >= 6:
            return True
    return False


def code_lines(text: str) -> list[bool]:
    """Whether each line of ``text`` is code: a fence or inside one, a comment in an indented
    block, or a line shaped like code with no Chinese in it (the notes' prose is Chinese, so
    "滑动平均使模型更鲁棒(robust)" is prose). A line of code is never a statement to quote as an
    answer, and a passage mostly of code seldom answers an interview question.

    >>> code_lines("    # 定义卷积块\\nnn.Conv2d(3, 64, kernel_size=3,\\nBatchNorm2d(64),\\nx = conv(x)\\n卷积提取特征(feature)")
    [True, True, True, True, False]
    >>> code_lines("```\\n卷积 = 特征\\n```\\nsoftmax(x) is the normalised exponential.")
    [True, True, True, False]
    """
    flags, inside = [], False
    for line in text.split("\n"):
        fence = line.strip().startswith("```")
        flags.append(inside or fence or bool(_INDENTED_COMMENT.match(line))
                     or (not _CJK.search(line) and bool(_CODE_SHAPE.match(line))))
        inside = inside != fence
    return flags


@dataclass(frozen=True, slots=True)
class Passage:
    """A verbatim piece of a section: lines ``start_line..end_line`` of ``doc``."""

    id: str
    doc: str
    section: str
    title: str
    context: str
    start_line: int
    end_line: int
    text: str

    @property
    def heading(self) -> str:
        """The headings above the passage without the note's own title ("【五】优化器 > Adam")."""
        return self.context.split(" > ", 1)[1] if " > " in self.context else self.context

    @property
    def indexed_text(self) -> str:
        """What the retrievers see: headings for context, then the passage."""
        return f"{self.context}\n{self.text}" if self.context else self.text


def _atoms(section: Section) -> list[tuple[int, int, int]]:
    """(line number, start, end) offsets into ``section.text``: whole lines, or sentences of a long line."""
    atoms: list[tuple[int, int, int]] = []
    offset = 0
    for index, line in enumerate(section.text.split("\n")):
        number = section.start_line + index
        if len(line) <= MAX_CHARS:
            atoms.append((number, offset, offset + len(line)))
        else:
            cursor = offset
            for sentence in _SENTENCE_END.split(line):
                for cut in range(0, len(sentence), MAX_CHARS):
                    piece = sentence[cut : cut + MAX_CHARS]
                    if piece:
                        atoms.append((number, cursor, cursor + len(piece)))
                        cursor += len(piece)
        offset += len(line) + 1
    return atoms


def passages(section: Section) -> list[Passage]:
    """Cut ``section`` into passages by packing whole lines (or sentences) up to MAX_CHARS."""
    context = " > ".join([*section.path, section.title])
    out: list[Passage] = []
    run: list[tuple[int, int, int]] = []

    def flush() -> None:
        text = section.text[run[0][1] : run[-1][2]] if run else ""
        if text.strip():
            out.append(Passage(f"{section.id}.{len(out)}", section.doc, section.id, section.title, context,
                               run[0][0], run[-1][0], text))
        run.clear()

    for atom in _atoms(section):
        if run and atom[2] - run[0][1] > MAX_CHARS:
            flush()
        run.append(atom)
    flush()
    return out


def outline(items: Sequence[Passage], chosen: Sequence[int]) -> tuple[str, tuple[str, ...], int] | None:
    """The section that two of the best three ``chosen`` passages (indexes into ``items``, the
    passages in note order) share as parent, as (its heading, its subsection headings in note
    order, how many there are), when it has at least three: a question asking for a list ("GAN
    训练有哪些技巧") is answered by a few of its items, and the reader should see the whole list
    the notes give. Only the parent's own run of passages is read, never the whole corpus.

    >>> p = [Passage(f"n{i}", "n.md", f"n.md#{i}", t, c, i, i, "x") for i, (t, c) in enumerate([
    ...     ("T", "N > T"), ("A", "N > T > A"), ("B", "N > T > B"), ("B", "N > T > B"), ("C", "N > T > C"), ("U", "N > U")])]
    >>> outline(p, [2, 4, 5])
    ('T', ('A', 'B', 'C'), 3)
    >>> outline(p, [2, 5, 0]) is None  # no two of the best three share a section below the note
    True
    """
    parents = [_parent(items[i].context) for i in chosen[:3]]
    shared = next((c for c in dict.fromkeys(parents) if c and parents.count(c) >= 2), None)
    if shared is None:
        return None
    start = end = chosen[parents.index(shared)]
    doc, inside = items[start].doc, shared + " > "

    def within(i: int) -> bool:
        return items[i].doc == doc and (items[i].context == shared or items[i].context.startswith(inside))

    while start > 0 and within(start - 1):
        start -= 1
    while end + 1 < len(items) and within(end + 1):
        end += 1
    children = dict.fromkeys(items[i].context[len(inside):].split(" > ")[0] for i in range(start, end + 1)
                             if items[i].context.startswith(inside))
    if len(children) < 3:
        return None
    return shared.rsplit(" > ", 1)[-1], tuple(children)[:OUTLINE_MAX], len(children)


def _parent(context: str) -> str:
    """The context above a passage's own heading, if it is a section below the note's title."""
    head = context.rsplit(" > ", 1)[0] if " > " in context else ""
    return head if " > " in head else ""
