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
from dataclasses import dataclass

from kg.model import Section

__all__ = ["MAX_CHARS", "Passage", "code_lines", "passages", "substantive"]

MAX_CHARS = 600
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
