"""The English words of a question and the Chinese words the notes write for them.

The notes are Chinese and many questions are English. Concept names cross that gap through the
catalogue's aliases; everything else ("parameter count", "speed up", "unstable") crosses it
here, through ``corpus/lexicon.tsv``: a glossary written from the notes' own vocabulary (the
Chinese words of two or more passages), never from a question set. Retrieval adds the words to
an English question's BM25 query and its dense gist; practice scoring compares an English
answer with a Chinese reference through them.

Lookups take the longest phrase first (three words at most) and a word's plain forms
("batches" -> "batch", "initialized" -> "initialize", "normalise" -> "normalize").

>>> translate("Why is training unstable with small batches?")
['训练', '不稳定', '小']
>>> translate("How do I speed up training?")
['加速', '加快', '训练']
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import corpus
from kg.errors import StoreError

__all__ = ["Lexicon", "LEXICON_FILE", "LEXICON", "translate"]

LEXICON_FILE = corpus.LEXICON
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*")


@dataclass(frozen=True)
class Lexicon:
    """English key (lower case, words joined by one space) -> the notes' Chinese words."""

    entries: Mapping[str, tuple[str, ...]]
    longest: int = 1

    @classmethod
    def parse(cls, text: str, where: str = "lexicon.tsv") -> Lexicon:
        """Lines ``english<TAB>中文 中文``; ``#`` starts a comment line.

        >>> Lexicon.parse("# c\\nspeed up\\t加速 加快\\n").entries["speed up"]
        ('加速', '加快')
        """
        entries: dict[str, tuple[str, ...]] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            english, _, chinese = line.partition("\t")
            key = " ".join(english.lower().split())
            words = tuple(chinese.split())
            if not key or not words:
                raise StoreError(f"{where}:{number}: expected 'english<TAB>中文 ...', got {line!r}")
            if key in entries:
                raise StoreError(f"{where}:{number}: {key!r} is listed twice")
            entries[key] = words
        return cls(entries, max((k.count(" ") + 1 for k in entries), default=1))

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> Lexicon:
        try:
            return cls.parse(path.read_text(encoding="utf-8"), path.name)
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"cannot read the lexicon {path}: {exc}") from None

    def word(self, word: str) -> tuple[str, ...]:
        """The Chinese words for one English word, in any of its plain forms (``()`` if none).

        >>> LEXICON.word("Initialized"), LEXICON.word("xyzzy")
        (('初始化',), ())
        """
        for form in _forms(word.lower()):
            if form in self.entries:
                return self.entries[form]
        return ()

    def translate(self, text: str) -> list[str]:
        """The Chinese words for the English words and phrases of ``text``, longest phrase first."""
        words = [w.lower() for w in _WORD.findall(text)]
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                found = self._phrase(words[i : i + n])
                if found:
                    out.extend(found)
                    i += n
                    break
            else:
                if "-" in words[i]:  # an unknown hyphenated word ("cross-layer"): its parts
                    out.extend(w for part in words[i].split("-") for w in self.word(part))
                i += 1
        return out

    def _phrase(self, words: list[str]) -> tuple[str, ...]:
        """A phrase's entry, its last word in any plain form ("learning rates")."""
        head = " ".join(words[:-1])
        for form in _forms(words[-1]):
            found = self.entries.get(f"{head} {form}" if head else form)
            if found:
                return found
        return ()


def _forms(word: str) -> Iterator[str]:
    """The word, then the forms it may be an inflection of; a wrong guess just finds nothing.

    >>> list(_forms("stopped"))[:4]
    ['stopped', 'stopp', 'stop', 'stoppe']
    """
    for spelling in dict.fromkeys((word, _AMERICAN.sub(r"iz\1", word))):
        yield spelling
        for suffix, replacement in _SUFFIXES:
            if spelling.endswith(suffix) and len(spelling) - len(suffix) >= 3:
                stem = spelling[: len(spelling) - len(suffix)] + replacement
                yield stem
                if suffix in ("ed", "ing") and not replacement and stem[-1] == stem[-2]:
                    yield stem[:-1]  # "stopped" -> "stop"


_AMERICAN = re.compile(r"is(e|ed|es|ing|ation|ations)$")  # "normalise" -> "normalize"
_SUFFIXES = (("ies", "y"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ly", ""))


LEXICON = Lexicon.load()


def translate(text: str) -> list[str]:
    """:meth:`Lexicon.translate` with the bundled lexicon."""
    return LEXICON.translate(text)
