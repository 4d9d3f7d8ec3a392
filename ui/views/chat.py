"""The 问答 / Chat tab: grounded answers with their sources, and clickable next steps.

An answer becomes chat messages: the composed markdown (already escaped by :mod:`qa.compose`),
then the cited passages in a collapsed "sources" block. Under the last message sit options:
the answer's concepts (open them in the explorer), its follow-up questions (ask them) and its
demos (run them here). A refusal is framed in a distinct block and offers the nearest topics.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr

from qa import Answer, KnowledgeBase
from qa.api import MAX_QUESTION_CHARS
from qa.compose import escape_markdown, quote
from qa.demos import get_demo
from ui.views import demos
from ui.views.errors import friendly, user_error
from ui.views.i18n import Lang, lang_of, t
from ui.views.markup import PickKind, parse_pick, pick

__all__ = ["EXAMPLES", "Message", "options", "sources_markdown", "refusal_markdown", "answer_messages", "ask",
           "demo_message", "follow", "ChatView", "build"]

EXAMPLES = (
    "BN层的作用是什么?",
    "What does 1x1 convolution do?",
    "ResNet为什么能训练更深的网络?",
    "转置卷积为什么会有棋盘效应?",
)
Message = dict[str, Any]


def _option(kind: PickKind, value: str, label: str, lang: str) -> dict[str, str]:
    return {"value": pick(kind, value), "label": f"{t(lang, 'pick_' + kind)} · {label}"}


def options(answer: Answer, lang: str) -> list[dict[str, str]]:
    """The clickable next steps of an answer (of a refusal: its nearest topics, to ask about)."""
    if answer.refused:
        return [_option("ask", topic, topic, lang) for topic in answer.nearest]
    out = [_option("concept", c.id, (c.zh or c.name) if lang == "zh" else c.name, lang) for c in answer.concepts[:4]]
    out += [_option("ask", q, q, lang) for q in answer.followups]
    out += [_option("demo", d, demos.title(get_demo(d), lang), lang) for d in answer.demos]
    return out


def sources_markdown(answer: Answer) -> str:
    """Every cited passage, verbatim and escaped, under its citation and heading."""
    blocks = []
    for number, source in enumerate(answer.sources, 1):
        heading = f" · {escape_markdown(source.heading)}" if source.heading else ""
        blocks.append(f"**[{number}]** {escape_markdown(source.citation)}{heading}\n\n{quote(source.text)}")
    return "\n\n".join(blocks)


def refusal_markdown(answer: Answer, lang: str) -> str:
    # The blank lines let the markdown inside the <div> render (CommonMark HTML-block rule).
    return (f'<div class="kg-refusal">\n\n<span class="kg-refusal-badge">{t(lang, "refused_badge")}</span>\n\n'
            f"{answer.markdown}\n\n{t(lang, 'refused_hint') if answer.nearest else ''}\n\n</div>")


def answer_messages(answer: Answer, lang: str) -> list[Message]:
    """The chat messages for one answer; the last one carries the options."""
    if answer.refused:
        return [{"role": "assistant", "content": refusal_markdown(answer, lang), "options": options(answer, lang)}]
    return [
        {"role": "assistant", "content": answer.markdown},
        {"role": "assistant", "content": sources_markdown(answer), "options": options(answer, lang),
         "metadata": {"title": t(lang, "sources").format(n=len(answer.sources)), "status": "done"}},
    ]


def _check(question: object, lang: str) -> str:
    """The question stripped, or a friendly gr.Error when it is empty or too long."""
    text = question.strip() if isinstance(question, str) else ""
    if not text:
        raise user_error(lang, "empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise user_error(lang, "too_long", n=len(text), max=MAX_QUESTION_CHARS)
    return text


def ask(kb: KnowledgeBase, question: str, history: Sequence[Message] | None, lang: str) -> tuple[list[Message], str]:
    """Answer ``question``: (history with the question and the answer appended, cleared textbox)."""
    lang = lang_of(lang)
    text = _check(question, lang)
    with friendly(lang):
        answer = kb.ask(text)
    user = {"role": "user", "content": escape_markdown(text)}
    return [*(history or []), user, *answer_messages(answer, lang)], ""


def _last_options(history: Sequence[Message]) -> list[dict[str, str]]:
    """The options of the latest answer, so running a demo keeps them on screen."""
    for message in reversed(history):
        if message.get("role") == "user":
            break
        if message.get("options"):
            return list(message["options"])
    return []


def demo_message(kb: KnowledgeBase, demo_id: str, lang: str, keep: Sequence[dict[str, str]] = ()) -> Message:
    """A message with a demo's numbers and plot, run with its default parameters."""
    with friendly(lang):
        demo = get_demo(demo_id)
        result = kb.run_demo(demo_id, lang=lang)
    plot = gr.Plot(result.figure, format="png", show_label=False)
    return {"role": "assistant", "content": [demos.result_markdown(demo, result, lang), plot], "options": list(keep)}


def follow(kb: KnowledgeBase, history: Sequence[Message] | None, lang: str, value: str) -> list[Message]:
    """Act on a chat option: ask a follow-up or run a demo here (concepts are opened by the app)."""
    lang = lang_of(lang)
    history = list(history or [])
    kind, payload = parse_pick(value)
    if kind == "ask":
        return ask(kb, payload, history, lang)[0]
    if kind == "demo":
        return [*history, demo_message(kb, payload, lang, _last_options(history))]
    return history


@dataclass(frozen=True)
class ChatView:
    tab: gr.Tab
    bot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button

    @property
    def labelled(self) -> list[gr.blocks.Block]:
        return [self.tab, self.bot, self.question, self.send]

    def relabel(self, lang: Lang) -> list[object]:
        """Updates for :attr:`labelled`, in the same order."""
        return [gr.Tab(label=t(lang, "tab_chat")),
                gr.Chatbot(label=t(lang, "tab_chat"), placeholder=t(lang, "chat_placeholder")),
                gr.Textbox(label=t(lang, "question"), placeholder=t(lang, "question_hint")),
                gr.Button(value=t(lang, "send"))]


def build(kb: KnowledgeBase, lang: gr.Radio) -> ChatView:
    """The tab's components and its own events; the app wires the options that leave the tab."""
    with gr.Tab(t("zh", "tab_chat"), id="chat") as tab:
        bot = gr.Chatbot(label=t("zh", "tab_chat"), show_label=False, placeholder=t("zh", "chat_placeholder"),
                         height=560, examples=[{"text": q} for q in EXAMPLES], buttons=["copy"],
                         feedback_options=None, elem_id="kg-chat")
        with gr.Row(equal_height=True):
            question = gr.Textbox(label=t("zh", "question"), placeholder=t("zh", "question_hint"),
                                  max_length=MAX_QUESTION_CHARS, scale=5, lines=1, elem_id="kg-question")
            send = gr.Button(t("zh", "send"), variant="primary", scale=1, elem_id="kg-ask")
    gr.on([question.submit, send.click], partial(ask, kb), [question, bot, lang], [bot, question], api_name="ask")

    # A closure, not functools.partial: Gradio finds the SelectData parameter from the annotations.
    def example(history: list[Message], lang_value: str, event: gr.SelectData) -> tuple[list[Message], str]:
        return ask(kb, event.value["text"], history, lang_value)

    bot.example_select(example, [bot, lang], [bot, question], api_visibility="private")
    return ChatView(tab, bot, question, send)
