"""Practice: questions are the notes' own question headings; scoring is transparent and rewards coverage."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import gradio as gr
import pytest

from qa import KnowledgeBase
from qa.bank import Bank, draw
from ui.views.bank import topics
from ui.views.practice import Practice, Session, build, follow, next_question, question_markdown, submit


@pytest.fixture(scope="module")
def practice(hash_kb: KnowledgeBase) -> Practice:
    return Practice.for_kb(hash_kb)


def test_bank_holds_question_headings_with_bodies(practice: Practice) -> None:
    questions = [q for q in practice.bank.questions if not q.section.startswith("rel:")]
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


def test_a_session_of_three_answers(practice: Practice) -> None:
    session = Session(seed=7)
    for number, answer in enumerate(["不知道", "BN可以加快收敛, 缓解梯度消失", "池化可以降维, 减少参数, 防止过拟合"], 1):
        session, question, cleared, result, _, grade, note = next_question(practice, "random", session, "zh")
        assert f"第 {number} 题" in question and cleared == result == note == ""
        assert grade.value is None  # the previous question's self-grade does not carry over
        session, html, tally, _ = submit(practice, answer, session, "zh")
        assert "评分公式" in html and "参考答案" in html and "kg-reference" in html
        assert f"{number} 题" in tally
    assert len(session.scores) == 3 and len(set(session.asked)) == 3


def test_followups_come_from_the_graph(practice: Practice) -> None:
    session, *_ = next_question(practice, "concept:batch_normalization", Session(seed=1), "en")
    session, _, _, choices = submit(practice, "It normalises activations.", session, "en")
    assert choices.visible and choices.choices
    section = choices.choices[0][1]
    after, shown, *_ = follow(practice, section, session, "en")
    assert after.current == section and after.current != session.current and "Question 2" in shown


@pytest.mark.parametrize("answers", [["BN可以加快收敛"] * 2, ["不知道", "BN可以加快收敛, 防止梯度消失"]])
def test_one_score_per_question_the_last_one(practice: Practice, answers: list[str]) -> None:
    session, *_ = next_question(practice, "random", Session(seed=3), "zh")
    for answer in answers:
        session, _, tally, _ = submit(practice, answer, session, "zh")
    assert len(session.scores) == 1 and "1 题" in tally
    alone, *_ = submit(practice, answers[-1], replace(session, scores=()), "zh")
    assert session.scores == alone.scores


def test_a_finished_topic_says_so_and_stops_counting(practice: Practice) -> None:
    pool = practice.bank.pool("concept:batch_normalization")
    session = Session(seed=1)
    for _ in pool:
        session, *_ = next_question(practice, "concept:batch_normalization", session, "en")
        session, *_ = submit(practice, "It normalises activations.", session, "en")
    session, shown, *_ = next_question(practice, "concept:batch_normalization", session, "en")
    assert "done" in shown and session.current is None
    with pytest.raises(gr.Error):
        submit(practice, "It normalises activations.", session, "en")
    assert len(session.scores) == len(pool)


def test_friendly_errors(practice: Practice) -> None:
    with pytest.raises(gr.Error, match="Next question"):
        submit(practice, "answer", Session(seed=1), "en")
    session, *_ = next_question(practice, "random", None, "zh")
    with pytest.raises(gr.Error, match="回答"):
        submit(practice, "   ", session, "zh")


def test_note_markup_in_questions_is_escaped(evil_kb) -> None:
    questions = Bank.from_snapshot(evil_kb.snapshot).questions
    assert len(questions) == 2  # the heading, and "What problem does Bad… solve?" from its relation
    for question in questions:
        shown = question_markdown(question, 1, "en")
        assert "<script>" not in shown and "&lt;script&gt;" in shown


def test_self_grades_persist_in_the_browser_json_and_per_user(practice: Practice, tmp_path) -> None:
    from types import SimpleNamespace

    from qa.progress import Progress, ProgressStore
    from ui.views.practice import import_progress, panel, record, show

    mine = replace(practice, store=ProgressStore(tmp_path / "progress.sqlite"))
    alice, nobody = SimpleNamespace(username="alice"), SimpleNamespace(username=None)
    session, *_ = next_question(mine, "random", Session(seed=5), "en")
    session, *_ = submit(mine, "不知道", session, "en")
    saved, shown, note = record(mine, "again", session, "", "en", alice)
    assert "Again" in note and len(Progress.from_json(saved).reviews) == 1
    assert "1-day streak" in shown and "Weak topics" in shown
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)  # "again" comes back within minutes
    assert "1 due for review today" in panel(mine, Progress.from_json(saved), "en", tomorrow)
    assert len(mine.store.load("alice").reviews) == 1 and mine.store.load("bob") == Progress()  # type: ignore[union-attr]
    assert "1-day" in show(mine, "", "en", alice) and "0-day" in show(mine, "", "en", nobody)  # SQLite, not the browser
    assert "1-day" in show(mine, saved, "en", nobody)  # the browser's own copy after a reload
    merged, _ = import_progress(mine, saved, "", "en", nobody)
    assert Progress.from_json(merged) == Progress.from_json(saved)
    with pytest.raises(gr.Error, match="Import failed"):
        import_progress(mine, "{", "", "en", nobody)
    with pytest.raises(gr.Error):
        record(mine, "good", Session(seed=1), "", "en", nobody)


@pytest.mark.parametrize("lang, word", [("en", "Self-grade"), ("zh", "自评")])
def test_the_language_switch_relabels_the_grade_controls(hash_kb: KnowledgeBase, lang: str, word: str) -> None:
    with gr.Blocks():
        view = build(hash_kb, gr.Radio(["zh", "en"]))
    updates = view.relabel(lang)  # type: ignore[arg-type]
    assert len(updates) == len(view.labelled)
    assert updates[view.labelled.index(view.grade)].label.startswith(word)  # type: ignore[attr-defined]


def test_a_mock_interview_is_five_questions_each_with_a_follow_up_then_a_report(practice: Practice) -> None:
    from ui.views.practice import start_interview

    session, shown, *_ = start_interview(practice, "random", Session(seed=2), "en", now=0.0)
    titles = [shown]
    while session.current is not None:
        session, *_ = submit(practice, "It normalises activations and speeds up convergence.", session, "en")
        session, shown, *_ = next_question(practice, "random", session, "en")
        titles.append(shown)
    assert len(titles) == 11 and titles[-1].startswith("#### Mock interview report: 10 questions")
    assert len(set(titles[:-1])) == 10 and len(session.scores) == 10 and not session.plan and not session.interview
    asked = [practice.bank.by_section(s) for s in session.asked]
    for first, second in zip(asked[0::2], asked[1::2]):
        assert second in practice.bank.related(first)  # every follow-up is related to its question
