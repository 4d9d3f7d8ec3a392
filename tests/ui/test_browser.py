"""The app in a real headless Chromium, as a student uses it; screenshots of each step go to tests/artifacts/.

Every page records its requests: none may leave the loopback interface (no CDN, no fonts,
no telemetry). Uses the fast HashEmbedder knowledge base; the real model is tested elsewhere.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
WAIT = 20_000  # ms; generous for a loaded CI machine

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk to run the browser test",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
expect = sync_api.expect


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, served: str) -> Iterator[object]:
    """A fresh page on the app; afterwards, every request it made must have stayed on loopback."""
    page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(served)
    expect(page.locator("#kg-header")).to_contain_text("深度学习面试助手", timeout=WAIT)
    yield page
    page.close()
    assert hosts and hosts <= LOOPBACK | {"data", "blob"}, f"requests left the machine: {hosts - LOOPBACK}"
    assert not errors, errors


def shot(page, name: str, *, full: bool = True) -> None:
    """Save a screenshot. Chat steps use the viewport: a full-page capture resizes the page and
    re-renders the chat, which folds its source blocks again."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def ask(page, question: str) -> None:
    page.locator("#kg-question textarea").fill(question)
    page.locator("#kg-ask").click()
    expect(page.locator("#kg-chat .option").first).to_be_visible(timeout=WAIT)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_chat_answers_with_cited_passages(page) -> None:
    shot(page, "01-start")
    page.locator("#kg-chat").get_by_text("BN层的作用是什么?").click()  # an example question
    chat = page.locator("#kg-chat")
    expect(chat.locator(".option").first).to_be_visible(timeout=WAIT)
    expect(chat).to_contain_text("回答")
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
    chat.locator(".option", has_text="概念 · 1x1").first.click()
    expect(page.get_by_role("tab", name="知识图谱")).to_have_attribute("aria-selected", "true", timeout=WAIT)
    centre = page.locator("#kg-graph .kg-node.kg-centre")
    expect(centre).to_have_attribute("data-pick", "concept:conv_1x1", timeout=WAIT)
    expect(page.locator("#kg-details")).to_contain_text("关系与证据")
    shot(page, "05-explorer-1x1")
    neighbour = page.locator("#kg-graph .kg-node:not(.kg-centre)").first
    picked = neighbour.get_attribute("data-pick")
    neighbour.locator("circle").click()
    expect(centre).to_have_attribute("data-pick", picked, timeout=WAIT)
    page.locator("#kg-graph svg").hover()
    page.mouse.wheel(0, -400)  # zoom in around the cursor
    shot(page, "06-explorer-recentred")
    page.locator("#kg-overview").click()
    expect(page.locator("#kg-graph .kg-overview")).to_be_visible(timeout=WAIT)
    expect(page.locator("#kg-details .kg-hubs")).to_be_visible()
    shot(page, "07-explorer-overview")


def test_refusal_looks_different_and_offers_topics(page) -> None:
    ask(page, "怎么做红烧肉?")
    expect(page.locator("#kg-chat .kg-refusal")).to_contain_text("笔记未覆盖")
    expect(page.locator("#kg-chat .option", has_text="追问 ·").first).to_be_visible()
    shot(page, "08-chat-refusal", full=False)


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
