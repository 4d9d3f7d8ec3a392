"""Feedback: votes append whole JSON lines to the KB directory and become evaluation questions with evidence."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from kg.errors import InputError
from qa.evaluate import hit_rank
from qa.feedback import FILE, Feedback, from_vote, load, record, snippet, to_questions

PASSAGES = (SimpleNamespace(doc="a.md", start_line=1, end_line=3, text="## BN的作用?\n- 加快网络的训练与收敛的速度\n- 防止过拟合"),
            SimpleNamespace(doc="b.md", start_line=7, end_line=7, text="LN对单个样本做归一化, 与batch大小无关。"))
MODEL = SimpleNamespace(passages=PASSAGES)
CITES = ("a.md:1-3", "b.md:7")


@pytest.mark.parametrize(("liked", "expected", "evidence"), [
    (True, "", "- 加快网络的训练与收敛的速度"),          # an up-vote confirms the first source
    (False, "b.md:7", "LN对单个样本做归一化, 与batch大小无关。"),  # a down-vote names the better one
    (False, "", ""),                                     # a bare down-vote: no evidence
])
def test_a_vote_carries_the_evidence_of_the_passage_that_should_come_first(liked: bool, expected: str, evidence: str) -> None:
    vote = from_vote(MODEL, "BN的作用?", CITES, liked, expected)
    assert vote.vote == ("up" if liked else "down") and vote.sources == CITES and vote.evidence == evidence


def test_the_evidence_is_found_by_the_evaluation_in_its_passage() -> None:
    for passage in PASSAGES:
        assert hit_rank([p.text for p in PASSAGES], [snippet(passage.text)]) == PASSAGES.index(passage) + 1


@pytest.mark.parametrize(("question", "expected", "message"), [("", "", "not an answer"), ("q", "c.md:1", "not one of")])
def test_bad_votes_are_input_errors(question: str, expected: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        from_vote(MODEL, question, CITES, False, expected)


def test_record_then_load_round_trips(tmp_path: Path) -> None:
    votes = [from_vote(MODEL, f"问题{i}", CITES, i % 2 == 0, "" if i % 2 == 0 else "b.md:7") for i in range(5)]
    for vote in votes:
        record(tmp_path, vote)
    assert load(tmp_path) == votes
    assert all(json.loads(line)["question"] for line in (tmp_path / FILE).read_text(encoding="utf-8").splitlines())


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    def vote(n: int) -> None:
        for i in range(20):
            record(tmp_path, Feedback(f"q{n}-{i} " + "长" * 300, "up", CITES, evidence="x"))

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(load(tmp_path)) == 120


def test_no_file_means_no_feedback_and_a_bad_line_is_named(tmp_path: Path) -> None:
    assert load(tmp_path) == []
    (tmp_path / FILE).write_text('{"question": "q", "vote": "up"}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"feedback.jsonl:2"):
        load(tmp_path)


def test_questions_keep_the_latest_vote_with_evidence() -> None:
    votes = [Feedback("q1", "up", CITES, evidence="old"), Feedback("q2", "down", CITES),
             Feedback("q1", "down", CITES, expected="b.md:7", evidence="new")]
    questions = to_questions(votes)
    assert [(q.question, q.evidence, q.answerable) for q in questions] == [("q1", ("new",), True)]
