"""Concept names typed with a wrong character of the right sound: 过你和 for 过拟合.

A Chinese input method types by sound, so a candidate's slip is a character that reads like
the one meant: 过你和 (guo ni he) for 过拟合, 参数亮 for 参数量, 卷基 for 卷积. Such a question
names no concept, its words match no passage, and what the notes never write counts
against it. :class:`Homophones` finds, in a question, the spans that read like a Chinese
alias of a concept and differ from it in some but not all characters, so that the question
can be read as meant.

It is built to be right when it speaks, since a wrong reading changes the question:

- a typed character reads like the meant one by its own first reading (提 is "ti", so it
  is no slip for 低 "di", although 提 can also be read "di");
- a span that is a word of the dictionary (倒数 is "reciprocal", not a misspelt 导数), or
  whose differing character belongs to a word of the question as jieba cuts it (相当于训练 is
  not 预训练, 训练技巧 not 训练集), is what it says;
- a conjunction at the end of a name (卷积和池化, 数据及参数) joins two words.

On our 1,221 questions (training, held-out, robustness, dev) it reads 11 spans in 10 of them,
each as meant, and none in the notes' own 151 passages and their headings (real text, where
any reading would be wrong).

>>> h = Homophones.of([("过拟合", "overfitting")], {"过": ("guo",), "拟": ("ni",), "合": ("he",)})
>>> sorted(h.names)
[(3, 'guo'), (3, '过')]
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from qa.bm25 import Tokenizer

__all__ = ["Correction", "Homophones", "readings", "disjoint", "corrected"]

_NAME = re.compile(r"[\u4e00-\u9fff]{2,8}")
_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# Characters that join two words: at a name's end (卷积和) or start (中采样) they are that, not a slip.
_JOINERS = frozenset("和及与或的了也在是中并且而")


@dataclass(frozen=True)
class Correction:
    """A span of the question (``start``..``end``) as ``written``, read as the alias ``meant`` of ``concept``."""

    start: int
    end: int
    written: str
    meant: str
    concept: str


@cache
def _table() -> Mapping[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict  # only when a model is compiled

    return pinyin_dict


@cache  # a compile reads all 21k characters, and a recompile (an ingest) again
def readings(char: str) -> tuple[str, ...]:
    """The character's readings without tones, its most common first (``()`` for none).

    >>> readings("和")[:2], readings("x")
    (('he', 'hu'), ())
    """
    found = _table().get(ord(char), "")
    plain = ("".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c)) for r in found.split(",") if r)
    return tuple(dict.fromkeys(plain))


@dataclass(frozen=True)
class Homophones:
    """Chinese aliases by (length, first character or one of its readings), and the readings
    they need: every reading of an alias's characters (``meant``) and the first reading of any
    character that shares one (``typed``)."""

    names: dict[tuple[int, str], tuple[tuple[str, str], ...]]
    meant: dict[str, frozenset[str]]
    typed: dict[str, str]

    @classmethod
    def of(cls, aliases: Iterable[tuple[str, str]], table: Mapping[str, Sequence[str]] | None = None) -> Homophones:
        """The homophones of ``aliases`` (alias, concept id) pairs; ``table`` maps characters to their
        readings (all CJK characters' from pypinyin when none is given)."""
        read = (lambda ch: tuple(table.get(ch, ()))) if table is not None else readings
        names: dict[tuple[int, str], dict[str, str]] = {}
        meant: dict[str, frozenset[str]] = {}
        for alias, concept in aliases:
            if not _NAME.fullmatch(alias):
                continue
            for ch in alias:
                meant.setdefault(ch, frozenset(read(ch)))
            for key in (alias[0], *meant[alias[0]]):
                names.setdefault((len(alias), key), {}).setdefault(alias, concept)
        sounds = frozenset(s for ss in meant.values() for s in ss)
        chars = table.keys() if table is not None else (chr(c) for c in range(0x4E00, 0xA000))
        typed = {ch: first[0] for ch in chars if (first := read(ch)) and first[0] in sounds}
        return cls({k: tuple(v.items()) for k, v in names.items()}, meant, typed)

    def find(self, text: str, tokenizer: Tokenizer) -> list[Correction]:
        """The spans of ``text`` that read like a concept's Chinese alias, without overlaps; of
        overlapping readings the one with the fewest changed characters for its length first
        (卷基 before 卷基和 -> 卷积核), then the longer."""
        words = tokenizer.spans(text)
        word_at = {k: span for span in words for k in range(*span)}
        found = []
        for run in _RUN.finditer(text):
            for length in range(2, min(8, len(run.group())) + 1):
                for start in range(run.start(), run.end() - length + 1):
                    written = text[start:start + length]
                    if tokenizer.is_word(written):
                        continue
                    for meant, concept in self._candidates(written):
                        changed = [j for j in range(length) if meant[j] != written[j]]
                        if self._slip(text, written, meant, start, changed, word_at, tokenizer):
                            found.append((len(changed) / length, -length, start, Correction(start, start + length, written, meant, concept)))
        return disjoint(c for *_, c in sorted(found, key=lambda f: f[:3]))

    def _candidates(self, written: str) -> list[tuple[str, str]]:
        keys = {written[0], self.typed.get(written[0], "")}
        return [pair for key in keys if key for pair in self.names.get((len(written), key), ())]

    def _slip(self, text: str, written: str, meant: str, start: int, changed: Sequence[int],
              word_at: Mapping[int, tuple[int, int]], tokenizer: Tokenizer) -> bool:
        if not changed or len(changed) == len(meant):
            return False
        if any(self.typed.get(written[j]) not in self.meant.get(meant[j], ()) for j in changed):
            return False
        for j in changed:  # a changed character inside a word of the question belongs to that word
            a, b = word_at.get(start + j, (start + j, start + j + 1))
            if b - a >= 2 and tokenizer.is_word(text[a:b]):
                return False
        last = len(written) - 1
        if list(changed) == [last] and written[last] in _JOINERS and tokenizer.is_word(written[:last]):
            return False
        return not (list(changed) == [0] and written[0] in _JOINERS and tokenizer.is_word(written[1:]))


def disjoint(corrections: Iterable[Correction]) -> list[Correction]:
    """The corrections, best first, each kept unless it overlaps one kept before; in text order.

    >>> [c.written for c in disjoint([Correction(0, 3, "卷基和", "卷积核", "k"), Correction(0, 2, "卷基", "卷积", "c")])]
    ['卷基和']
    """
    chosen: list[Correction] = []
    for c in corrections:
        if all(c.end <= o.start or o.end <= c.start for o in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)


def corrected(text: str, corrections: Sequence[Correction]) -> str:
    """``text`` with each correction's span replaced by the alias it reads as.

    >>> corrected("过你和了怎么办", [Correction(0, 3, "过你和", "过拟合", "overfitting")])
    '过拟合了怎么办'
    """
    out, at = [], 0
    for c in sorted(corrections, key=lambda c: c.start):
        out += [text[at:c.start], c.meant]
        at = c.end
    return "".join([*out, text[at:]])
