"""The app in a real headless Chromium, as a student uses it; screenshots of each step go to tests/artifacts/.

Every page records its requests: none may leave the loopback interface (no CDN, no fonts,
no telemetry). The app serves the real e5 knowledge base; the study session runs on a private
copy started with ``allow_ingest``, since it uploads and removes a note and writes feedback.
The explorer's own browser test is tests/ui/test_browser_explorer.py.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ui.browsing import LOOPBACK, WAIT, expect, shot

pytestmark = pytest.mark.slow


@pytest.fixture()
def page(open_page) -> object:
    """A fresh page on the app (its requests are checked to stay on loopback afterwards)."""
    return open_page()


def ask(page, question: str) -> None:
    """Ask and wait until the chat has settled on the answer (ui.views.chat.SCROLL_JS)."""
    asked = page.locator("#kg-chat .message-row.user-row").count()
    page.locator("#kg-question textarea").fill(question)
    page.locator("#kg-ask").click()
    expect(page.locator("#kg-chat")).to_have_attribute("data-settled", str(asked + 1), timeout=WAIT)
    expect(page.locator("#kg-chat .option").first).to_be_visible(timeout=WAIT)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_chat_answers_with_cited_passages(page) -> None:
    shot(page, "01-start")
    page.locator("#kg-chat").get_by_text("BN层的作用是什么?").click()  # an example question
    chat = page.locator("#kg-chat")
    expect(chat.locator(".option").first).to_be_visible(timeout=WAIT)
    expect(chat).to_contain_text("简答")
    chat.get_by_text(re.compile(r"出处 · \d+ 段笔记原文")).click()
    first = chat.get_by_text(re.compile(r"^\[1\]")).first
    expect(first).to_be_visible(timeout=WAIT)
    expect(first.locator("xpath=..")).to_contain_text(re.compile(r"\.md:\d+"))
    first.scroll_into_view_if_needed()
    page.wait_for_timeout(600)  # let the block finish unfolding
    shot(page, "02-chat-bn-sources", full=False)
    chat.locator(".option", has_text="演示 ·").first.click()
    expect(chat.locator("img").last).to_be_visible(timeout=WAIT)
    expect(chat).to_contain_text("演示结果")
    shot(page, "03-chat-demo-in-place", full=False)


def test_english_question_opens_its_concept_in_the_explorer(page) -> None:
    ask(page, "What does 1x1 convolution do?")
    chat = page.locator("#kg-chat")
    expect(chat).to_contain_text("1x1")
    shot(page, "04-chat-1x1", full=False)
    chat.locator(".option", has_text="概念 · 1x1").first.click()  # the explorer itself: test_browser_explorer.py
    expect(page.get_by_role("tab", name="知识图谱")).to_have_attribute("aria-selected", "true", timeout=WAIT)
    expect(page.locator("#kg-details")).to_contain_text("关系与证据", timeout=WAIT)
    shot(page, "05-explorer-1x1")


def test_refusal_looks_different_and_offers_topics(page) -> None:
    ask(page, "怎么做红烧肉?")
    expect(page.locator("#kg-chat .kg-refusal")).to_contain_text("笔记未覆盖")
    expect(page.locator("#kg-chat .option", has_text="追问 ·").first).to_be_visible()
    shot(page, "08-chat-refusal", full=False)


def test_an_answer_says_how_it_read_a_misspelt_name_and_which_side_the_notes_leave_out(page) -> None:
    ask(page, "过你和了除了加数据还能咋办")  # 过拟合 typed by sound
    chat = page.locator("#kg-chat")
    expect(chat).to_contain_text("按此理解: 过你和 → 过拟合")
    expect(chat).to_contain_text("正则化")
    shot(page, "08b-chat-read-as", full=False)
    ask(page, "LN vs BN?")  # the notes only list Layer Normalization
    expect(chat).to_contain_text("引用的段落没有讲到: 层归一化")
    shot(page, "08c-chat-one-sided", full=False)


def test_a_question_asked_before_the_page_finished_loading_keeps_its_answer(open_page) -> None:
    # Gradio sends the page's load once every component is loaded; on a busy machine a question asked
    # as soon as the page shows is answered first. Hold the load back until the answer is in.
    held: list = []
    page = open_page(prepare=lambda page: page.route("**/run/predict*", lambda route: held.append(route)))
    ask(page, "怎么做红烧肉?")
    assert len(held) == 1, "the load was not held"
    with page.expect_response("**/run/predict*"):
        held[0].continue_()
    page.unroute("**/run/predict*")
    page.wait_for_timeout(500)  # let the page apply what the load returned
    expect(page.locator("#kg-chat .kg-refusal")).to_contain_text("笔记未覆盖")


def test_demo_opens_from_the_explorer_and_shows_its_plot(page) -> None:
    open_tab(page, "知识图谱")
    search = page.locator("#kg-concept input")
    search.fill("BN层")  # any alias, typed
    search.press("Enter")
    details = page.locator("#kg-details")
    expect(details).to_contain_text("批归一化", timeout=WAIT)
    details.locator("a[data-pick='demo:batchnorm_train_eval']").click()
    expect(page.get_by_role("tab", name="演示")).to_have_attribute("aria-selected", "true", timeout=WAIT)
    page.locator("#kg-run-demo").click()
    expect(page.locator("#kg-demo-plot img")).to_be_visible(timeout=WAIT)
    expect(page.locator("#kg-demo-result")).to_contain_text("批归一化")
    shot(page, "09-demo")


def test_three_practice_answers_are_scored(page) -> None:
    open_tab(page, "模拟面试")
    page.locator("#kg-topic input").click()
    page.get_by_role("option", name=re.compile(r"概念: 批归一化")).click()
    answers = ["BN对每个mini-batch做标准化, 使输出服从均值为0、方差为1的分布, 可以加快收敛。",
               "不太清楚。",
               "BN可以缓解梯度消失和梯度爆炸, 允许更大的学习率, 还有一定的正则化效果, 可以少用dropout。"]
    for number, answer in enumerate(answers, 1):
        page.get_by_role("button", name="出一道题").click()
        expect(page.locator("#kg-practice-question")).to_contain_text(f"第 {number} 题", timeout=WAIT)
        page.get_by_label("你的回答").fill(answer)
        page.get_by_role("button", name="提交评分").click()
        expect(page.locator("#kg-tally")).to_contain_text(f"{number} 题", timeout=WAIT)
        expect(page.locator(".kg-score")).to_contain_text("评分公式")
        expect(page.locator(".kg-reference mark").first).to_be_visible()
    shot(page, "10-practice")


def test_language_switch_relabels_the_app(page) -> None:
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_role("tab", name="Graph")).to_be_visible(timeout=WAIT)
    expect(page.locator("#kg-header")).to_contain_text("Deep-learning interview companion")
    expect(page.locator("#kg-ask")).to_have_text("Ask")
    shot(page, "11-english")


# -- a whole study session: six questions, reload, why, feedback, a note in and out, English ----------
NOTE = r"""# 我的补充笔记

