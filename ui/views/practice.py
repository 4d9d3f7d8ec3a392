"""The 模拟面试 / Practice tab: ask a question from the notes, score the answer, follow up.

Per-user progress lives in a :class:`Session` held by ``gr.State``: the seed that orders the
questions, the ones asked, the current one and one score per question. Scoring is
:class:`qa.scoring.Scorer`; a follow-up is a related bank question and becomes the next one.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from qa import KnowledgeBase
from qa.bank import RANDOM, Bank, Question, draw
from qa.compose import escape_markdown
from qa.progress import Progress, ProgressStore, Review, suggest
from qa.scoring import Scorer
from ui.views.bank import topics
from ui.views.errors import friendly, user_error
from ui.views.i18n import Lang, lang_of, t
from ui.views.markup import display_name
from ui.views.scoring import result_html

__all__ = ["MAX_ANSWER_CHARS", "Session", "Practice", "question_markdown", "next_question", "ask", "tally", "submit",
           "PracticeView", "build"]

MAX_ANSWER_CHARS = 4000
_DONE = ("这个范围的题目都做完了, 本轮不再计分: 换一个范围继续。",
         "Every question of this topic is done and no more answers are counted: pick another topic.")


@dataclass(frozen=True)
class Session:
    """One user's practice so far (immutable: handlers return a new one).

    ``scores`` holds one ``(section, score)`` per question: scoring the same question again
    (a second press, or after an edit) replaces its score instead of counting twice.
    """

    seed: int
    asked: tuple[str, ...] = ()
    current: str | None = None
    scores: tuple[tuple[str, float], ...] = ()
    plan: tuple[str, ...] = ()  # a mock interview's questions still to come, follow-ups in place
    interview: tuple[str, ...] = ()  # the mock interview's questions so far
    started: float = 0.0  # when it started (time.time()), for the report

    def scored(self, section: str, total: float) -> Session:
        kept = tuple((s, v) for s, v in self.scores if s != section)
        return replace(self, scores=(*kept, (section, total)))


@dataclass(frozen=True)
class Practice:
    """What scoring needs, built once per app and shared read-only by every session."""

    bank: Bank
    scorer: Scorer
    store: ProgressStore | None = None

    @classmethod
    def for_kb(cls, kb: KnowledgeBase) -> Practice:
        """Scoring over the KB's read model; signed-in users' progress in ``progress.sqlite`` beside it."""
        model = kb.model
        bank = model.bank
        scorer = Scorer.build([q.reference for q in bank.questions], model.linker, kb.graph, kb.embed,
                              read=kb.retriever(model).spelt)
        return cls(bank, scorer, ProgressStore(Path(kb.path) / "progress.sqlite"))


def _session(session: Session | None) -> Session:
    return session if isinstance(session, Session) else Session(seed=secrets.randbits(32))


def question_markdown(question: Question, number: int, lang: str) -> str:
    return f"#### {t(lang, 'asked').format(n=number)} · {escape_markdown(question.asked(lang))}"


def _cleared() -> tuple[Any, Any, str]:
    """Follow-ups hidden, no self-grade chosen, no "saved" note: nothing of the previous question stays."""
    return gr.Radio(choices=[], value=None, visible=False), gr.Radio(value=None), ""


def ask(practice: Practice, session: Session, question: Question, lang: str) -> tuple[Any, ...]:
    """Make ``question`` the current one: (session, question markdown, cleared answer, cleared result,
    follow-ups, self-grade, saved note)."""
    asked = session.asked if question.section in session.asked else (*session.asked, question.section)
    session = replace(session, asked=asked, current=question.section)
    return (session, question_markdown(question, asked.index(question.section) + 1, lang), "", "", *_cleared())


INTERVIEW = 5


def start_interview(practice: Practice, topic: str, session: Session | None, lang: str,
                    now: float | None = None) -> tuple[Any, ...]:
    """A timed mock interview: :data:`INTERVIEW` questions of ``topic``, each followed by a related one (追问)."""
    lang, session = lang_of(lang), _session(session)
    pool, asked = practice.bank.pool(topic or RANDOM), list(session.asked)
    plan: list[str] = []
    while len(plan) < 2 * INTERVIEW and (q := draw(pool, session.seed, asked)) is not None:
        asked.append(q.section)
        extra = next((r.section for r in practice.bank.related(q) if r.section not in asked), None)
        if extra:  # a question without a follow-up is skipped: every interview question gets its 追问
            plan += [q.section, extra]
            asked.append(extra)
    if not plan:
        return next_question(practice, topic, session, lang)
    session = replace(session, plan=tuple(plan), interview=(), started=time.time() if now is None else now)
    return next_question(practice, topic, session, lang)


def report(practice: Practice, session: Session, lang: str, now: float | None = None) -> str:
    """The end-of-interview report: each question's score, the mean and the time taken."""
    scores = dict(session.scores)
    rows = [f"| {escape_markdown(q.asked(lang))} | {scores.get(s, 0):.0f} |"
            for s in session.interview if (q := practice.bank.by_section(s))]
    mean = sum(scores.get(s, 0) for s in session.interview) / max(1, len(session.interview))
    minutes = ((time.time() if now is None else now) - session.started) / 60
    head = ("#### 模拟面试报告: {n} 题, 平均 {m:.0f} 分, 用时 {t:.1f} 分钟", "#### Mock interview report: {n} questions, "
            "mean {m:.0f}, {t:.1f} minutes")[1 if lang == "en" else 0]
    table = "| 题目 | 得分 |\n|---|---|" if lang != "en" else "| Question | Score |\n|---|---|"
    return "\n".join([head.format(n=len(rows), m=mean, t=minutes), "", table, *rows])


