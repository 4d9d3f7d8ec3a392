"""Practice: questions are the notes' own question headings; scoring is transparent and rewards coverage."""
from __future__ import annotations

import gradio as gr
import numpy as np
import pytest

from ingest.linker import Linker
from kg.model import Concept
from qa import HashEmbedder, KnowledgeBase
from qa.bank import Bank, draw
from ui.views.bank import topics
from ui.views.practice import Practice, Session, highlight, next_question, question_markdown, submit
from ui.views.scoring import KeyPoint, Weights, key_points, score_answer

from .conftest import EVIL


@pytest.fixture(scope="module")
def practice(hash_kb: KnowledgeBase) -> Practice:
    return Practice.for_kb(hash_kb)


def test_bank_holds_question_headings_with_bodies(practice: Practice) -> None:
    questions = practice.bank.questions
    assert len(questions) >= 30
    for q in questions:
        assert q.reference.strip() and q.concepts and q.kinds
        section = next(s for s in practice.bank.snapshot.sections if s.id == q.section)
        assert section.title == q.title and q.reference in section.text


def test_topics_cover_random_kinds_and_concepts(practice: Practice) -> None:
    values = [v for _, v in topics(practice.bank, "en")]
    assert values[0] == "random" and "kind:technique" in values and "concept:batch_normalization" in values
    for value in values:
        assert practice.bank.pool(value)
    assert all(q.section for q in practice.bank.pool("concept:batch_normalization"))


def test_draw_is_deterministic_per_seed_and_never_repeats(practice: Practice) -> None:
    pool = practice.bank.pool("random")
    asked: list[str] = []
    while (q := draw(pool, 42, asked)) is not None:
        assert q.section not in asked and q == draw(pool, 42, asked)
        asked.append(q.section)
    assert len(asked) == len(pool)
    firsts = {draw(pool, seed, []).section for seed in range(20)}  # type: ignore[union-attr]
    assert len(firsts) > 3


def test_the_reference_itself_scores_full_marks(practice: Practice) -> None:
    for q in practice.bank.questions:
        score = score_answer(q.reference, q.reference, linker=practice.linker, idf=practice.bank.idf,
                             embed=practice.embed, exclude=q.concepts)
        assert score.total == pytest.approx(100, abs=0.5) and all(p.hit for p in score.points)


def test_more_coverage_scores_higher(practice: Practice) -> None:
    q = next(q for q in practice.bank.questions if q.title == "BN 的作用?")
    args = dict(linker=practice.linker, idf=practice.bank.idf, embed=practice.embed, exclude=q.concepts)
    weak = score_answer("不知道。", q.reference, **args)
    some = score_answer("可以缓解梯度消失和梯度爆炸, 加快收敛。", q.reference, **args)
    assert weak.total < some.total < 100 and weak.concepts == 0
    assert {p.key for p in some.of("concept") if p.hit} >= {"vanishing_gradient", "exploding_gradient"}


def test_an_english_answer_covers_chinese_concepts() -> None:
    linker = Linker([Concept("vg", "vanishing gradient", "problem", zh=("梯度消失",))])
    score = score_answer("It fights the vanishing gradient.", "BN缓解梯度消失。", linker=linker, idf={},
                         embed=HashEmbedder().encode_queries)
    assert score.of("concept")[0].hit and score.concepts == 1.0


def test_parts_without_key_points_drop_out_of_the_mean() -> None:
    def embed(texts):  # orthogonal answer and reference
        return np.eye(2, dtype=np.float32)

    score = score_answer("x", "。", linker=Linker([]), idf={}, embed=embed)
    assert score.concepts is None and score.terms is None and score.total == 0.0
    assert Weights().formula() == "100 × (0.5·C + 0.3·T + 0.2·S) / Σw"


def test_question_concepts_are_not_key_points() -> None:
    linker = Linker([Concept("bn", "BN", "technique"), Concept("ics", "ICS", "problem")])
    keys = [p.key for p in key_points("BN solves ICS", linker, {}, exclude=("bn",)) if p.kind == "concept"]
    assert keys == ["ics"]


def test_highlight_marks_hits_and_misses_and_escapes() -> None:
    reference = f"A {EVIL} B"
    points = [KeyPoint("term", "a", "A", ((0, 1),), True), KeyPoint("term", "b", "B", ((len(reference) - 1, len(reference)),))]
    html = highlight(reference, points)
    assert html.startswith('<mark class="kg-hit">A</mark>') and html.endswith('<mark class="kg-miss">B</mark>')
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_session_of_three_answers(practice: Practice) -> None:
    session = Session(seed=7)
    for number, answer in enumerate(["不知道", "BN可以加快收敛, 缓解梯度消失", "池化可以降维, 减少参数, 防止过拟合"], 1):
        session, question, cleared, result = next_question(practice, "random", session, "zh")
        assert f"第 {number} 题" in question and cleared == result == ""
        session, html, tally = submit(practice, answer, session, "zh")
        assert "评分公式" in html and "参考答案" in html and "kg-reference" in html
        assert f"{number} 题" in tally
    assert len(session.scores) == 3 and len(set(session.asked)) == 3


def test_followups_come_from_the_graph(practice: Practice) -> None:
    session, *_ = next_question(practice, "concept:batch_normalization", Session(seed=1), "en")
    _, html, _ = submit(practice, "It normalises activations.", session, "en")
    assert "Follow-up" in html


def test_friendly_errors(practice: Practice) -> None:
    with pytest.raises(gr.Error, match="Next question"):
        submit(practice, "answer", Session(seed=1), "en")
    session, *_ = next_question(practice, "random", None, "zh")
    with pytest.raises(gr.Error, match="回答"):
        submit(practice, "   ", session, "zh")
    only = practice.bank.pool("concept:batch_normalization")
    session = Session(seed=1, asked=tuple(q.section for q in only))
    with pytest.raises(gr.Error, match="no questions left|没有题目"):
        next_question(practice, "concept:batch_normalization", session, "zh")


def test_note_markup_in_questions_is_escaped(evil_kb) -> None:
    (question,) = Bank.from_snapshot(evil_kb.snapshot).questions
    shown = question_markdown(question, 1, "en")
    assert "<script>" not in shown and "&lt;script&gt;" in shown
