from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from qa.api import KnowledgeBase, Settings
from qa.compose import brief
from qa.embed import HashEmbedder
from qa.evaluate import evaluate, hit_rank, holds, load_questions, naive_chunks, report
from qa.linear import LinearModel
from qa.refusal import RefusalModel
from qa.retrieve import QUESTION_FEATURES, SIGNALS


@pytest.mark.parametrize(
    ("texts", "evidence", "rank"),
    [(["a", "参数量:C1×K×K×C"], ["参数量:C1×K×K×C"], 2), (["ＡＢ  c"], ["AB c"], 1), (["x"], ["y"], None), (["x"], [], None)],
)
def test_hit_rank_normalises(texts, evidence, rank) -> None:
    assert hit_rank(texts, evidence) == rank


def test_load_questions_reads_the_shared_format(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "question": "BN?", "lang": "zh", "answerable": True,
                                "evidence": [{"file": "x", "evidence": "BN"}]}, ensure_ascii=False) + "\n\n")
    [q] = load_questions(path)
    assert q.evidence == ("BN",) and q.answerable


@pytest.mark.parametrize("content", ["{oops", '{"question": "no label"}', ""])
def test_bad_question_files_are_named(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(InputError, match="bad.jsonl"):
        load_questions(path)


def test_only_the_first_600_characters_of_a_passage_count() -> None:
    assert hit_rank(["x" * 590 + "参数量:C1×K×K×C"], ["参数量"]) == 1
    assert hit_rank(["x" * 600 + "参数量:C1×K×K×C"], ["参数量"]) is None


def test_naive_chunks_cover_every_character_once() -> None:
    notes = ["甲" * 950, "乙" * 10]
    chunks = naive_chunks(notes, 400)
    assert [len(c) for c in chunks] == [400, 400, 150, 10] and "".join(chunks) == "".join(notes)


def test_missing_question_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read questions"):
        load_questions(tmp_path / "missing.jsonl")


def test_evaluate_runs_hybrid_anchor_and_ablation_in_one_run(hash_kb, tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [{"question": "BN层的作用是什么?", "lang": "zh", "answerable": True, "evidence": [{"evidence": "BN"}]},
            {"question": "What does dropout do?", "lang": "en", "answerable": True, "evidence": [{"evidence": "Dropout"}]},
            {"question": "红烧肉怎么做?", "lang": "zh", "answerable": False}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    results = evaluate(hash_kb, load_questions(path), anchors=("bm25",))
    assert {"hybrid", "bm25-naive", *(f"-{s}" for s in SIGNALS)} == set(results)
    assert results["hybrid"]["zh"]["answerable"] == 1 and results["hybrid"]["en"]["answerable"] == 1
    assert results["hybrid"]["all"]["unanswerable"] == 1 and "p50_ms" in results["bm25-naive"]["all"]
    # The short answer's evidence rate is the product's: the sentences the app shows first, over answerable questions.
    shown = brief(hash_kb.ask("BN层的作用是什么?"), hash_kb.graph)
    assert shown and results["hybrid"]["zh"]["brief"] == float(holds(shown, ["BN"]))
    assert results["bm25-naive"]["all"]["brief"] is None
    text = report(results)
    assert "bm25-naive" in text and "ablation" in text and "-sentence" in text and "brief" in text


@pytest.mark.parametrize(("state", "share"), [("low", 1.0), ("answered", 0.0)])
def test_possible_matches_are_counted_apart_for_answerable_and_unanswerable(hash_kb, tmp_path: Path, state: str,
                                                                          share: float) -> None:
    # Every question lands in ``state`` (P = 0.5 at zero weights, between or above both thresholds).
    names = QUESTION_FEATURES
    flat = LinearModel(names, (0.0,) * len(names), (1.0,) * len(names), (0.0,) * len(names), 0.0)
    kb = KnowledgeBase.open(hash_kb.path, embedder=HashEmbedder(),
                            settings=Settings(refusal=RefusalModel(flat, *{"low": (0.4, 0.6), "answered": (0.1, 0.2)}[state])))
    path = tmp_path / "q.jsonl"
    rows = [{"question": "BN层的作用是什么?", "lang": "zh", "answerable": True, "evidence": [{"evidence": "BN"}]},
            {"question": "What is the kernel trick in SVMs?", "lang": "en", "answerable": False}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    hybrid = evaluate(kb, load_questions(path), anchors=(), ablation=False)["hybrid"]
    assert hybrid["zh"]["low_answerable"] == share and hybrid["zh"]["low_unanswerable"] is None
    assert hybrid["en"]["low_unanswerable"] == share and hybrid["en"]["low_answerable"] is None
    assert hybrid["all"]["false_refusal_rate"] == 0.0


@pytest.mark.parametrize(("sentences", "evidence", "held"), [
    (["BN可以加快收敛。"], ["加快收敛"], True),                  # the sentence contains the snippet
    (["加快收敛, 防止过拟合"], ["BN可以加快收敛, 防止过拟合。"], True),  # or lies inside it (10+ characters)
    (["池化"], ["池化层的作用"], False),                         # too short to count as inside
    (["ＢＮ  加快收敛"], ["BN 加快收敛"], True), ([], ["x"], False), (["x"], [], False),
])
def test_a_short_answer_holds_evidence_by_containment(sentences: list[str], evidence: list[str], held: bool) -> None:
    assert holds(sentences, evidence) is held
