"""The 问答 / Chat tab: grounded answers with their sources, and clickable next steps.

An answer becomes chat messages: the short answer with key points (framed as a possible match
when the refusal model is unsure), the cited passages in a collapsed "sources" block, and a
collapsed "why these sources" panel (each source's per-signal ranks and the ranker's top
contributions, the linked concepts, the intent, P(answerable)). Under the last message sit
options: concepts (open them in the explorer), follow-ups (ask them) and demos (run them here).
A refusal is framed in a distinct block and offers the nearest topics.

One language rule: everything the app says (badges, headings, hints, chips) follows the UI
language; quoted note text, and questions (yours and the suggested ones), stay as written.
A language switch re-words the whole chat, earlier answers included (:func:`relocalize`).
"""
from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from kg.errors import InputError, KGQAError
from kg.store import atomic_write
from qa import Answer, KnowledgeBase, feedback
from qa.api import MAX_QUESTION_CHARS, clean_question
from qa.compose import escape_markdown, quote, render, topic_names, unescape_markdown
from qa.demos import get_demo, list_demos
from ui.views import demos
from ui.views.errors import friendly, user_error
from ui.views.i18n import LANGS, Lang, intent_name, lang_of, t
from ui.views.markup import PickKind, parse_pick, pick

__all__ = ["EXAMPLES", "LATEX", "Message", "options", "sources_markdown", "why_markdown", "refusal_markdown",
           "answer_messages", "text_of", "asked", "cited", "first_question", "ask", "demo_message", "follow", "relocalize",
           "restored", "export_markdown", "SCROLL_JS",
           "ChatView", "build"]

EXAMPLES = (
    "BN层的作用是什么?",
    "What does 1x1 convolution do?",
    "ResNet为什么能训练更深的网络?",
    "转置卷积为什么会有棋盘效应?",
)
# KaTeX (shipped with Gradio) renders maths between these, read from the raw Markdown; the notes'
# own "\(...\)" included. Not "$" (prices) nor "\[" (an escaped "["): see qa.compose.escape_markdown.
LATEX: list[dict[str, str | bool]] = [{"left": "$$", "right": "$$", "display": True}, {"left": "\\(", "right": "\\)", "display": False}]
Message = dict[str, Any]
_CITED = re.compile(r"^\*\*\[(\d+)\]\*\* `([^`]+)`", re.M)
_FIRST = re.compile(r"^\s*(.+?[?？])", re.S)


def _option(kind: PickKind, value: str, label: str, lang: str) -> dict[str, str]:
    return {"value": pick(kind, value), "label": f"{t(lang, 'pick_' + kind)} · {label}"}


def options(answer: Answer, lang: str, graph: Any) -> list[dict[str, str]]:
    """The clickable next steps of an answer (of a refusal: its nearest topics, named in ``lang``
    where ``graph`` knows them, to ask about)."""
    if answer.refused:
        return [_option("ask", name, name, lang) for name in topic_names(graph, answer.nearest, lang)]
    out = [_option("concept", c.id, (c.zh or c.name) if lang == "zh" else c.name, lang) for c in answer.concepts[:4]]
    out += [_option("ask", q, q, lang) for q in answer.followups]
    out += [_option("demo", d, demos.title(get_demo(d), lang), lang) for d in answer.demos]
    return out


def sources_markdown(answer: Answer) -> str:
    """Every cited passage, verbatim and escaped, under its number, citation and heading."""
    blocks = []
    for number, source in enumerate(answer.sources, 1):
        heading = f" · {escape_markdown(source.heading)}" if source.heading else ""
        blocks.append(f"**[{number}]** `{source.citation.replace('`', '')}`{heading}\n\n{quote(source.text)}")
    return "\n\n".join(blocks)


