"""The 模拟面试 / Practice tab: ask a question from the notes, score the answer, follow up.

Per-user progress lives in a :class:`Session` held by ``gr.State``: the seed that orders the
questions, the ones asked, the current one and the scores so far.
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

import gradio as gr

from ingest.linker import Linker
from qa import KnowledgeBase
from qa.compose import escape_markdown
from qa.followups import from_graph
from qa.bank import RANDOM, Bank, Question, draw
from ui.views.bank import topics
from ui.views.errors import friendly, user_error
from ui.views.i18n import Lang, lang_of, t
from ui.views.markup import cite, esc
from ui.views.scoring import Embed, KeyPoint, Score, score_answer

__all__ = ["MAX_ANSWER_CHARS", "Session", "Practice", "question_markdown", "next_question", "highlight", "result_html",
           "tally", "submit", "PracticeView", "build"]

MAX_ANSWER_CHARS = 4000


@dataclass(frozen=True)
class Session:
    """One user's practice so far (immutable: handlers return a new one)."""

    seed: int
    asked: tuple[str, ...] = ()
    current: str | None = None
    scores: tuple[float, ...] = ()


@dataclass(frozen=True)
class Practice:
    """What scoring needs, built once per app and shared read-only by every session."""

    bank: Bank
    linker: Linker
    embed: Embed

    @classmethod
    def for_kb(cls, kb: KnowledgeBase) -> Practice:
        return cls(kb.model.bank, kb.model.linker, kb.embed)


def _session(session: Session | None) -> Session:
    return session if isinstance(session, Session) else Session(seed=secrets.randbits(32))


def question_markdown(question: Question, number: int, lang: str) -> str:
    return f"#### {t(lang, 'asked').format(n=number)} · {escape_markdown(question.title)}"


def next_question(practice: Practice, topic: str, session: Session | None, lang: str) -> tuple[Session, str, str, str]:
    """Draw the next question of ``topic``: (session, question markdown, cleared answer, cleared result)."""
    lang, session = lang_of(lang), _session(session)
    question = draw(practice.bank.pool(topic or RANDOM), session.seed, session.asked)
    if question is None:
        raise user_error(lang, "pool_empty")
    session = replace(session, asked=(*session.asked, question.section), current=question.section)
    return session, question_markdown(question, len(session.asked), lang), "", ""


def _points(points: Sequence[KeyPoint], lang: str) -> str:
    if not points:
        return f'<span class="kg-muted">{esc(t(lang, "none"))}</span>'
    chips = (f'<span class="kg-point {"kg-hit" if p.hit else "kg-miss"}">{"✓" if p.hit else "✗"} {esc(p.label)}</span>'
             for p in points)
    return " ".join(chips)


def highlight(reference: str, points: Sequence[KeyPoint]) -> str:
    """The reference as escaped HTML with every key-point occurrence marked hit or missed."""
    marks = sorted({(a, b, p.hit) for p in points for a, b in p.spans})
    out, at = [], 0
    for start, end, hit in marks:
        if start < at:
            continue
        out.append(esc(reference[at:start]))
        out.append(f'<mark class="{"kg-hit" if hit else "kg-miss"}">{esc(reference[start:end])}</mark>')
        at = end
    out.append(esc(reference[at:]))
    return "".join(out)