## 标签平滑的作用是什么?

标签平滑(Label Smoothing)把 one-hot 标签换成软标签 \(y_{k} = (1-\varepsilon) y_{k} + \varepsilon / K\), 防止模型对训练标签过度自信。
标签平滑因为降低了正确类别的目标概率, 所以能缓解过拟合, 提高模型的校准程度。

## 标签平滑的缺点

$$\varepsilon = 0.1$$ 是常用的取值; 平滑太强会让类别之间的间隔变小。
"""
NOTE_NAME = "label-smoothing-notes.md"
QUESTIONS = [("BN层的作用是什么?", "answer"), ("What does dropout do?", "answer"), ("批次正規化的作用", "answer"),
             ("为什么ResNet能训练很深的网络", "answer"), ("What is the difference between max pooling and average pooling?",
                                                      "answer"), ("怎么做红烧肉?", "refusal")]
CJK = re.compile(r"[\u3400-\u9fff]")
# Gradio's own words follow the switch too, those a component words once when it is mounted included
# (the upload hint, the chatbot's like/dislike/clear labels): the switch stores the language and
# reloads, and the page boots in it (ui.views.i18n.BootLocale).
GRADIO_EN = ("Drop File Here", "Click to Upload", "Like", "Dislike")
GRADIO_ZH = ("将文件拖放到此处", "点击上传", "赞", "踩")


@pytest.fixture(scope="module")
def writable(real_kb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app over a private copy of the real knowledge base, started with ``allow_ingest``: (URL, KB dir)."""
    import shutil

    from qa import KnowledgeBase
    from ui.app import serve

    from .conftest import free_port

    path = tmp_path_factory.mktemp("rw") / "kb"
    shutil.copytree(real_kb.path, path)
    app = serve(KnowledgeBase.open(path, embedder=real_kb.embedder), port=free_port(), quiet=True, allow_ingest=True)
    try:
        yield app.local_url, path
    finally:
        app.close()


