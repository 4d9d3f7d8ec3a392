"""Chat handlers: answers become cited messages with options; refusals look different; errors are friendly."""
from __future__ import annotations

import gradio as gr
import pytest

from qa import Answer, KnowledgeBase
from qa.api import MAX_QUESTION_CHARS
from qa.compose import escape_markdown
from qa.demos import get_demo
from ui.views.chat import EXAMPLES, answer_messages, ask, follow, options, sources_markdown
from ui.views.markup import parse_pick

from .conftest import EVIL


def _text(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else " ".join(c for c in content if isinstance(c, str))


@pytest.mark.parametrize("question", EXAMPLES)
def test_examples_are_answered_with_sources_and_options(hash_kb: KnowledgeBase, question: str) -> None:
    history, box = ask(hash_kb, question, [], "zh")
    assert box == ""
    user, answer, sources = history
    assert user["role"] == "user" and answer["role"] == "assistant"
    assert sources["metadata"]["status"] == "done" and "出处" in sources["metadata"]["title"]
    kinds = {parse_pick(o["value"])[0] for o in sources["options"]}
    assert {"concept", "ask"} <= kinds


def test_sources_block_quotes_every_passage_with_its_citation(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("BN层的作用是什么?")
    block = sources_markdown(answer)
    for number, source in enumerate(answer.sources, 1):
        assert f"**[{number}]**" in block
        assert source.citation.replace("-", "\\-") in block  # escaped for Markdown, still readable


def test_options_point_at_the_answer_concepts_followups_and_demos(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("BN层的作用是什么?")
    values = [parse_pick(o["value"]) for o in options(answer, "en")]
    assert ("concept", "batch_normalization") in values
    assert {("ask", q) for q in answer.followups} <= set(values)
    assert {("demo", d) for d in answer.demos} <= set(values)
    labels = [o["label"] for o in options(answer, "en")]
    assert any(label.startswith("Demo · " + get_demo(answer.demos[0]).title_en) for label in labels)


def test_refusal_is_framed_differently_and_offers_nearest_topics(refusing_kb: KnowledgeBase) -> None:
    history, _ = ask(refusing_kb, "怎么做红烧肉?", [], "zh")
    (message,) = history[1:]
    assert 'class="kg-refusal"' in message["content"] and "笔记未覆盖" in message["content"]
    assert [parse_pick(o["value"])[0] for o in message["options"]] == ["ask"] * len(message["options"])
    assert message["options"]


def test_refusal_messages_have_no_sources_block() -> None:
    answer = Answer("q", True, "**no**", nearest=("BN层的参数量",))
    (message,) = answer_messages(answer, "en")
    assert "Not in the notes" in message["content"] and "metadata" not in message


def test_user_text_is_escaped(hash_kb: KnowledgeBase) -> None:
    history, _ = ask(hash_kb, f"BN层 {EVIL}", [], "zh")
    assert "<script>" not in history[0]["content"] and "&lt;script&gt;" in history[0]["content"]


@pytest.mark.parametrize("question, message", [("", "请输入"), ("   ", "请输入"), ("x" * (MAX_QUESTION_CHARS + 1), "太长")])
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
