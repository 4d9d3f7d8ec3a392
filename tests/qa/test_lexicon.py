"""The English -> Chinese lexicon: its file's rules, phrase and inflection lookups, bad files."""
from __future__ import annotations

import re

import pytest

import corpus
from ingest.catalogue import load_catalogue
from kg.errors import StoreError
from kg.text import fold
from qa.lexicon import LEXICON, Lexicon, translate

TINY = Lexicon.parse("learning rate\t学习率\nlearning\t学习\nrate\t率\nbatch\tbatch\nnormalize\t归一化\nstop\t停止\n"
                     "layer\t层\nspeed up\t加速\n")


@pytest.mark.parametrize(("text", "words"), [
    ("learning rate", ["学习率"]),             # the phrase, not its two words
    ("Learning Rates", ["学习率"]),            # case, and the phrase's last word inflected
    ("learning the rate", ["学习", "率"]),
    ("batches", ["batch"]),
    ("normalised", ["归一化"]),                # British spelling
    ("normalizing", ["归一化"]),
    ("stopped", ["停止"]),                     # doubled consonant
    ("cross-layer", ["层"]),                   # an unknown hyphenated word counts by its parts
    ("speeds up", []),                         # only a phrase's last word is inflected
    ("xyzzy", []),
    ("", []),
])
def test_translate_takes_the_longest_phrase_and_plain_forms(text: str, words: list[str]) -> None:
    assert TINY.translate(text) == words


@pytest.mark.parametrize("text", ["no tab here", "\t学习", "word\t", "a\t甲\na\t乙"])
def test_a_bad_line_is_named_by_its_number(text: str) -> None:
    with pytest.raises(StoreError, match=r"lexicon.tsv:\d+"):
        Lexicon.parse(text)


def test_a_missing_lexicon_file_is_a_store_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match="cannot read the lexicon"):
        Lexicon.load(tmp_path / "none.tsv")


def test_the_bundled_lexicon_keys_are_plain_lower_case_english_of_three_words_at_most() -> None:
    assert len(LEXICON.entries) >= 300
    for key, words in LEXICON.entries.items():
        assert re.fullmatch(r"[a-z][a-z\-]*( [a-z][a-z\-]*){0,2}", key), key
        assert words and all(w.strip() for w in words), key


def test_concepts_are_left_to_the_catalogue() -> None:
    """A concept's English names are the linker's; listed here too, they would count twice."""
    aliases = {fold(a) for c in load_catalogue(corpus.CATALOGUE) for a in (c.name, *c.zh, *c.aliases)}
    assert not [key for key in LEXICON.entries if fold(key) in aliases]


def test_nearly_every_chinese_word_is_one_the_notes_use() -> None:
    """The lexicon is written from the notes' vocabulary; a word they never use helps only the gist."""
    text = fold("".join(p.read_text(encoding="utf-8") for p in corpus.NOTES.glob("*.md")))
    words = [w for ws in LEXICON.entries.values() for w in ws]
    assert sum(fold(w) in text for w in words) >= 0.95 * len(words)


def test_interview_words_reach_the_notes() -> None:
    assert "小" in translate("small batches") and "加速" in translate("How do I speed up training?")
    assert translate("xyzzy") == []