def _asks(page, question: str) -> object:
    """Ask and wait for this answer's own options; returns the locator of the answer's messages."""
    rows = page.locator("#kg-chat .message-row.user-row")
    before = rows.count()
    page.locator("#kg-question textarea").fill(question)
    page.locator("#kg-ask").click()
    expect(rows).to_have_count(before + 1, timeout=WAIT)
    expect(page.locator("#kg-question textarea")).to_have_value("", timeout=WAIT)
    expect(page.locator("#kg-chat")).to_have_attribute("data-settled", str(before + 1), timeout=WAIT)
    return page.locator("#kg-chat .message-row.bot-row").last


def _in_view_at_top(page) -> bool:
    """Whether the latest question is inside the chat box, near its top unless the answer is too short
    to scroll that far (polled: the scroll runs after the answer arrives)."""
    for _ in range(20):
        top = page.locator("#kg-chat .message-row.user-row").last.bounding_box()
        box = page.locator("#kg-chat").bounding_box()
        if top and box and box["y"] - 5 <= top["y"] <= box["y"] + box["height"] / 2:
            return True
        page.wait_for_timeout(150)
    return False


def _chrome(page) -> str:
    """The interface's own words outside the chat messages: header, tabs, labels, buttons (with their
    accessible names), placeholders, upload hints and the footer; Gradio's own words included."""
    return page.evaluate("""() => {
      const out = [];
      const add = (el) => { const t = (el.innerText || el.value || '').trim(); if (t) out.push(t); };
      const shown = (el) => el.offsetParent !== null && !el.closest('.message-content, .message, .options');
      const leaf = (el) => !el.querySelector('.block, .prose, table, textarea, input');  // a hint, not a container
      document.querySelectorAll('#kg-header, [role=tab], label span, [data-testid=block-info], .info-text, button, '
                                + '.wrap, footer a, footer button, .label-wrap, h2, h3')
        .forEach((el) => { if (shown(el) && leaf(el) && !el.closest('#kg-details, #kg-graph, .prose')) add(el); });
      document.querySelectorAll('button[aria-label]').forEach((el) => shown(el) && out.push(el.getAttribute('aria-label')));
      document.querySelectorAll('textarea, input').forEach((el) => shown(el) && el.placeholder && out.push(el.placeholder));
      return out.join('\\n'); }""")


def _chat_chrome(page) -> list[str]:
    """The chat messages' own words: panel titles, badges, notices, headings, table heads and chip kinds
    (not the quotations, which stay as written, nor the questions and topics a chip names)."""
    return page.evaluate("""() => {
      const chat = document.querySelector('#kg-chat');
      const out = [];
      const mine = (el) => !el.closest('blockquote, .user-row');
      chat.querySelectorAll('.thought-group .title, .kg-refusal-badge, .kg-possible-badge, .kg-notice, th, strong')
        .forEach((el) => { if (mine(el) && el.innerText.trim()) out.push(el.innerText.trim()); });
      chat.querySelectorAll('.option').forEach((el) => out.push(el.innerText.split(' · ')[0].trim()));
      return out; }""")


def _visible_text(locator) -> str:
    """Text as drawn, without KaTeX's hidden MathML copy of each formula's TeX."""
    return locator.evaluate("""(el) => { const copy = el.cloneNode(true);
      copy.querySelectorAll('.katex-mathml').forEach((m) => m.remove()); return copy.innerText; }""")


