"""Clean captured notes: remove web chrome, and repair maths the capture wrote down twice.

Chrome: only whole lines that match a known chrome pattern go, plus everything after a marker
that opens a comment thread or a related-posts list at the end of a page. Sentences of the
note itself are never dropped: a line either stays or goes.

Maths: a web page renders a formula with KaTeX, and copying the page keeps both its rendered
glyphs and its TeX source, glued together ("m0m_{0}", "α=0.001\\alpha = 0.001"). The
capture also loses some rendered glyphs (−, ∗, ∣, ≤, ′, →, commas) and keeps a bare command
where the glyph was lost ("浅层卷积 \\rightarrow 提取"). :func:`repair_maths` rewrites such a
formula, inside its line, as its TeX source between ``\\(`` and ``\\)`` (the inline delimiters
the notes already use and the app's KaTeX reads). Each repair is one of three rules:

``doubled``
    rendered text immediately followed by its TeX source: the letters and digits the TeX
    renders (commands such as ``\\alpha`` as their glyph, ``\\frac`` and braces as nothing,
    sub- before superscripts) equal those of the text just before it, which starts at a
    space, a Chinese character or the line's start; the TeX holds a command, ``_``, ``^`` or
    braces, or an operator (``= * - + / ,``) that the rendering lost or spelled the same.
``bare``
    a known TeX symbol command standing alone between spaces or Chinese text.
``letters``
    a Latin or Greek symbol written twice with no TeX at all ("xx", "KK", "γγ"), next to a
    Chinese character and nothing alphanumeric: rendered and source were the same letters.
    Doubled digits ("11", "00") are left alone: "11" is often just eleven.

Line breaks never change, so citations by line number stay valid.

>>> strip_chrome("Skip to content\\nBN的作用\\n【推荐】立即下载\\n加快收敛")
'BN的作用\\n加快收敛'
>>> repair_maths("然后计算梯度的指数移动平均数,m0m_{0}初始化为0。")
'然后计算梯度的指数移动平均数,\\\\(m_{0}\\\\)初始化为0。'
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

__all__ = ["strip_chrome", "is_chrome_line", "Repair", "RepairRule", "REPAIR_RULES", "repairs", "repair_maths",
           "repair_note", "tex_letters"]

_LINE_PATTERNS = [
    r"Skip to (main )?content",
    r"Latest commit",
    r"History",
    r"File metadata and controls",
    r"\d+ lines \(\d+ loc\) · [\d.]+ [KMG]?B",
    r"(Raw|Blame|Copy raw file|Download raw file)",
    r"【推荐】.*",
    r"点赞\s*(回复|评论)?\s*(收藏)?\s*(分享)?",
    r"发布于 .*",
    r"posted @ .*",
    r"(微信分享提示|点击右上角即可分享|主题色彩|收藏|举报|分享|评论|image|alt)",
    r"(#[^#\s]{1,12}#)+",
    r"(作者|出处|版权|本文链接|版权声明)\s*[:：].*",
]
_TAIL_MARKERS = [r"全部评论", r"相关博文\s*[:：]?", r"阅读排行\s*[:：]?", r"相关推荐", r"发表评论", r"Comments?"]

_LINE = re.compile("|".join(f"(?:{p})" for p in _LINE_PATTERNS))
_TAIL = re.compile("|".join(f"(?:{p})" for p in _TAIL_MARKERS))


def is_chrome_line(line: str) -> bool:
    """True when the whole (stripped) line is a known piece of page chrome."""
    return _LINE.fullmatch(line.strip()) is not None


def strip_chrome(text: str) -> str:
    """Drop chrome lines, and everything from a comment/related-posts marker to the end."""
    kept: list[str] = []
    for line in text.split("\n"):
        if _TAIL.fullmatch(line.strip()):
            break
        if not is_chrome_line(line):
            kept.append(line)
    return "\n".join(kept).strip("\n")


# --------------------------------------------------------------------------- maths captured twice

RepairRule = Literal["doubled", "bare", "letters"]
REPAIR_RULES: tuple[RepairRule, ...] = ("doubled", "bare", "letters")

_GREEK = {name: chr(code) for name, code in [
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3F5), ("varepsilon", 0x3B5),
    ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("vartheta", 0x3D1), ("iota", 0x3B9), ("kappa", 0x3BA),
    ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE), ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3),
    ("tau", 0x3C4), ("upsilon", 0x3C5), ("phi", 0x3D5), ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8),
    ("omega", 0x3C9), ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B), ("Sigma", 0x3A3),
    ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9)]}
# Variant glyphs the rendering and the source may spell differently.
_SAME = str.maketrans("ϵϑϕς", "εθφσ")
# Commands whose argument is shown as text; ones whose argument is a name that is not shown.
_TEXT_COMMANDS = frozenset({"text", "mathrm", "mathbf", "mathit", "operatorname", "textrm", "boldsymbol"})
_NAME_COMMANDS = frozenset({"begin", "end"})
# Symbols a capture leaves as a bare command when it lost their glyph ("卷积 \rightarrow 提取").
_SYMBOLS = frozenset({"rightarrow", "leftarrow", "Rightarrow", "Leftarrow", "leftrightarrow", "to", "gets",
                      "times", "cdot", "leq", "geq", "leqslant", "geqslant", "neq", "approx", "sim", "propto",
                      "infty", "in", "pm", "uparrow", "downarrow", "longrightarrow", "mapsto"})
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SIGN = re.compile(r"[A-Za-z0-9\u0370-\u03ff]")  # a letter or digit a formula shows
_TEX_MARK = re.compile(r"\\[A-Za-z]|[_^{]")
_SOURCE_MARK = re.compile(r"\\[A-Za-z]|[_^]|\{.*\}")  # rendered text may hold a lone "{" (a cases brace)
_OPERATOR = re.compile(r"[=*+/,-]")
_CLOSING = re.compile(r"\^\{'\}|\\end\{[A-Za-z*]+\}|\\right\\?[^A-Za-z\s]")
_MATHS = re.compile(r"\\\(.*?\\\)|\$\$.*?\$\$")


@dataclass(frozen=True)
class Repair:
    """One formula rewritten: ``before`` (as captured) became ``after``, at ``start`` of the line.

    >>> Repair("doubled", "m0m_{0}", "\\\\(m_{0}\\\\)", 0).after
    '\\\\(m_{0}\\\\)'
    """

    rule: RepairRule
    before: str
    after: str
    start: int


def _signs(text: str) -> str:
    """The letters and digits of rendered text, e.g. ``"α=0.001"`` -> ``"α0001"``."""
    return "".join(_SIGN.findall(text)).translate(_SAME)


class _Tex:
    """A small reader of TeX tokens that lists the letters and digits KaTeX would show, in order."""

    def __init__(self, text: str) -> None:
        self.tokens = _TOKEN.findall(text)
        self.at = 0

    def read(self, stop: str = "") -> str:
        out = []
        while self.at < len(self.tokens) and self.tokens[self.at] != stop:
            out.append(self.scripted())
        self.at += 1  # past the closing brace (or the end)
        return "".join(out)

    def scripted(self) -> str:
        base, sub, sup = self.atom(), "", ""
        while self.at < len(self.tokens) and self.tokens[self.at] in ("_", "^"):
            mark = self.tokens[self.at]
            self.at += 1
            if mark == "_":
                sub += self.atom()
            else:
                sup += self.atom()
        return base + sub + sup  # KaTeX writes a subscript before a superscript

    def atom(self) -> str:
        if self.at >= len(self.tokens):
            return ""
        token = self.tokens[self.at]
        self.at += 1
        if token == "{":
            return self.read("}")
        if token.startswith("\\") and len(token) > 2:
            name = token[1:]
            if name in _NAME_COMMANDS:
                self.atom()
                return ""
            if name in ("left", "right"):
                self.at += 1  # the delimiter
                return ""
            if name in _TEXT_COMMANDS:
                return self.atom()
            return _GREEK.get(name, "").translate(_SAME)
        return _signs(token)


def tex_letters(tex: str) -> str:
    """The letters and digits a TeX formula renders, in KaTeX's order.

    >>> tex_letters(r"\\sum^{K}_{k=1}(y_k - o_k)^2"), tex_letters(r"\\sqrt{\\lambda_{1}}")
    ('k1Kykok2', 'λ1')
    """
    reader = _Tex(tex)
    return reader.read()


def _rendered_start(line: str, at: int, limit: int) -> int:
    """Where the rendered text that ends at ``at`` starts: back to a space, a Chinese character,
    TeX, ``limit`` or the line's start; leading punctuation is not part of it, nor an opening
    bracket the text does not close."""
    start = at
    while start > limit and not (line[start - 1].isspace() or _CJK.match(line[start - 1]) or line[start - 1] in "\\_^"):
        start -= 1
    while start < at and not _SIGN.match(line[start]) and line[start] not in "([{|":
        start += 1
    while start < at and line[start] in "([{|" and line.count(line[start], start, at) > line.count(
            {"(": ")", "[": "]", "{": "}", "|": "|"}[line[start]], start, at) - (line[start] == "|"):
        start += 1
    return start


def _opens(tex: str, closer: str) -> bool:
    """Whether ``closer`` closes a bracket left open in ``tex`` (")" may close "[": "[0,1)")."""
    if closer in ")]":
        return sum(map(tex.count, "([")) > sum(map(tex.count, ")]"))
    if closer == "}":
        return tex.count("{") > tex.count("}")
    return closer == "|" and tex.count("|") % 2 == 1


def _tex_end(line: str, at: int, want: str) -> int | None:
    """The end of the TeX starting at ``at`` whose letters are exactly ``want`` (then any closing
    brackets and primes), or None when there is none."""
    if not want or not (line[at] == "\\" or _SIGN.match(line[at]) or line[at] in "([{|"):
        return None
    for match in _TOKEN.finditer(line, at):
        got = tex_letters(line[at:match.end()])
        if len(got) > len(want):
            return None
        if got == want:
            end = match.end()
            break
    else:
        return None
    while end < len(line):
        closing = _CLOSING.match(line, end)  # "^{'}", "\end{cases}", "\right)": shows no letter
        if closing:
            end = closing.end()
        elif line[end] == "'" or _opens(line[at:end], line[end]):
            end += 1
        else:
            break
    tex = line[at:end]
    return end if tex.count("{") == tex.count("}") and tex_letters(tex) == want else None


def _doubled(line: str, lo: int, hi: int) -> Iterator[Repair]:
    """Rule ``doubled`` on ``line[lo:hi]`` (a stretch outside maths)."""
    limit, at = lo, lo + 1
    while at < hi:
        for start in _starts(line, at, limit):
            rendered = line[start:at]
            end = _tex_end(line[:hi], at, _signs(rendered)) if not _SOURCE_MARK.search(rendered) else None
            tex = line[at:end] if end else ""
            if end and (_TEX_MARK.search(tex) or _OPERATOR.search(tex)):
                yield Repair("doubled", rendered + tex, f"\\({tex}\\)", start)
                limit = at = end
                break
        at += 1


def _starts(line: str, at: int, limit: int) -> Iterator[int]:
    """Where rendered text ending at ``at`` may start, longest first: :func:`_rendered_start`, then
    after each later comma, semicolon or colon of the prose ("Average),γ" may be just "γ")."""
    first = _rendered_start(line, at, limit)
    if first < at:
        yield first
    yield from (start for start in range(first + 1, at) if line[start - 1] in ",;:" and _SIGN.match(line[start]))


_BARE = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[\u3400-\u9fff]))\\([A-Za-z]+)(?=\s|$|[\u3400-\u9fff])")
_LETTERS = re.compile(r"(?<![A-Za-z0-9\u0370-\u03ff_.])((?:([A-Za-z\u0370-\u03ff])\2)+|([A-Za-z]{2,})\3)"
                      r"(?![A-Za-z0-9\u0370-\u03ff_.])")


def _letters(text: str, offset: int) -> Iterator[Repair]:
    """Rule ``letters`` on a stretch ``text`` (outside maths) that starts at ``offset`` of its line."""
    for match in _LETTERS.finditer(text):
        before, after = text[match.start() - 1: match.start()], text[match.end(): match.end() + 1]
        if not (_HAN.match(before) or _HAN.match(after)) or "\\" in (before + after):
            continue
        word = match.group(3)
        pieces = [word] if word else [c for c in match.group(1)[::2]]
        yield Repair("letters", match.group(0), "".join(f"\\({p}\\)" for p in pieces), offset + match.start())


def _outside_maths(line: str) -> list[tuple[int, int]]:
    """The (start, end) stretches of ``line`` not already between maths delimiters."""
    spans, at = [], 0
    for match in _MATHS.finditer(line):
        spans.append((at, match.start()))
        at = match.end()
    return [*spans, (at, len(line))]


def _apply(line: str, found: list[Repair]) -> str:
    for repair in sorted(found, key=lambda r: r.start, reverse=True):
        line = line[: repair.start] + repair.after + line[repair.start + len(repair.before):]
    return line


def _passes(line: str) -> Iterator[tuple[str, list[Repair]]]:
    """(the line after the rule, its repairs) for each rule in turn: each sees the line the rules
    before it left."""
    for rule in REPAIR_RULES:
        found: list[Repair] = []
        for lo, hi in _outside_maths(line):
            if rule == "doubled":
                found += _doubled(line, lo, hi)
            elif rule == "bare":
                found += [Repair("bare", m.group(0), f"\\({m.group(0)}\\)", lo + m.start())
                          for m in _BARE.finditer(line[lo:hi]) if m.group(1) in _SYMBOLS]
            else:
                found += _letters(line[lo:hi], lo)
        line = _apply(line, found)
        yield line, found


def repairs(line: str) -> list[Repair]:
    """The repairs :func:`repair_maths` makes in one line, rule by rule, in line order.

    >>> [(r.rule, r.before) for r in repairs("3. 111*1卷积+ 激活函数 \\\\rightarrow 增加非线性")]
    [('doubled', '111*1'), ('bare', '\\\\rightarrow')]
    """
    return [repair for _, found in _passes(line) for repair in found]


def repair_maths(line: str) -> str:
    """``line`` with every formula captured twice written once, as ``\\(TeX\\)`` (see the module docstring).

    >>> repair_maths("其中默认学习率α=0.001\\\\alpha = 0.001ε=108\\\\varepsilon = 10^{-8}避免除数变为0。")
    '其中默认学习率\\\\(\\\\alpha = 0.001\\\\)\\\\(\\\\varepsilon = 10^{-8}\\\\)避免除数变为0。'
    """
    *_, (repaired, _) = _passes(line)
    return repaired


_PREFIX = re.compile(r"^(\s*(?:#{1,3}\s+|[-•]\s+)?)(.*)$", re.S)


def repair_note(text: str) -> str:
    """A whole note with :func:`repair_maths` applied to each line's text (not to indented code,
    nor to the heading marks and list markers in front of it)."""
    out = []
    for line in text.split("\n"):
        prefix, body = _PREFIX.match(line).groups()  # type: ignore[union-attr]
        out.append(line if line.startswith(("    ", "\t")) else prefix + repair_maths(body))
    return "\n".join(out)


if __name__ == "__main__":  # python -m ingest.clean corpus/notes/*.md: repair the maths in place
    from pathlib import Path

    for name in sys.argv[1:]:
        path = Path(name)
        old = path.read_text(encoding="utf-8")
        new = repair_note(old)
        changed = sum(a != b for a, b in zip(old.split("\n"), new.split("\n")))
        path.write_text(new, encoding="utf-8")
        print(f"{path}: {changed} lines repaired")
