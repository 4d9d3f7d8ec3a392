from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from qa.evaluate import hit_rank, load_questions, report


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


def test_report_shows_margins_over_baselines() -> None:
    row = {"answerable": 2, "hit@1": 0.5, "hit@5": 1.0, "mrr": 0.75, "p50_ms": 1.0, "p95_ms": 2.0}
    results = {"hybrid": {"all": {**row, "refusal_accuracy": 1.0, "false_refusal_rate": 0.0}},
               "bm25": {"all": {**row, "hit@1": 0.0}}, "dense": {"all": row}}
    text = report(results)
    assert "hybrid vs bm25 [all]: Hit@1 +0.500" in text and "hybrid vs dense [all]: Hit@1 +0.000" in text
