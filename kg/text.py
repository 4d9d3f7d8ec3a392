"""Name folding: the one normal form in which aliases, questions and note text are compared.

Folding applies NFKC (full-width to half-width), case folding, writes the multiplication
signs of kernel sizes as ``x`` (``1×1``, ``1*1`` and ``1X1`` all become ``1x1``) and turns
every run of spaces and hyphens into one space, dropping it next to a Chinese character, and
drops the inline-maths delimiters ``\\(`` and ``\\)`` (``\\(1*1\\)卷积`` is ``1x1卷积``). :func:`fold_with_offsets`
also returns, for every folded character, the index of the original character it came from,
so a match found in folded text can be cut verbatim out of the original.

>>> fold("Batch-Normalization")
'batch normalization'
>>> fold("1×1卷积") == fold("1*1卷积") == "1x1卷积"
True
"""
from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["fold", "fold_with_offsets", "compact", "is_word_char", "has_cjk"]

# "_" is not a separator: in code (fc_dim, conv3x3_bn_relu) it glues words, and "BN" must not
# be found inside an identifier.
_SEPARATORS = frozenset(" \t\r\n\u3000-\u2010\u2011\u2012\u2013\u2014")
_TIMES = frozenset("×*✕✖xX")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and map each folded character back to its source index.

    >>> fold_with_offsets("Ａ-B")
    ('a b', [0, 1, 2])
    """
    chars: list[str] = []
    offsets: list[int] = []
    skip = False
    for index, char in enumerate(text):
        if skip or (char == "\\" and text[index + 1: index + 2] in ("(", ")")):
            skip = not skip  # a maths delimiter is markup, not a character of the text
            continue
        if char in _SEPARATORS:
            if chars and chars[-1] != " ":
                chars.append(" ")
                offsets.append(index)
            continue
        for piece in unicodedata.normalize("NFKC", char).casefold():
            chars.append(" " if piece in _SEPARATORS else piece)
            offsets.append(index)
    for i in range(1, len(chars) - 1):
        if chars[i] in _TIMES and chars[i - 1].isdigit() and chars[i + 1].isdigit():
            chars[i] = "x"
    # A space next to a Chinese character separates nothing ("GAN 训练" is "GAN训练").
    keep = [
        i for i, ch in enumerate(chars)
        if ch != " " or not (i == 0 or i == len(chars) - 1 or _CJK.match(chars[i - 1]) or _CJK.match(chars[i + 1]))
    ]
    return "".join(chars[i] for i in keep), [offsets[i] for i in keep]


@functools.lru_cache(maxsize=4096)
def _piece(char: str) -> str:
    """One non-separator character folded: NFKC, case folding, separators inside it as spaces."""
    return "".join(" " if piece in _SEPARATORS else piece for piece in unicodedata.normalize("NFKC", char).casefold())


_MATH_DELIMITER = re.compile(r"\\[()]")
_TIMES_BETWEEN_DIGITS = re.compile(r"(?<=\d)[×*✕✖xX](?=\d)")
_LOOSE_SPACE = re.compile(r"^ | $|(?<=[\u3400-\u9fff\uf900-\ufaff]) | (?=[\u3400-\u9fff\uf900-\ufaff])")


def fold(text: str) -> str:
    """The folded form of ``text`` (see the module docstring): what :func:`fold_with_offsets`
    gives, built from memoised characters and two regular expressions because linking and
    retrieval fold every alias and passage (a test checks the two agree)."""
    out: list[str] = []
    last = ""
    for char in _MATH_DELIMITER.sub("", text):
        if char in _SEPARATORS:
            if out and last != " ":
                out.append(" ")
                last = " "
            continue
        piece = _piece(char)
        if piece:
            out.append(piece)
            last = piece[-1]
    return _LOOSE_SPACE.sub("", _TIMES_BETWEEN_DIGITS.sub("x", "".join(out)))


def compact(text: str) -> str:
    """Folded and without spaces, so ``max pooling`` meets ``maxpooling``.

    >>> compact("Max Pooling")
    'maxpooling'
    """
    return fold(text).replace(" ", "")


def is_word_char(char: str) -> bool:
    """True for the ASCII letters, digits and underscores that make up words and identifiers."""
    return char.isascii() and (char.isalnum() or char == "_")


def has_cjk(text: str) -> bool:
    """True when ``text`` contains a Chinese character.

    >>> has_cjk("BN层"), has_cjk("BN")
    (True, False)
    """
    return bool(_CJK.search(text))
