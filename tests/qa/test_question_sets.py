"""The labelled question sets: well formed, with honest evidence, and no question shared between sets.

Retrieval, reranking and refusal are fitted and cross-validated on ``tests/data/eval/train.jsonl``
and checked once on ``tests/data/eval/heldout.jsonl``. Both only mean something if every
evidence snippet really is in the note it names (after the evaluator's NFKC + whitespace
normalisation, via ``qa.evaluate.hit_rank``) and if no question of one set reappears, nearly
word for word, in another set or in the shared dev set.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from qa.evaluate import hit_rank

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tests" / "data" / "eval"
NOTES = ROOT / "corpus" / "notes"
DEV = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
SETS = {"train": EVAL / "train.jsonl", "heldout": EVAL / "heldout.jsonl"}
ID_PREFIX = {"train": "t", "heldout": "h"}
# (answerable, unanswerable, near misses) each set must at least hold
MINIMA = {"train": (400, 120, 40), "heldout": (85, 25, 15)}
UNANSWERABLE_KINDS = {"near_miss", "off_topic", "junk"}
ANSWERABLE_KINDS = {"paraphrase", "en_about_zh", "colloquial", "terse", "multi_part", "mianjing",
                    "synonym", "effect", "typo"}
FIELDS = {"id", "question", "lang", "answerable", "evidence", "kind"}
# Jaccard similarity of character bigrams above which two questions count as the same question
NEAR_DUPLICATE = 0.8
CJK = re.compile(r"[\u4e00-\u9fff]")

Record = dict[str, Any]


def _rows(path: Path) -> list[Record]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def _key(question: str) -> str:
    """Comparison key: NFKC, casefolded, without spaces and punctuation. ``"BN ？" -> "bn"``"""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", question).casefold())


@cache
def _bigrams(question: str) -> frozenset[str]:
    key = _key(question)
    return frozenset(key[i:i + 2] for i in range(len(key) - 1))


def _same_question(a: str, b: str) -> bool:
    """True when two questions are equal or nearly equal once case, width and punctuation are ignored."""
    if _key(a) == _key(b):
        return True
    x, y = _bigrams(a), _bigrams(b)
    return bool(x and y) and len(x & y) / len(x | y) > NEAR_DUPLICATE


@pytest.fixture(scope="module")
def sets() -> dict[str, list[Record]]:
    return {name: _rows(path) for name, path in SETS.items()}


@pytest.fixture(scope="module")
def note_lines() -> dict[str, list[str]]:
    return {p.name: p.read_text(encoding="utf-8").splitlines() for p in NOTES.glob("*.md")}


@pytest.mark.parametrize(("a", "b", "same"), [
    ("BN层的作用是什么?", "BN层的作用是什么？", True),
    ("What does 1x1 convolution do", "what does 1X1 convolution do?", True),
    ("GRU 和 LSTM 有什么不同?", "GRU和LSTM有什么不同呢", True),
    ("What are the drawbacks of ReLU?", "What are the drawbacks of Adam?", False),
    ("BN层的作用是什么?", "池化层的作用是什么?", False),
])
def test_same_question_ignores_only_surface_differences(a: str, b: str, same: bool) -> None:
    assert _same_question(a, b) is same


@pytest.mark.parametrize("name", sorted(SETS))
def test_records_are_well_formed(sets: dict[str, list[Record]], name: str) -> None:
    rows = sets[name]
    bad = [r.get("id") for r in rows if set(r) != FIELDS or r["lang"] not in ("zh", "en")
           or not isinstance(r["answerable"], bool) or not r["question"].strip()
           or not re.fullmatch(rf"{ID_PREFIX[name]}\d{{3}}", r["id"])]
    assert not bad, f"{name}: malformed records {bad}"
    ids = Counter(r["id"] for r in rows)
    assert not [i for i, n in ids.items() if n > 1], f"{name}: repeated ids"


@pytest.mark.parametrize("name", sorted(SETS))
def test_lang_matches_the_script(sets: dict[str, list[Record]], name: str) -> None:
    wrong = [r["id"] for r in sets[name] if (r["lang"] == "zh") != bool(CJK.search(r["question"]))]
    assert not wrong, f"{name}: lang disagrees with the question's script: {wrong}"


@pytest.mark.parametrize("name", sorted(SETS))
def test_kinds_match_answerability(sets: dict[str, list[Record]], name: str) -> None:
    wrong = [r["id"] for r in sets[name]
             if r["kind"] not in (ANSWERABLE_KINDS if r["answerable"] else UNANSWERABLE_KINDS)]
    assert not wrong, f"{name}: kind does not fit answerable: {wrong}"


@pytest.mark.parametrize("name", sorted(SETS))
def test_counts_meet_the_minimums(sets: dict[str, list[Record]], name: str) -> None:
    rows = sets[name]
    answerable, unanswerable, near = MINIMA[name]
    assert sum(r["answerable"] for r in rows) >= answerable
    assert sum(not r["answerable"] for r in rows) >= unanswerable
    assert sum(r["kind"] == "near_miss" for r in rows) >= near
    for flag, lang in product((True, False), ("zh", "en")):
        share = sum(r["lang"] == lang for r in rows if r["answerable"] is flag) / sum(r["answerable"] is flag for r in rows)
        assert share >= 0.3, f"{name}: only {share:.0%} of answerable={flag} questions are {lang}"


@pytest.mark.parametrize("name", sorted(SETS))
def test_only_answerable_questions_carry_evidence(sets: dict[str, list[Record]], name: str) -> None:
    wrong = [r["id"] for r in sets[name] if bool(r["evidence"]) is not r["answerable"]]
    assert not wrong, f"{name}: evidence present on unanswerable or missing on answerable: {wrong}"


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_snippet_is_verbatim_in_one_line_of_its_note(
        sets: dict[str, list[Record]], note_lines: dict[str, list[str]], name: str) -> None:
    missing = [(r["id"], e["file"], e["evidence"]) for r in sets[name] for e in r["evidence"]
               if e["file"] not in note_lines or not 6 <= len(e["evidence"]) <= 60
               or hit_rank(note_lines[e["file"]], [e["evidence"]]) is None]
    assert not missing, f"{name}: snippets not found (or of odd length): {missing}"


def test_every_note_is_covered_by_both_sets(sets: dict[str, list[Record]], note_lines: dict[str, list[str]]) -> None:
    for name, rows in sets.items():
        cited = {e["file"] for r in rows for e in r["evidence"]}
        assert cited == set(note_lines), f"{name}: notes never cited: {set(note_lines) - cited}"


def test_no_question_repeats_within_a_set(sets: dict[str, list[Record]]) -> None:
    for name, rows in sets.items():
        keys = Counter(_key(r["question"]) for r in rows)
        assert not [k for k, n in keys.items() if n > 1], f"{name}: repeated questions"


def test_no_question_is_shared_between_train_and_heldout(sets: dict[str, list[Record]]) -> None:
    shared = [(a["id"], b["id"]) for a, b in product(sets["train"], sets["heldout"])
              if _same_question(a["question"], b["question"])]
    assert not shared, shared


def test_no_question_is_taken_from_the_dev_set(sets: dict[str, list[Record]]) -> None:
    if not DEV.exists():
        pytest.skip("../shared/eval is not beside this checkout")
    dev = _rows(DEV)
    leaked = [(r["id"], d["id"]) for rows in sets.values() for r, d in product(rows, dev)
              if _same_question(r["question"], d["question"])]
    assert not leaked, leaked
