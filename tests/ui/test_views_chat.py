"""Chat handlers: answers become cited messages with options; refusals look different; errors are friendly;
one language rule; follow-ups never repeat the session; history exports; votes name their answer; a page load
brings the kept chat back without wiping one begun meanwhile."""
from __future__ import annotations

import re

import gradio as gr
import pytest

from qa import Answer, KnowledgeBase
from qa.api import MAX_QUESTION_CHARS
from qa.compose import escape_markdown
from qa.demos import get_demo
from ui.views.chat import (
    EXAMPLES,
    answer_messages,
    ask,
    asked,
    cited,
    export_markdown,
    first_question,
    follow,
    options,
    relocalize,
    restored,
    sources_markdown,
    text_of,
    why_markdown,
)
from ui.views.i18n import t
from ui.views.markup import parse_pick

from .conftest import EVIL


def _text(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else " ".join(c for c in content if isinstance(c, str))


@pytest.mark.parametrize("question", EXAMPLES)
def test_examples_are_answered_with_sources_and_options(hash_kb: KnowledgeBase, question: str) -> None:
    history, box = ask(hash_kb, question, [], "zh")
    assert box == ""
    user, answer, sources, why = history
    assert user["role"] == "user" and answer["role"] == "assistant"
    assert sources["metadata"]["status"] == "done" and "出处" in sources["metadata"]["title"]
    assert why["metadata"]["title"] == "为什么是这些出处"
    kinds = {parse_pick(o["value"])[0] for o in why["options"]}
    assert {"concept", "ask"} <= kinds


def test_sources_block_quotes_every_passage_with_its_citation(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("BN层的作用是什么?")
    block = sources_markdown(answer)
    for number, source in enumerate(answer.sources, 1):
        assert f"**[{number}]**" in block
        assert f"**[{number}]** `{source.citation}`" in block  # a code span: readable, and read back by cited()


def test_why_table_rows_are_one_per_source_inside_the_styled_block(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("BN层的作用是什么?")
    block = why_markdown(answer, "en")
    inner = block.split('<div class="kg-why">', 1)[1]
    assert inner.rstrip().endswith("</div>")  # app.css keeps each score on one line there
    rows = [line for line in inner.splitlines() if line.startswith("| ") and "`" in line]
    assert [row.split("|")[3].strip() for row in rows] == [f"{s.score:.3f}" for s in answer.sources]


def test_options_point_at_the_answer_concepts_followups_and_demos(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("BN层的作用是什么?")
    values = [parse_pick(o["value"]) for o in options(answer, "en", hash_kb.graph)]
    assert ("concept", "batch_normalization") in values
    assert {("ask", q) for q in answer.followups} <= set(values)
    assert {("demo", d) for d in answer.demos} <= set(values)
    labels = [o["label"] for o in options(answer, "en", hash_kb.graph)]
    assert any(label.startswith("Demo · " + get_demo(answer.demos[0]).title_en) for label in labels)


def test_refusal_is_framed_differently_and_offers_nearest_topics(refusing_kb: KnowledgeBase) -> None:
    history, _ = ask(refusing_kb, "怎么做红烧肉?", [], "zh")
    (message,) = history[1:]
    assert 'class="kg-refusal"' in message["content"] and "笔记未覆盖" in message["content"]
    assert [parse_pick(o["value"])[0] for o in message["options"]] == ["ask"] * len(message["options"])
    assert message["options"]


@pytest.mark.parametrize("question, lang", [("how many parameters does ResNet-50 have?", "zh"),
                                             ("ResNet-50 有多少参数?", "en")])
def test_a_refusal_names_its_topics_in_the_ui_language_whatever_the_question_was_in(
        refusing_kb: KnowledgeBase, question: str, lang: str) -> None:
    history, _ = ask(refusing_kb, question, [], lang)
    (message,) = history[1:]
    graph = refusing_kb.graph
    labels = [o["label"].split(" · ", 1)[1] for o in message["options"]]
    assert labels
    for label in labels:
        concept = graph.find(label)
        assert concept is not None and label == (concept.display_zh if lang == "zh" else concept.name)
        assert label in message["content"]


def test_refusal_messages_have_no_sources_block(hash_kb: KnowledgeBase) -> None:
    answer = Answer("q", True, "**no**", nearest=("BN层的参数量",))
    (message,) = answer_messages(answer, "en", hash_kb.graph)
    assert "Not in the notes" in message["content"] and "metadata" not in message


def test_user_text_is_escaped(hash_kb: KnowledgeBase) -> None:
    history, _ = ask(hash_kb, f"BN层 {EVIL}", [], "zh")
    assert "<script>" not in history[0]["content"] and "&lt;script&gt;" in history[0]["content"]


@pytest.mark.parametrize("question, message", [("", "请输入"), ("   ", "请输入"), ("x" * (MAX_QUESTION_CHARS + 1), "太长"),
                                               ("BN层" * MAX_QUESTION_CHARS + "?", "太长"), ("😀😀😀", "没有可查的文字"),
                                               ("<img src=x onerror=alert(1)>", "没有可查的文字")])
def test_bad_questions_raise_friendly_errors(hash_kb: KnowledgeBase, question: str, message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        ask(hash_kb, question, [], "zh")


def test_too_long_message_in_english(hash_kb: KnowledgeBase) -> None:
    with pytest.raises(gr.Error, match=f"keep it under {MAX_QUESTION_CHARS}"):
        ask(hash_kb, "x" * 501, [], "en")


def test_follow_asks_a_followup_and_keeps_history(hash_kb: KnowledgeBase) -> None:
    history, _ = ask(hash_kb, "BN层的作用是什么?", [], "zh")
    question = hash_kb.ask("BN层的作用是什么?").followups[0]
    longer = follow(hash_kb, history, "zh", f"ask:{question}")
    assert longer[: len(history)] == history and longer[len(history)]["content"] == escape_markdown(question)


@pytest.mark.parametrize("first", ["为什么ResNet能训练很深的网络", "BN层的作用是什么?"])
def test_a_followup_never_offers_a_question_already_asked(hash_kb: KnowledgeBase, first: str) -> None:
    history, _ = ask(hash_kb, first, [], "zh")
    for _ in range(3):  # click the first follow-up, again and again
        offered = [parse_pick(o["value"])[1] for o in history[-1]["options"] if o["value"].startswith("ask:")]
        if not offered:
            break
        history = follow(hash_kb, history, "zh", f"ask:{offered[0]}")
        again = [parse_pick(o["value"])[1] for o in history[-1]["options"] if o["value"].startswith("ask:")]
        assert not set(again) & set(asked(history)), "a follow-up repeats a question of this session"


def test_asked_reads_back_what_was_typed(hash_kb: KnowledgeBase) -> None:
    question = "BN层 <b>(作用)</b> _x_ & 1-2?"
    history, _ = ask(hash_kb, question, [], "zh")
    assert asked(history) == [question]


def test_a_long_text_answers_its_first_question_and_says_so(hash_kb: KnowledgeBase) -> None:
    text = "BN层的作用是什么? " + "下面是我贴进来的一大段笔记。" * 60
    assert len(text) > MAX_QUESTION_CHARS and first_question(text) == "BN层的作用是什么?"
    history, _ = ask(hash_kb, text, [], "en")
    user, notice = history[:2]
    assert user["content"] == escape_markdown("BN层的作用是什么?")
    assert "only its first question" in notice["content"] and str(len(text.strip())) in notice["content"]


# -- one language rule: the interface follows the UI language, quotations stay as written ------------
_ZH_CHROME = ["回答", "简答", "要点", "知识图谱", "出处", "追问 ·", "概念 ·", "演示 ·", "可能相关", "笔记未覆盖", "为什么是这些出处"]
_EN_CHROME = ["In short", "Key points", "From the knowledge graph", "Sources ·", "Ask ·", "Concept ·", "Demo ·",
              "Possible match", "Not in the notes", "Why these sources", "Intent", "Rank by signal"]


def _chrome(history: list[dict]) -> str:
    """The interface text of the answer messages: titles, labels, and the answer with quotations removed."""
    parts = []
    for message in history[1:]:
        parts.append((message.get("metadata") or {}).get("title", ""))
        parts += [o["label"].split(" · ")[0] + " ·" for o in message.get("options", [])]
        if message is history[1] or (message.get("metadata") or {}).get("title", "").startswith(("Why", "为什么")):
            # quoted sentences end in a citation: drop them and keep the framing
            parts += [line for line in _text(message).split("\n") if "`" not in line and "**[" not in line]
    return "\n".join(parts)


@pytest.mark.parametrize(("ui", "question", "other"), [("zh", "What does 1x1 convolution do?", _EN_CHROME),
                                                       ("en", "BN层的作用是什么?", _ZH_CHROME),
                                                       ("en", "ResNet为什么能训练更深的网络?", _ZH_CHROME),
                                                       ("zh", "What does dropout do?", _EN_CHROME)])
def test_interface_strings_follow_the_ui_language(hash_kb: KnowledgeBase, ui: str, question: str, other: list[str]) -> None:
    history, _ = ask(hash_kb, question, [], ui)
    chrome = _chrome(history)
    assert not [word for word in other if word in chrome], chrome
    assert t(ui, "sources").split(" ")[0] in history[2]["metadata"]["title"]


@pytest.mark.parametrize("ui, other", [("zh", _EN_CHROME), ("en", _ZH_CHROME)])
def test_refusal_chrome_follows_the_ui_language(refusing_kb: KnowledgeBase, ui: str, other: list[str]) -> None:
    for question in ("What is BERT?", "怎么做红烧肉?"):
        (message,) = ask(refusing_kb, question, [], ui)[0][1:]
        chrome = message["content"].split("<span")[1] + " ".join(o["label"].split(" · ")[0] for o in message["options"])
        assert t(ui, "refused_badge") in chrome and not [w for w in other if w in chrome.split("- ")[0]]


def test_quotations_stay_as_written_in_either_ui(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("BN层的作用是什么?")
    for ui in ("zh", "en"):
        assert sources_markdown(answer) in [m["content"] for m in answer_messages(answer, ui, hash_kb.graph)]


def test_a_possible_match_is_framed_between_an_answer_and_a_refusal(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("BN层的作用是什么?")
    low = Answer(**{**answer.__dict__, "confidence": "low"})
    for ui in ("zh", "en"):
        sure, maybe = answer_messages(answer, ui, hash_kb.graph)[0], answer_messages(low, ui, hash_kb.graph)[0]
        assert 'class="kg-possible"' in maybe["content"] and t(ui, "possible_badge") in maybe["content"]
        assert "kg-possible" not in sure["content"] and "kg-refusal" not in maybe["content"]


def test_no_passage_is_shown_twice_in_one_answer(hash_kb: KnowledgeBase) -> None:
    for question in EXAMPLES:
        history, _ = ask(hash_kb, question, [], "zh")
        texts = [m["content"] for m in history[1:]]
        quoted = [line for text in texts for line in text.split("\n") if line.startswith("> ") and len(line) > 12]
        assert len(quoted) == len(set(quoted)), question


def test_why_panel_shows_ranks_contributions_intent_and_probability(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("为什么ResNet能训练很深的网络")
    panel = why_markdown(answer, "en")
    assert "Intent: **why**" in panel and f"{answer.probability:.2f}" in panel
    rows = [line for line in panel.split("\n") if re.match(r"\| \d+ \|", line)]
    assert len(rows) == len(answer.sources)
    for row, source in zip(rows, answer.sources):
        assert f"`{source.citation}`" in row
        assert all(f"{escape_markdown(signal)} {rank}" in row for signal, rank in source.ranks.items())
        assert all(f"{c:+.2f}" in row for _, _, c in source.why[:4])


def test_votes_find_their_question_and_citations(hash_kb: KnowledgeBase) -> None:
    history, _ = ask(hash_kb, "BN层的作用是什么?", [], "zh")
    history, _ = ask(hash_kb, "What does 1x1 convolution do?", history, "zh")
    second = hash_kb.ask("What does 1x1 convolution do?", asked=["BN层的作用是什么?"])
    for index in range(5, len(history)):  # the second answer's messages
        question, citations = cited(history, index)
        assert question == "What does 1x1 convolution do?" and citations == [s.citation for s in second.sources]
    assert cited(history, 1)[0] == "BN层的作用是什么?"


def test_export_is_markdown_with_every_question_and_answer(hash_kb: KnowledgeBase) -> None:
    history, _ = ask(hash_kb, "BN层的作用是什么?", [], "en")
    history, _ = ask(hash_kb, "ResNet为什么能训练更深的网络?", history, "en")
    text = export_markdown(history, "en")
    assert text.startswith("# Deep-learning interview companion · Chat")
    assert [line[3:] for line in text.split("\n") if line.startswith("## ")] == [escape_markdown(q) for q in asked(history)]
    assert "### Why these sources" in text and all(m["content"] in text for m in history if m["role"] == "assistant")


def test_follow_runs_a_demo_in_place_and_keeps_the_options(hash_kb: KnowledgeBase) -> None:
    history, _ = ask(hash_kb, "BN层的作用是什么?", [], "zh")
    longer = follow(hash_kb, history, "zh", "demo:batchnorm_train_eval")
    demo = longer[-1]
    text, plot = demo["content"]
    assert "批归一化" in text and "训练模式最小标准差" in text  # metric names are words in the UI language
    assert isinstance(plot, gr.Plot) and demo["options"] == history[-1]["options"]


@pytest.mark.parametrize("value", ["concept:batch_normalization", "nonsense", "javascript:alert(1)"])
def test_follow_leaves_other_picks_to_the_app(hash_kb: KnowledgeBase, value: str) -> None:
    assert follow(hash_kb, [], "zh", value) == []


def test_unknown_demo_is_a_friendly_error(hash_kb: KnowledgeBase) -> None:
    with pytest.raises(gr.Error, match="unknown demo"):
        follow(hash_kb, [], "en", "demo:no_such_demo")


def _through_the_chatbot(history: list[dict]) -> list[dict]:
    """History as a handler receives it back from the browser: content as text parts, metadata None."""
    bot = gr.Chatbot()
    return bot.preprocess(bot.postprocess(history))


def test_history_read_back_from_the_chatbot_keeps_questions_and_citations(hash_kb: KnowledgeBase) -> None:
    history, _ = ask(hash_kb, "BN层的作用是什么?", [], "zh")
    history, _ = ask(hash_kb, "What does 1x1 convolution do?", history, "zh")
    back = _through_the_chatbot(history)
    assert asked(back) == asked(history) == ["BN层的作用是什么?", "What does 1x1 convolution do?"]
    assert [cited(back, i) for i in range(len(back))] == [cited(history, i) for i in range(len(history))]
    assert export_markdown(back, "zh") == export_markdown(history, "zh")


def test_followups_never_repeat_when_the_history_comes_back_from_the_browser(hash_kb: KnowledgeBase) -> None:
    history, _ = ask(hash_kb, "为什么ResNet能训练很深的网络", [], "zh")
    for _ in range(3):
        offered = [parse_pick(o["value"])[1] for o in history[-1]["options"] if o["value"].startswith("ask:")]
        history = follow(hash_kb, _through_the_chatbot(history), "zh", f"ask:{offered[0]}")
        again = {parse_pick(o["value"])[1] for o in history[-1]["options"] if o["value"].startswith("ask:")}
        assert not again & set(asked(history))


# -- a language switch re-words the whole chat, earlier answers included ------------------------------
def _session(kb: KnowledgeBase, lang: str) -> list[dict]:
    """A chat of four turns: a Chinese and an English question, a follow-up with a demo run, a long paste."""
    history, _ = ask(kb, "BN层的作用是什么?", [], lang)
    history, _ = ask(kb, "What does dropout do?", history, lang)
    followup = next(parse_pick(o["value"])[1] for o in history[-1]["options"] if o["value"].startswith("ask:"))
    history = follow(kb, history, lang, f"ask:{followup}")
    history = follow(kb, history, lang, "demo:batchnorm_train_eval")
    history, _ = ask(kb, "为什么ResNet能训练很深的网络? " + "这是一段贴进来的长笔记。" * 50, history, lang)
    return history


def _words(history: list[dict]) -> list[tuple[str, str, str, list[str]]]:
    """What a reader sees of each message: role, title, text, option labels (a plot is no words)."""
    return [(m["role"], (m.get("metadata") or {}).get("title", ""), text_of(m) or _text(m),
             [o["label"] for o in m.get("options") or ()]) for m in history]


@pytest.mark.parametrize(("old", "new"), [("zh", "en"), ("en", "zh")])
def test_a_language_switch_rewords_earlier_answers_as_if_asked_in_the_new_language(
        hash_kb: KnowledgeBase, old: str, new: str) -> None:
    before, expected = _session(hash_kb, old), _session(hash_kb, new)
    assert _words(before) != _words(expected)
    assert _words(relocalize(hash_kb, before, new)) == _words(expected)
    # as the browser hands the chat back (text parts, a plot as a component part)
    back = _through_the_chatbot([m for m in before if text_of(m) is not None])
    assert _words(relocalize(hash_kb, back, new)) == _words([m for m in expected if _demo_text(m) is None])


def _demo_text(message: dict) -> str | None:
    content = message["content"]
    return content[0] if isinstance(content, list) else None


def test_a_language_switch_keeps_the_questions_as_typed_and_the_demo_it_ran(hash_kb: KnowledgeBase) -> None:
    before = _session(hash_kb, "zh")
    after = relocalize(hash_kb, before, "en")
    assert asked(after) == asked(before)
    demo = [m for m in after if _demo_text(m) is not None]
    assert len(demo) == 1 and "Demo" in _demo_text(demo[0]) and isinstance(demo[0]["content"][1], gr.Plot)
    assert relocalize(hash_kb, [], "en") == []


@pytest.mark.parametrize("reloaded", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_load_brings_the_kept_chat_back_but_never_over_a_chat_begun_meanwhile(
        hash_kb: KnowledgeBase, lang: str, reloaded: bool) -> None:
    kept, _ = ask(hash_kb, "BN层的作用是什么?", [], "en")
    begun, _ = ask(hash_kb, "怎么做红烧肉?", [], lang)
    back = restored(hash_kb, kept, [], lang, reloaded)
    # a switch to Chinese reloads and re-words here; a switch to English re-words on the radio's change
    assert _words(back) == _words(relocalize(hash_kb, kept, lang) if reloaded and lang == "zh" else kept)
    for saved, shown in [([], []), (None, None), ([], begun), (kept, begun)]:
        assert restored(hash_kb, saved, shown, lang, reloaded) == gr.skip()