def next_question(practice: Practice, topic: str, session: Session | None, lang: str) -> tuple[Any, ...]:
    """The next planned interview question, else a draw from ``topic``; when none is left, say so and stop counting."""
    lang, session = lang_of(lang), _session(session)
    if session.plan:
        first, rest = session.plan[0], session.plan[1:]
        question = practice.bank.by_section(first)
        session = replace(session, plan=rest, interview=(*session.interview, first))
        if question is not None:
            return ask(practice, session, question, lang)
    if session.interview and not session.plan:
        done = replace(session, current=None, interview=())
        return done, report(practice, session, lang), "", "", *_cleared()
    question = draw(practice.bank.pool(topic or RANDOM), session.seed, session.asked)
    if question is None:
        done = replace(session, current=None)
        return done, f"#### {_DONE[1 if lang == 'en' else 0]}", "", "", *_cleared()
    return ask(practice, session, question, lang)


def follow(practice: Practice, section: str | None, session: Session | None, lang: str) -> tuple[Any, ...]:
    """A clicked follow-up becomes the next question."""
    lang, session = lang_of(lang), _session(session)
    question = practice.bank.by_section(section or "")
    if question is None:
        return session, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return ask(practice, session, question, lang)


def tally(session: Session, lang: str) -> str:
    if not session.scores:
        return t(lang, "tally_empty")
    s = [v for _, v in session.scores]
    return t(lang, "tally").format(n=len(s), avg=sum(s) / len(s), best=max(s))


def submit(practice: Practice, answer: str, session: Session | None, lang: str) -> tuple[Any, ...]:
    """Score ``answer`` to the current question: (session, result HTML, tally, follow-up choices)."""
    lang, session = lang_of(lang), _session(session)
    question = practice.bank.by_section(session.current or "")
    if question is None:
        raise user_error(lang, "no_question")
    if not (answer or "").strip():
        raise user_error(lang, "empty_answer")
    with friendly(lang):
        score = practice.scorer.score(answer.strip()[:MAX_ANSWER_CHARS], question.reference, question.title,
                                      question.concepts)
        graph = practice.bank.snapshot.graph
        names = {c.id: display_name(c, lang) for c in graph.concepts()}
        related = practice.bank.related(question)
    session = session.scored(question.section, score.total)
    choices = [(q.title, q.section) for q in related]
    return (session, result_html(question, score, lang, names), tally(session, lang),
            gr.Radio(choices=choices, value=None, visible=bool(choices), label=t(lang, "followup")))


_GRADES = {"again": ("重来", "Again"), "hard": ("困难", "Hard"), "good": ("良好", "Good"), "easy": ("简单", "Easy")}
_PANEL = {
    "due": ("今天该复习 {n} 题", "{n} due for review today"),
    "weak": ("薄弱知识点", "Weak topics"),
    "streak": ("连续练习 {n} 天", "{n}-day streak"),
    "saved": ("已记录自评「{g}」, 下次复习: {due}", "Self-grade “{g}” saved; next review: {due}"),
    "bad_import": ("导入失败: {e}", "Import failed: {e}"),
    "grade": ("自评 (按分数建议)", "Self-grade (suggested from the score)"),
    "save": ("记录自评", "Save self-grade"),
    "mock": ("模拟面试 (5 题 + 追问, 计时)", "Mock interview (5 questions + follow-ups, timed)"),
    "transfer": ("导出 / 导入进度 (JSON)", "Export / import progress (JSON)"),
    "export": ("导出", "Export"),
    "import": ("导入", "Import"),
}


def _w(lang: str, key: str) -> str:
    return _PANEL[key][1 if lang == "en" else 0]


