"""The Practice tab in a real headless Chromium: one score per question, a clickable follow-up,
a saved self-grade, and progress that survives a reload; screenshots go to tests/artifacts/.

Launch arguments, the loopback check and the screenshot habit follow ``test_browser_demos.py``.
Not yet here: the timed 5-question mock interview (not built).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .test_browser_demos import ARGS, ARTIFACTS, CHROMIUM, LOOPBACK, WAIT

pytestmark = pytest.mark.slow

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
expect = sync_api.expect


@pytest.fixture(scope="module")
def page(served: str) -> Iterator[object]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
        hosts: set[str] = set()
        page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or request.url))
        page.goto(served)
        expect(page.locator("#kg-header")).to_contain_text("深度学习面试助手", timeout=WAIT)
        yield page
        browser.close()
        assert hosts and hosts <= LOOPBACK | {"data", "blob"}, f"requests left the machine: {hosts - LOOPBACK}"


def shot(page, name: str) -> None:
    page.screenshot(path=str(Path(ARTIFACTS) / f"{name}.png"), full_page=True)


def test_practice_scores_once_follows_up_and_keeps_progress_over_a_reload(page, served: str) -> None:
    page.get_by_role("tab", name="模拟面试").click()
    page.locator("#kg-topic input").click()  # BN's questions all have related follow-ups
    page.get_by_role("option", name=re.compile(r"^概念: 批归一化")).first.click()
    page.get_by_role("button", name="出一道题").click()
    expect(page.locator("#kg-practice-question")).to_contain_text("第 1 题", timeout=WAIT)
    page.get_by_label("你的回答").fill("它可以加快收敛, 并且能防止过拟合。")
    for _ in range(2):  # a second press replaces the score, it does not count twice
        page.get_by_role("button", name="提交评分").click()
        expect(page.locator("#kg-result")).to_contain_text("评分公式", timeout=WAIT)
    expect(page.locator("#kg-tally")).to_contain_text("1 题", timeout=WAIT)
    expect(page.locator("#kg-result .progress-text")).to_have_count(0, timeout=WAIT)  # the run has finished
    shot(page, "20-practice-scored")
    page.locator("#kg-save-grade").click()
    expect(page.locator("#kg-saved")).to_contain_text("已记录自评", timeout=WAIT)
    expect(page.locator("#kg-progress")).to_contain_text("连续练习 1 天", timeout=WAIT)
    follow = page.locator("#kg-followups label").first
    expect(follow).to_be_visible(timeout=WAIT)
    follow.click()
    expect(page.locator("#kg-practice-question")).to_contain_text("第 2 题", timeout=WAIT)
    shot(page, "21-practice-followup")
    mock_interview(page)
    page.reload()
    expect(page.locator("#kg-header")).to_contain_text("深度学习面试助手", timeout=WAIT)
    page.get_by_role("tab", name="模拟面试").click()
    expect(page.locator("#kg-progress")).to_contain_text("连续练习 1 天", timeout=WAIT)
    expect(page.locator("#kg-progress")).not_to_contain_text("今天该复习 0 题", timeout=WAIT)  # the "again" reviews
    shot(page, "24-practice-after-reload")


def mock_interview(page) -> None:
    """5 questions, each with its follow-up, graded "again" (due again today); then the report."""
    page.locator("#kg-topic input").click()
    page.get_by_role("option", name="随机", exact=True).click()
    page.locator("#kg-mock").click()
    for n in range(1, 11):
        expect(page.locator("#kg-practice-question")).to_contain_text(f"题 ·", timeout=WAIT)
        page.get_by_label("你的回答").fill("它可以加快收敛, 并且能防止过拟合。")
        page.get_by_role("button", name="提交评分").click()
        expect(page.locator("#kg-result")).to_contain_text("评分公式", timeout=WAIT)
        expect(page.locator("#kg-result .progress-text")).to_have_count(0, timeout=WAIT)
        page.get_by_label("重来").check()
        page.locator("#kg-save-grade").click()
        expect(page.locator("#kg-saved")).to_contain_text("重来", timeout=WAIT)
        if n == 2:
            shot(page, "22-practice-mock-followup")
        page.get_by_role("button", name="出一道题").click()
    expect(page.locator("#kg-practice-question")).to_contain_text("模拟面试报告: 10 题", timeout=WAIT)
    shot(page, "23-practice-mock-report")