def why_markdown(answer: Answer, lang: str) -> str:
    """The retrieval behind an answer: intent, P(answerable), linked concepts, and per source its
    rank under each signal and the ranker's largest contributions (LightRAG's retrieval-testing panel)."""
    names = ", ".join(escape_markdown((c.zh or c.name) if lang == "zh" else c.name) for c in answer.concepts) or t(lang, "none")
    lines = [f"{t(lang, 'why_intent')}: **{intent_name(lang, answer.intent)}** · "
             f"{t(lang, 'why_probability')}: **{answer.probability:.2f}** · "
             f"{t(lang, 'why_state')}: **{t(lang, 'state_' + answer.confidence)}**", "",
             f"{t(lang, 'why_concepts')}: {names}", "",
             # The blank lines let the table inside the <div> render (CommonMark HTML-block rule).
             '<div class="kg-why">', "",
             f"| # | {t(lang, 'why_source')} | {t(lang, 'why_score')} | {t(lang, 'why_ranks')} | {t(lang, 'why_top')} |",
             "|---|---|---|---|---|"]
    for number, source in enumerate(answer.sources, 1):
        ranks = " · ".join(f"{escape_markdown(s)} {r}" for s, r in sorted(source.ranks.items(), key=lambda x: x[1]))
        top = " · ".join(f"{escape_markdown(f)} {c:+.2f}" for f, _, c in source.why[:4])
        lines.append(f"| {number} | `{source.citation.replace('`', '')}` | {source.score:.3f} | {ranks} | {top} |")
    return "\n".join([*lines, "", "</div>"])


def refusal_markdown(answer: Answer, lang: str, graph: Any) -> str:
    # The blank lines let the markdown inside the <div> render (CommonMark HTML-block rule).
    return (f'<div class="kg-refusal">\n\n<span class="kg-refusal-badge">{t(lang, "refused_badge")}</span>\n\n'
            f"{render(answer, lang, graph)}\n\n{t(lang, 'refused_hint') if answer.nearest else ''}\n\n</div>")


def _body(answer: Answer, lang: str, graph: Any) -> str:
    """The answer message; a possible match is framed with its own badge."""
    body = render(answer, lang, graph)
    if answer.confidence != "low":
        return body
    return f'<div class="kg-possible">\n\n<span class="kg-possible-badge">{t(lang, "possible_badge")}</span>\n\n{body}\n\n</div>'


def answer_messages(answer: Answer, lang: str, graph: Any) -> list[Message]:
    """The chat messages for one answer; the last one carries the options."""
    if answer.refused:
        return [{"role": "assistant", "content": refusal_markdown(answer, lang, graph), "options": options(answer, lang, graph)}]
    return [
        {"role": "assistant", "content": _body(answer, lang, graph)},
        {"role": "assistant", "content": sources_markdown(answer),
         "metadata": {"title": t(lang, "sources").format(n=len(answer.sources)), "status": "done"}},
        {"role": "assistant", "content": why_markdown(answer, lang), "options": options(answer, lang, graph),
         "metadata": {"title": t(lang, "why_title"), "status": "done"}},
    ]