def test_a_study_session(browser, writable, tmp_path: Path) -> None:
    url, kb_dir = writable
    page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
    hosts: set[str] = set()
    alerts: list[str] = []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or request.url))
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    expect(page.locator("#kg-header")).to_contain_text("深度学习面试助手", timeout=WAIT)
    chat = page.locator("#kg-chat")

    # six questions: Chinese, English, traditional Chinese, why, difference, one refused
    for number, (question, kind) in enumerate(QUESTIONS, 1):
        answer = _asks(page, question)
        if kind == "refusal":
            expect(answer.locator(".kg-refusal")).to_contain_text("笔记未覆盖", timeout=WAIT)
        else:
            expect(answer).to_contain_text("简答", timeout=WAIT)          # the short answer comes first
            expect(answer.locator("strong", has_text="[1]").first).to_be_visible()
            expect(answer).to_contain_text(re.compile(r"\.md:\d+"))
        in_view = _in_view_at_top(page)
        shot(page, f"20-session-q{number}", full=False)
        assert in_view, f"the start of the answer to {question!r} is not in view"
    assert page.locator("#kg-chat .kg-possible, #kg-chat .kg-refusal").count() >= 1

    # the history survives a reload
    page.reload()
    expect(page.locator("#kg-chat .message-row.user-row")).to_have_count(len(QUESTIONS), timeout=WAIT)
    for question, _ in QUESTIONS:
        expect(chat).to_contain_text(question)
    shot(page, "21-session-reloaded", full=False)

    # "why these sources" of the last answered question
    answer = _asks(page, "BN层的作用是什么?")
    answer.get_by_text("为什么是这些出处").click()
    table = answer.locator("table").last
    expect(table).to_be_visible(timeout=WAIT)
    expect(table).to_contain_text("各信号中的排名")
    expect(answer).to_contain_text("可回答概率")
    page.wait_for_timeout(600)  # let the panel finish unfolding
    table.scroll_into_view_if_needed()
    shot(page, "22-session-why", full=False)

    # feedback: name the passage that should come first, then thumbs down
    page.locator("#kg-better input").click()
    page.get_by_role("option").nth(1).click()
    chat.get_by_role("button", name="踩").last.click()  # the buttons under the latest answer
    feedback = kb_dir / "feedback.jsonl"
    for _ in range(50):
        if feedback.exists() and feedback.read_text(encoding="utf-8").strip():
            break
        page.wait_for_timeout(200)
    (vote,) = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    assert vote["question"] == "BN层的作用是什么?" and vote["vote"] == "down"
    assert vote["expected"] == vote["sources"][1] and vote["evidence"]
    shot(page, "23-session-feedback", full=False)

    # upload a note, ask about it and get it cited, with its maths rendered
    note = tmp_path / NOTE_NAME
    note.write_text(NOTE, encoding="utf-8")
    open_tab(page, "笔记")
    page.locator("#kg-notes-files input[type=file]").set_input_files(str(note))
    page.locator("#kg-notes-add").click()
    expect(page.locator("#kg-notes-status")).to_contain_text(f"已加入 {NOTE_NAME}", timeout=60_000)
    expect(page.locator("#kg-header")).to_contain_text("6 篇笔记", timeout=WAIT)
    expect(page.locator("#kg-notes")).to_contain_text(NOTE_NAME)
    shot(page, "24-session-note-added")
    open_tab(page, "问答")
    answer = _asks(page, "标签平滑的作用是什么?")
    answer.get_by_text(re.compile(r"出处 · \d+ 段笔记原文")).click()
    expect(answer).to_contain_text(f"{NOTE_NAME}:", timeout=WAIT)
    expect(answer.locator(".katex").first).to_be_visible(timeout=WAIT)   # KaTeX drew the note's maths
    assert answer.locator(".katex-error").count() == 0
    answer.locator(".katex").first.scroll_into_view_if_needed()
    shot(page, "25-session-note-cited-maths", full=False)

    # remove it: no longer cited
    open_tab(page, "笔记")
    page.locator("#kg-notes-pick input").click()
    page.get_by_role("option", name=NOTE_NAME).click()
    page.locator("#kg-notes-remove").click()
    expect(page.locator("#kg-notes-status")).to_contain_text(f"已删除 {NOTE_NAME}", timeout=60_000)
    open_tab(page, "问答")
    answer = _asks(page, "标签平滑的作用是什么?")
    expect(answer).to_contain_text(re.compile(r"\.md:\d+"), timeout=WAIT)
    assert NOTE_NAME not in answer.inner_text()
    shot(page, "26-session-note-removed", full=False)

    # the maths of the notes, repaired from the capture's doubled text, drawn by KaTeX
    answer = _asks(page, "RMSProp是怎么更新参数的?")
    answer.get_by_text(re.compile(r"出处 · \d+ 段笔记原文")).click()
    formula = answer.locator(".katex", has_text="10^{-8}").first   # \(\varepsilon = 10^{-8}\), once "ε=108\varepsilon = 10^{-8}"
    expect(formula).to_be_visible(timeout=WAIT)
    assert answer.locator(".katex-error").count() == 0
    assert "ε=108" not in answer.inner_text() and "\\varepsilon" not in _visible_text(answer)
    formula.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    shot(page, "26b-session-maths", full=False)

    # English: every earlier answer is re-worded too, and no Chinese is left in the interface chrome,
    # Gradio's own words included; quoted notes and the questions stay as written
    rows = page.locator("#kg-chat .message-row.user-row")
    answered = rows.count() - chat.locator(".kg-refusal").count()
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_role("tab", name="Notes")).to_be_visible(timeout=WAIT)
    expect(chat.get_by_text("In short", exact=True)).to_have_count(answered, timeout=WAIT)
    expect(chat.get_by_text("Not in the notes", exact=True)).to_have_count(rows.count() - answered)
    expect(chat.get_by_text("简答", exact=True)).to_have_count(0)
    words = _chat_chrome(page)
    assert len(words) > 10 * rows.count() and not [w for w in words if CJK.search(w)]
    for question, _ in QUESTIONS:
        expect(chat).to_contain_text(question)
    rows.first.scroll_into_view_if_needed()
    shot(page, "27-session-english-earlier-answers", full=False)
    answer = _asks(page, "BN层的作用是什么?")
    expect(answer).to_contain_text("In short", timeout=WAIT)
    assert not [w for w in _chat_chrome(page) if CJK.search(w)]
    shot(page, "27-session-english", full=False)
    seen = ""
    for tab in ("Graph", "Demos", "Practice", "Notes", "Chat"):
        open_tab(page, tab)
        page.wait_for_timeout(800)
        words = _chrome(page)
        seen += words
        chrome = [line for line in words.split("\n") if CJK.search(line.replace("中文", ""))]
        shot(page, f"28-english-{tab.lower()}", full=False)
        assert not chrome, f"Chinese left in the {tab} tab's chrome: {chrome}"
        if tab == "Notes":  # the status of the removal before the switch is not left in Chinese
            assert not CJK.search(page.locator("#kg-notes-status").inner_text())
    assert all(word in seen for word in GRADIO_EN), [word for word in GRADIO_EN if word not in seen]

    # the choice is kept in this browser: a reload stays in English; back to Chinese, Gradio's words too
    page.reload()
    expect(page.get_by_role("tab", name="Notes")).to_be_visible(timeout=WAIT)
    expect(chat.get_by_text("In short", exact=True).first).to_be_visible(timeout=WAIT)
    page.get_by_text("中文", exact=True).click()
    expect(page.get_by_role("tab", name="笔记")).to_be_visible(timeout=WAIT)
    expect(chat.get_by_text("简答", exact=True)).to_have_count(answered + 1, timeout=WAIT)
    expect(chat.get_by_text("In short", exact=True)).to_have_count(0)
    open_tab(page, "笔记")
    page.wait_for_timeout(800)
    seen = _chrome(page)
    open_tab(page, "问答")
    page.wait_for_timeout(800)
    seen += _chrome(page)
    shot(page, "29-back-to-chinese", full=False)
    assert all(word in seen for word in GRADIO_ZH), [word for word in GRADIO_ZH if word not in seen]
    assert not [word for word in GRADIO_EN if re.search(rf"(^|\n){word}(\n|$)", seen)]

    page.close()
    assert hosts and hosts <= LOOPBACK | {"data", "blob"}, f"requests left the machine: {hosts - LOOPBACK}"
    assert not alerts
