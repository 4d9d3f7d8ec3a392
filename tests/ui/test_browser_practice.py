"""The Practice tab in a real headless Chromium: one score per question, a clickable follow-up,
a saved self-grade, and progress that survives a reload; screenshots go to tests/artifacts/.

Chromium, the loopback check and screenshots come from ``tests/ui/browsing.py``.
"""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

from tests.ui.browsing import WAIT, expect, pages, shot  # noqa: E402


@pytest.fixture(scope="module")
def page(browser, served: str) -> object:
    """One page for the whole module (progress carries from test to test); its requests are
    checked to stay on loopback at the end."""
    factory = pages(browser, served)
    yield next(factory)()
    for _ in factory:  # runs the loopback and page-error checks
        pass


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