def _part(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def result_html(question: Question, score: Score, followups: Sequence[str], lang: str) -> str:
    """The score with its formula and parts, the hit/missed points, the marked reference and a follow-up."""
    w = score.weights
    level = "kg-good" if score.total >= 70 else "kg-fair" if score.total >= 40 else "kg-poor"
    rows = [
        (t(lang, "key_concepts"), "C", w.concepts, score.concepts, _points(score.of("concept"), lang)),
        (t(lang, "key_terms"), "T", w.terms, score.terms, _points(score.of("term"), lang)),
        (t(lang, "similarity"), "S", w.similarity, score.similarity, f"cos = {score.similarity:.2f}"),
    ]
    table = "".join(
        f"<tr><td>{esc(name)} <b>{sym}</b></td><td>{weight:g}</td><td>{_part(value)}</td><td>{detail}</td></tr>"
        for name, sym, weight, value, detail in rows
    )
    follow = "".join(f"<li>{esc(q)}</li>" for q in followups)
    return (
        f'<div class="kg-score"><div class="kg-total {level}"><span>{score.total:.0f}</span><small>/ 100</small></div>'
        f'<div><div class="kg-formula">{esc(t(lang, "formula"))}: <code>{esc(w.formula())}</code></div>'
        f'<table class="kg-parts"><tr><th></th><th>w</th><th>0–1</th>'
        f'<th>{esc(t(lang, "hit"))} / {esc(t(lang, "missed"))}</th></tr>{table}</table></div></div>'
        f'<h4>{esc(t(lang, "reference"))} {cite(question.doc, question.start_line, question.end_line)}</h4>'
        f'<div class="kg-reference">{highlight(question.reference, score.points)}</div>'
        + (f'<h4>{esc(t(lang, "followup"))}</h4><ul class="kg-followups">{follow}</ul>' if follow else "")
    )


def tally(session: Session, lang: str) -> str:
    if not session.scores:
        return t(lang, "tally_empty")
    s = session.scores
    return t(lang, "tally").format(n=len(s), avg=sum(s) / len(s), best=max(s))


def submit(practice: Practice, answer: str, session: Session | None, lang: str) -> tuple[Session, str, str]:
    """Score ``answer`` to the current question: (session with the score added, result HTML, tally)."""
    lang, session = lang_of(lang), _session(session)
    question = practice.bank.by_section(session.current or "")
    if question is None:
        raise user_error(lang, "no_question")
    if not (answer or "").strip():
        raise user_error(lang, "empty_answer")
    with friendly(lang):
        score = score_answer(answer.strip()[:MAX_ANSWER_CHARS], question.reference, linker=practice.linker,
                             idf=practice.bank.idf, embed=practice.embed, exclude=question.concepts)
        graph = practice.bank.snapshot.graph
        followups = [q for c in question.concepts for q in from_graph(graph, c, lang)][:2]
    session = replace(session, scores=(*session.scores, score.total))
    return session, result_html(question, score, followups, lang), tally(session, lang)


@dataclass(frozen=True)
class PracticeView:
    practice: Practice
    tab: gr.Tab
    topic: gr.Dropdown
    next: gr.Button
    answer: gr.Textbox
    submit: gr.Button
    intro: gr.Markdown

    def relabel(self, lang: Lang) -> list[object]:
        """Updates for :attr:`labelled`, in the same order."""
        return [gr.Tab(label=t(lang, "tab_practice")),
                gr.Dropdown(label=t(lang, "topic"), choices=topics(self.practice.bank, lang)),
                gr.Button(value=t(lang, "next")),
                gr.Textbox(label=t(lang, "answer"), placeholder=t(lang, "answer_hint")),
                gr.Button(value=t(lang, "submit")), gr.Markdown(t(lang, "practice_intro"))]

    @property
    def labelled(self) -> list[gr.blocks.Block]:
        return [self.tab, self.topic, self.next, self.answer, self.submit, self.intro]


def build(kb: KnowledgeBase, lang: gr.Radio) -> PracticeView:
    """The tab's components and events (call inside ``gr.Tabs``)."""
    practice = Practice.for_kb(kb)
    with gr.Tab(t("zh", "tab_practice"), id="practice") as tab:
        session = gr.State(None)
        with gr.Row(equal_height=True):
            topic = gr.Dropdown(topics(practice.bank, "zh"), value=RANDOM, label=t("zh", "topic"), scale=3,
                                elem_id="kg-topic")
            nxt = gr.Button(t("zh", "next"), variant="primary", scale=1)
        intro = gr.Markdown(t("zh", "practice_intro"))
        question = gr.Markdown(elem_id="kg-practice-question")
        answer = gr.Textbox(label=t("zh", "answer"), placeholder=t("zh", "answer_hint"), lines=5,
                            max_length=MAX_ANSWER_CHARS)
        send = gr.Button(t("zh", "submit"), variant="primary")
        result = gr.HTML(elem_id="kg-result")
        score = gr.Markdown(t("zh", "tally_empty"), elem_id="kg-tally")
    nxt.click(partial(next_question, practice), [topic, session, lang], [session, question, answer, result],
              api_name="next_question")
    send.click(partial(submit, practice), [answer, session, lang], [session, result, score], api_name="score_answer")
    return PracticeView(practice, tab, topic, nxt, answer, send, intro)