def _progress(practice: Practice, saved: str | None, user: str | None) -> Progress:
    """This browser's log, united with the signed-in user's log in SQLite (either may be empty)."""
    try:
        local = Progress.from_json(saved) if saved else Progress()
    except ValueError:
        local = Progress()  # a corrupt localStorage entry is dropped, not fatal
    if user and practice.store is not None:
        return local.reviewed(*practice.store.load(user).reviews)
    return local


def _now() -> datetime:
    """Now in this machine's time zone: "today" and the streak's days are the user's calendar days
    (the app runs on the candidate's own laptop), not UTC days."""
    return datetime.now().astimezone()


def panel(practice: Practice, progress: Progress, lang: str, now: datetime) -> str:
    """Due today (clickable titles are in the follow-up list), weak topics and the streak, as Markdown."""
    graph = practice.bank.snapshot.graph
    due = [q for s in progress.due_today(now) if (q := practice.bank.by_section(s))]
    weak = [f"{display_name(graph.concept(c), lang) if c in graph else c} ({v:.0f})" for c, v in progress.weak_topics()]
    lines = [f"**{_w(lang, 'due').format(n=len(due))}** · {_w(lang, 'streak').format(n=progress.streak(now))}"]
    lines += [f"- {escape_markdown(q.asked(lang))}" for q in due[:5]]
    if weak:
        lines.append(f"\n**{_w(lang, 'weak')}**: " + escape_markdown(", ".join(weak)))
    return "\n".join(lines)


def record(practice: Practice, grade: str, session: Session | None, saved: str | None, lang: str,
           request: gr.Request | None = None) -> tuple[str, str, str]:
    """Log the self-grade of the current question's score: (progress JSON, panel, confirmation)."""
    lang, session = lang_of(lang), _session(session)
    question = practice.bank.by_section(session.current or "")
    scores = dict(session.scores)
    if question is None or question.section not in scores or grade not in _GRADES:
        raise user_error(lang, "no_question")
    now = _now()
    user = getattr(request, "username", None)
    review = Review(question.section, now.astimezone(timezone.utc).isoformat(), grade, scores[question.section], question.concepts)  # type: ignore[arg-type]
    progress = _progress(practice, saved, user).reviewed(review)
    if user and practice.store is not None:
        practice.store.add(user, [review])
    due = progress.cards()[question.section].due.astimezone().strftime("%Y-%m-%d %H:%M")
    label = _GRADES[grade][1 if lang == "en" else 0]
    return progress.to_json(), panel(practice, progress, lang, now), _w(lang, "saved").format(g=label, due=due)


def reword(practice: Practice, session: Session | None, lang: str) -> tuple[Any, str, Any]:
    """After a language switch: (the current question, the tally, the follow-ups' label) in ``lang``
    (no current question: it is left as it is)."""
    lang = lang_of(lang)
    followups = gr.Radio(label=t(lang, "followup"))
    if not isinstance(session, Session):
        return gr.skip(), t(lang, "tally_empty"), followups
    question = practice.bank.by_section(session.current) if session.current else None
    if question is None or question.section not in session.asked:
        return gr.skip(), tally(session, lang), followups
    return (question_markdown(question, session.asked.index(question.section) + 1, lang), tally(session, lang),
            followups)


def show(practice: Practice, saved: str | None, lang: str, request: gr.Request | None = None) -> str:
    """The progress panel for this browser (and user), e.g. after a reload."""
    progress = _progress(practice, saved, getattr(request, "username", None))
    return panel(practice, progress, lang_of(lang), _now())


def import_progress(practice: Practice, text: str, saved: str | None, lang: str,
                    request: gr.Request | None = None) -> tuple[str, str]:
    """Merge pasted progress JSON into this browser's (and user's) log: (progress JSON, panel)."""
    lang = lang_of(lang)
    try:
        incoming = Progress.from_json(text or "")
    except ValueError as exc:
        raise gr.Error(_w(lang, "bad_import").format(e=exc)) from None
    user = getattr(request, "username", None)
    if user and practice.store is not None:
        practice.store.add(user, incoming.reviews)
    progress = _progress(practice, saved, user).reviewed(*incoming.reviews)
    return progress.to_json(), panel(practice, progress, lang, _now())