def text_of(message: Message) -> str | None:
    """A message's Markdown, whether its content is a string (as we build it) or text parts (as the
    Chatbot hands it back); None for a message with a plot or a file in it."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    if parts and all(isinstance(p, dict) and p.get("type") == "text" for p in parts):
        return "".join(str(p.get("text", "")) for p in parts)
    return None


def asked(history: Sequence[Message]) -> list[str]:
    """The questions asked so far in this chat, as typed (never offered again as follow-ups)."""
    return [unescape_markdown(text) for m in history if m.get("role") == "user" and (text := text_of(m)) is not None]


def cited(history: Sequence[Message], index: int) -> tuple[str, list[str]]:
    """(question, citations) of the answer that message ``index`` belongs to."""
    question, citations = "", list[str]()
    for message in history[: index + 1]:
        content = text_of(message) or ""
        if message.get("role") == "user":
            question, citations = unescape_markdown(content), []
        elif not citations:
            citations = [c for _, c in _CITED.findall(content)]
    if not citations:  # the vote was on the answer itself: its sources follow it
        for message in history[index + 1:]:
            if message.get("role") == "user":
                break
            if _CITED.search(text_of(message) or ""):
                return question, [c for _, c in _CITED.findall(text_of(message) or "")]
    return question, citations


def first_question(text: str) -> str:
    """The first question of a long text (up to its first question mark), or "" when there is none short enough."""
    match = _FIRST.match(text)
    first = match.group(1).strip() if match else ""
    return first if first and len(first) <= MAX_QUESTION_CHARS else ""


def _notice(notice: str) -> Message:
    return {"role": "assistant", "content": f'<div class="kg-notice">{escape_markdown(notice)}</div>'}


def _check(question: object, lang: str) -> tuple[str, str]:
    """(the question to answer, a notice for the user or ""); a friendly gr.Error when there is none."""
    text = question.strip() if isinstance(question, str) else ""
    if not text:
        raise user_error(lang, "empty")
    if len(text) <= MAX_QUESTION_CHARS:
        chosen, notice = text, ""
    else:
        chosen = first_question(text)
        if not chosen:
            raise user_error(lang, "too_long", n=len(text), max=MAX_QUESTION_CHARS)
        notice = t(lang, "too_long_first").format(n=len(text), max=MAX_QUESTION_CHARS)
    try:
        clean_question(chosen)
    except InputError:  # only emoji or markup: said in the UI's language, not the backend's English
        raise user_error(lang, "no_words") from None
    return chosen, notice


def ask(kb: KnowledgeBase, question: str, history: Sequence[Message] | None, lang: str) -> tuple[list[Message], str]:
    """Answer ``question``: (history with the question and the answer appended, cleared textbox).

    The session's earlier questions are passed on, so no follow-up repeats one of them.
    """
    lang = lang_of(lang)
    history = list(history or [])
    text, notice = _check(question, lang)
    with friendly(lang):
        answer = kb.ask(text, asked=asked(history))
    user = {"role": "user", "content": escape_markdown(text)}
    note = [_notice(notice)] if notice else []
    return [*history, user, *note, *answer_messages(answer, lang, kb.graph)], ""


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


_NOTICE_LENGTH = re.compile(r'^<div class="kg-notice">\D*(\d+)')


def _demo_of(message: Message) -> str | None:
    """The id of the demo a chat message shows the result of, if it is one (its title, in either language)."""
    content = message.get("content")
    parts = content if isinstance(content, list) else []
    texts = [p if isinstance(p, str) else str(p.get("text", "")) for p in parts if isinstance(p, (str, dict))]
    heads = {f"**{t(lang, 'demo_run')} · {escape_markdown(demos.title(d, lang))}**": d.id
             for d in list_demos() for lang in LANGS}
    return next((heads[head] for text in texts for head in heads if text.startswith(head)), None)


def _turns(history: Sequence[Message]) -> list[list[Message]]:
    """The chat cut into turns, each starting with a question (the first may have none)."""
    turns: list[list[Message]] = [[]]
    for message in history:
        if message.get("role") == "user":
            turns.append([])
        turns[-1].append(message)
    return [turn for turn in turns if turn]


def _reworded(kb: KnowledgeBase, turn: list[Message], earlier: list[str], lang: Lang) -> list[Message]:
    """One turn again in ``lang``: the same question asked again (after the same earlier questions,
    so the same answer and follow-ups), its long-text notice and its demo results re-worded."""
    text = text_of(turn[0])
    if turn[0].get("role") != "user" or text is None:
        return turn
    question = unescape_markdown(text)
    answer = kb.ask(question, asked=earlier)
    notices = [int(m.group(1)) for message in turn if (m := _NOTICE_LENGTH.match(text_of(message) or ""))]
    out = [turn[0], *[_notice(t(lang, "too_long_first").format(n=n, max=MAX_QUESTION_CHARS)) for n in notices]]
    out += answer_messages(answer, lang, kb.graph)
    out += [demo_message(kb, demo_id, lang, options(answer, lang, kb.graph)) for message in turn if (demo_id := _demo_of(message))]
    return out


def relocalize(kb: KnowledgeBase, history: Sequence[Message] | None, lang: str) -> list[Message]:
    """The chat re-worded in ``lang`` after a language switch: every answer's headings, badges, hints,
    chips and panels, not only the new ones. The questions are asked again (an answer is a function of
    the question, the questions before it and the notes; no model, so this is quick and gives the same
    passages), quoted note text and the questions stay as written. A turn that cannot be asked again
    (its notes were removed meanwhile and nothing is left) keeps its old words.
    """
    lang = lang_of(lang)
    out: list[Message] = []
    earlier: list[str] = []
    for turn in _turns(list(history or [])):
        try:
            out += _reworded(kb, turn, earlier, lang)
        except KGQAError:
            out += turn
        if turn[0].get("role") == "user" and (text := text_of(turn[0])) is not None:
            earlier.append(unescape_markdown(text))
    return out


def restored(kb: KnowledgeBase, saved: Sequence[Message] | None, shown: Sequence[Message] | None, lang: str,
             reloaded: bool) -> Any:
    """What a page load does to the chat: it brings back the chat kept in this browser (re-worded when a
    switch to Chinese reloaded the page; a switch to English re-words it on the radio's change), or leaves
    the chat alone (``gr.skip()``) when nothing was kept or a new chat has already begun. Gradio sends the
    load only once every component is loaded, so on a busy machine a question asked the moment the page
    shows can be answered first, and the load must not wipe that answer.

        >>> restored(None, [], [], "zh", False) == gr.skip()
        True
    """
    if not saved or shown:
        return gr.skip()
    return relocalize(kb, saved, lang) if reloaded and lang_of(lang) == LANGS[0] else list(saved)


def export_markdown(history: Sequence[Message], lang: str) -> str:
    """The chat as one Markdown document: each question as a heading, then its messages."""
    parts = [f"# {t(lang, 'title')} · {t(lang, 'tab_chat')}"]
    for message in history:
        content = message.get("content")
        text = text_of(message)
        texts = [text] if text is not None else [c for c in content or () if isinstance(c, str)]
        texts += [str(p["text"]) for p in content or () if text is None and isinstance(p, dict) and p.get("type") == "text"]
        if message.get("role") == "user":
            parts.append(f"## {' '.join(texts)}")
            continue
        title = (message.get("metadata") or {}).get("title")
        parts += [f"### {title}"] if title else []
        parts += texts
    return "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class ChatView:
    tab: gr.Tab
    bot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    export: gr.DownloadButton
    better: gr.Dropdown
    saved: gr.BrowserState  # the chat, kept in this browser: restored on load (see ui.app)

    @property
    def labelled(self) -> list[gr.blocks.Block]:
        return [self.tab, self.bot, self.question, self.send, self.clear, self.export, self.better]

    def relabel(self, lang: Lang) -> list[object]:
        """Updates for :attr:`labelled`, in the same order."""
        return [gr.Tab(label=t(lang, "tab_chat")),
                gr.Chatbot(label=t(lang, "tab_chat"), placeholder=t(lang, "chat_placeholder")),
                gr.Textbox(label=t(lang, "question"), placeholder=t(lang, "question_hint")),
                gr.Button(value=t(lang, "send")), gr.Button(value=t(lang, "clear")),
                gr.DownloadButton(label=t(lang, "export")),
                gr.Dropdown(label=t(lang, "better"), info=t(lang, "better_hint"))]


def _choices(history: Sequence[Message]) -> list[tuple[str, str]]:
    """The latest answer's citations, to name the passage that should have come first."""
    _, citations = cited(history, len(history) - 1) if history else ("", [])
    return [(f"[{n}] {c}", c) for n, c in enumerate(citations, 1)]


def _export_file(history: Sequence[Message], lang: str) -> str | None:
    """The chat written to a Markdown file named by its content (the same chat, the same file)."""
    if not history:
        return None
    text = export_markdown(history, lang)
    path = Path(tempfile.gettempdir()) / "kgqa-export" / hashlib.sha1(text.encode()).hexdigest()[:16] / "kgqa-chat.md"
    if not path.exists():
        atomic_write(path, text.encode("utf-8"))
    return str(path)


def _storable(history: Sequence[Message]) -> list[Message]:
    """The messages a browser can keep, as Markdown (a demo's plot is not JSON: it is run again on demand)."""
    return [{**m, "content": text} for m in history if (text := text_of(m)) is not None]


# After an answer, bring the new question to the top of the chat: the start of the answer stays in
# view (autoscroll is off, so Gradio does not jump to the end). Twice: the messages render late. The
# second time it also marks the chat settled (data-settled: how many questions it shows), so that a
# script clicking in the answer waits for the last jump rather than clicking where a block was.
SCROLL_JS = """() => { const top = () => { const rows = document.querySelectorAll('#kg-chat .message-row.user-row');
  const last = rows[rows.length - 1]; if (last) last.scrollIntoView({block: 'start', behavior: 'instant'});
  return rows.length; };
  setTimeout(top, 100);
  setTimeout(() => { const n = top(); const chat = document.getElementById('kg-chat'); if (chat) chat.dataset.settled = String(n); }, 500); }"""


def build(kb: KnowledgeBase, lang: gr.Radio) -> ChatView:
    """The tab's components and its own events; the app wires the options that leave the tab."""
    with gr.Tab(t("zh", "tab_chat"), id="chat") as tab:
        bot = gr.Chatbot(label=t("zh", "tab_chat"), show_label=False, placeholder=t("zh", "chat_placeholder"),
                         height="calc(100vh - 330px)", min_height=420, autoscroll=False, latex_delimiters=LATEX,
                         examples=[{"text": q} for q in EXAMPLES], buttons=["copy"], elem_id="kg-chat",
                         feedback_options=("Like", "Dislike"))
        with gr.Row(equal_height=True):
            # No max_length: a browser would cut a pasted question silently; _check says what happens.
            question = gr.Textbox(label=t("zh", "question"), placeholder=t("zh", "question_hint"), scale=5, lines=1,
                                  elem_id="kg-question")
            send = gr.Button(t("zh", "send"), variant="primary", scale=1, elem_id="kg-ask")
        with gr.Row(equal_height=True, elem_classes=["kg-chat-tools"]):
            better = gr.Dropdown([], label=t("zh", "better"), info=t("zh", "better_hint"), scale=3, elem_id="kg-better")
            clear = gr.Button(t("zh", "clear"), size="sm", scale=1, elem_id="kg-clear")
            export = gr.DownloadButton(t("zh", "export"), size="sm", scale=1, elem_id="kg-chat-export")
        saved = gr.BrowserState([], storage_key="kgqa-chat")
    gr.on([question.submit, send.click], partial(ask, kb), [question, bot, lang], [bot, question],
          api_name="ask").then(None, js=SCROLL_JS)

    # Closures, not functools.partial: Gradio finds the event-data parameter from the annotations.
    def example(history: list[Message], lang_value: str, event: gr.SelectData) -> tuple[list[Message], str]:
        return ask(kb, event.value["text"], history, lang_value)

    def vote(history: list[Message], expected: str | None, lang_value: str, event: gr.LikeData) -> None:
        question_text, citations = cited(history, int(event.index if isinstance(event.index, int) else event.index[0]))
        with friendly(lang_of(lang_value)):
            feedback.record(kb.path, feedback.from_vote(kb.model, question_text, citations, bool(event.liked),
                                                        expected or "", lang_of(lang_value)))
        gr.Info(t(lang_of(lang_value), "feedback_saved"), title=t(lang_of(lang_value), "feedback_title"))

    def remember(history: list[Message], lang_value: str) -> tuple[list[Message], Any, Any]:
        return _storable(history), gr.Dropdown(choices=_choices(history), value=None), _export_file(history, lang_of(lang_value))

    bot.example_select(example, [bot, lang], [bot, question], api_visibility="private").then(None, js=SCROLL_JS)
    bot.like(vote, [bot, better, lang], None, api_visibility="private")
    bot.change(remember, [bot, lang], [saved, better, export], api_visibility="private")
    lang.change(partial(relocalize, kb), [bot, lang], bot, api_visibility="private")
    clear.click(lambda: [], None, bot, api_visibility="private")
    return ChatView(tab, bot, question, send, clear, export, better, saved)