@dataclass(frozen=True)
class PracticeView:
    practice: Practice
    tab: gr.Tab
    topic: gr.Dropdown
    next: gr.Button
    answer: gr.Textbox
    submit: gr.Button
    intro: gr.Markdown
    grade: gr.Radio
    save: gr.Button
    mock: gr.Button
    transfer: gr.Accordion
    export: gr.Button
    load: gr.Button

    def relabel(self, lang: Lang) -> list[object]:
        """Updates for :attr:`labelled`, in the same order."""
        return [gr.Tab(label=t(lang, "tab_practice")),
                gr.Dropdown(label=t(lang, "topic"), choices=topics(self.practice.bank, lang)),
                gr.Button(value=t(lang, "next")),
                gr.Textbox(label=t(lang, "answer"), placeholder=t(lang, "answer_hint")),
                gr.Button(value=t(lang, "submit")), gr.Markdown(t(lang, "practice_intro")),
                gr.Radio(choices=[(pair[1 if lang == "en" else 0], g) for g, pair in _GRADES.items()],
                         label=_w(lang, "grade")),
                gr.Button(value=_w(lang, "save")), gr.Button(value=_w(lang, "mock")),
                gr.Accordion(label=_w(lang, "transfer")), gr.Button(value=_w(lang, "export")),
                gr.Button(value=_w(lang, "import"))]

    @property
    def labelled(self) -> list[gr.blocks.Block]:
        return [self.tab, self.topic, self.next, self.answer, self.submit, self.intro, self.grade, self.save, self.mock,
                self.transfer, self.export, self.load]


def _suggested(session: Session | None) -> Any:
    """The self-grade the current question's score suggests (the user may change it)."""
    scores = dict(session.scores) if isinstance(session, Session) else {}
    current = session.current if isinstance(session, Session) else None
    return gr.Radio(value=suggest(scores[current])) if current in scores else gr.skip()


def build(kb: KnowledgeBase, lang: gr.Radio) -> PracticeView:
    """The tab's components and events (call inside ``gr.Tabs``)."""
    practice = Practice.for_kb(kb)
    with gr.Tab(t("zh", "tab_practice"), id="practice") as tab:
        session = gr.State(None)
        with gr.Row(equal_height=True):
            topic = gr.Dropdown(topics(practice.bank, "zh"), value=RANDOM, label=t("zh", "topic"), scale=3,
                                elem_id="kg-topic")
            nxt = gr.Button(t("zh", "next"), variant="primary", scale=1)
            mock = gr.Button(_w("zh", "mock"), scale=1, elem_id="kg-mock")
        intro = gr.Markdown(t("zh", "practice_intro"))
        question = gr.Markdown(elem_id="kg-practice-question")
        answer = gr.Textbox(label=t("zh", "answer"), placeholder=t("zh", "answer_hint"), lines=5,
                            max_length=MAX_ANSWER_CHARS)
        send = gr.Button(t("zh", "submit"), variant="primary")
        result = gr.HTML(elem_id="kg-result")
        with gr.Row(equal_height=True):
            grade = gr.Radio([(zh, g) for g, (zh, _) in _GRADES.items()], label=_w("zh", "grade"), scale=3,
                             elem_id="kg-grade")
            save = gr.Button(_w("zh", "save"), scale=1, elem_id="kg-save-grade")
        saved_note = gr.Markdown(elem_id="kg-saved")
        followups = gr.Radio([], label=t("zh", "followup"), visible=False, elem_id="kg-followups")
        score = gr.Markdown(t("zh", "tally_empty"), elem_id="kg-tally")
        saved = gr.BrowserState("", storage_key="kgqa-practice-progress")
        progress_md = gr.Markdown(elem_id="kg-progress")
        with gr.Accordion(_w("zh", "transfer"), open=False) as transfer:
            blob = gr.Textbox(lines=3, show_label=False, elem_id="kg-progress-json")
            with gr.Row():
                export = gr.Button(_w("zh", "export"), size="sm")
                load = gr.Button(_w("zh", "import"), size="sm")
    shown = [session, question, answer, result, followups, grade, saved_note]
    nxt.click(partial(next_question, practice), [topic, session, lang], shown, api_name="next_question")
    mock.click(partial(start_interview, practice), [topic, session, lang], shown, api_visibility="private")
    send.click(partial(submit, practice), [answer, session, lang], [session, result, score, followups],
               api_name="score_answer").then(_suggested, session, grade, api_visibility="private")
    save.click(partial(record, practice), [grade, session, saved, lang], [saved, progress_md, saved_note],
               api_visibility="private")
    tab.select(partial(show, practice), [saved, lang], progress_md, api_visibility="private")
    export.click(lambda value: value, saved, blob, api_visibility="private")
    load.click(partial(import_progress, practice), [blob, saved, lang], [saved, progress_md], api_visibility="private")
    followups.input(partial(follow, practice), [followups, session, lang], shown, api_visibility="private")
    # A language switch re-words what is on screen (the labels are relabelled by the app).
    lang.change(partial(reword, practice), [session, lang], [question, score, followups], api_visibility="private")
    lang.change(partial(show, practice), [saved, lang], progress_md, api_visibility="private")
    return PracticeView(practice, tab, topic, nxt, answer, send, intro, grade, save, mock, transfer, export, load)
