"""The Demos tab in a real headless Chromium: every control can be changed, and changed settings
change the numbers and the verdicts; screenshots of each step go to tests/artifacts/.

Like ``test_browser.py``: every page records its requests, and none may leave the loopback
interface. Uses the fast HashEmbedder knowledge base (demos do not depend on the embedder).
"""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

BUSY = re.compile(r"^\s*(processing|queue:|\d+(\.\d+)?(/\d+(\.\d+)?)?s\b)", re.IGNORECASE)

from tests.ui.browsing import WAIT, expect, shot  # noqa: E402 - after BUSY, which does not need Chromium


@pytest.fixture()
def page(open_page) -> object:
    """A fresh page on the Demos tab (its requests are checked to stay on loopback afterwards)."""
    return open_page(tab="演示")


def pick_demo(page, title: str) -> None:
    page.locator("#kg-demo-choice input").click()
    page.get_by_role("option", name=title, exact=True).click()
    expect(page.locator("#kg-demo-claim")).to_contain_text(title, timeout=WAIT)


def set_number(page, name: str, value: str) -> None:
    """Type ``value`` into a parameter's box (a number box, or a slider's number field) and leave it."""
    box = page.locator(f"#kg-param-{name} input[type=number]")
    expect(box).to_be_enabled(timeout=WAIT)
    box.fill(value)
    box.press("Tab")
    slider = page.locator(f"#kg-param-{name} input[type=range]")
    if slider.count():
        expect(slider).to_have_value(value, timeout=WAIT)


def run_and_read(page, previous: str = "", marker: str = "演示结果") -> str:
    """Press Run and return the result text once the run has finished and its text differs from
    ``previous`` (while running, the block also shows a timer such as "0.1s": wait it out)."""
    page.locator("#kg-run-demo").click()
    result = page.locator("#kg-demo-result")
    for _ in range(WAIT // 100):
        text = result.inner_text()
        if marker in text and text != previous and not BUSY.match(text):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"no new result within {WAIT} ms: {text!r}")
    expect(page.locator("#kg-demo-plot img")).to_be_visible(timeout=WAIT)
    return text


def row(text: str, label: str) -> str:
    """The value in the metrics table row named ``label``."""
    match = re.search(rf"^{re.escape(label)}[ \t]*(.*)$", text, re.MULTILINE)
    assert match, f"no row {label!r} in:\n{text}"
    return match.group(1).strip()


# (demo title, [(parameter, value), (parameter, value)], metric row, default value, changed value, verdict)
CASES = [
    ("卷积输出尺寸", [("in_size", "20"), ("stride", "2")], "公式给出的输出尺寸", "32", "10", "✓ 已验证"),
    ("反向（inverted）Dropout 保持期望不变", [("p", "0.9"), ("units", "100")], "输出均值 / 输入均值（本掩码）",
     None, "0.659", "✗ 此设置下未显示"),
    ("优化器在二维损失曲面上的比赛", [("lr", "1"), ("steps", "100")], "发散的优化器", None, "SGD, Momentum",
     "⚠ 发散 / 数值不稳定"),
]


@pytest.mark.parametrize("title, changes, metric, before, after, verdict", CASES, ids=["conv", "dropout", "optimizer"])
def test_changed_parameters_change_the_numbers(page, title: str, changes: list[tuple[str, str]], metric: str,
                                               before: str | None, after: str, verdict: str) -> None:
    pick_demo(page, title)
    expect(page.locator("#kg-demo-claim")).to_contain_text("你将看到")
    for name, _ in changes:
        for box in page.locator(f"#kg-param-{name} input").all():
            expect(box).to_be_enabled()
    default = run_and_read(page)
    if before is not None:
        assert row(default, metric) == before
    assert "✓ 已验证" in default
    slug = changes[0][0]
    shot(page, f"12-demo-{slug}-defaults")
    for name, value in changes:
        set_number(page, name, value)
    changed = run_and_read(page, previous=default)
    assert row(changed, metric) != row(default, metric)
    assert row(changed, metric).startswith(after)
    assert verdict in changed
    shot(page, f"13-demo-{slug}-changed")


def test_run_pressed_straight_after_a_language_switch_runs(page) -> None:
    """The switch renders the form more than once; a Run pressed before the last render must run
    (it once reached an event the next render had removed, and nothing happened)."""
    pick_demo(page, "反向（inverted）Dropout 保持期望不变")
    with page.expect_event("load", timeout=WAIT):
        page.get_by_text("English", exact=True).click()
    page.locator("#kg-run-demo").first.click(timeout=WAIT)  # the first Run shown, however many renders follow
    result = page.locator("#kg-demo-result")
    expect(result).to_contain_text(re.compile("Demo result|演示结果"), timeout=WAIT)


def test_demo_text_follows_the_language_switch(page) -> None:
    pick_demo(page, "反向（inverted）Dropout 保持期望不变")
    with page.expect_event("load", timeout=WAIT):  # the switch reloads the page: Run must hit the new one
        page.get_by_text("English", exact=True).click()
    expect(page.locator("#kg-demo-claim")).to_contain_text("What you will see", timeout=WAIT)
    expect(page.locator("#kg-run-demo")).to_have_text("Run", timeout=WAIT)
    text = run_and_read(page, marker="Demo result")
    assert "Demo result" in text and "✓ Shown" in text and "share of units kept" in text
    assert not re.search(r"[\u4e00-\u9fff]", text)
    shot(page, "14-demo-english")


def test_parameters_set_before_a_language_switch_are_kept_and_used(page) -> None:
    """A switch reloads the page; the demo and the values typed into its form come back, in both
    directions, and Run measures those values, not the defaults."""
    pick_demo(page, "卷积输出尺寸")
    set_number(page, "in_size", "20")
    set_number(page, "stride", "2")
    page.wait_for_timeout(300)  # the form's change events mirror the values before the switch reads them
    with page.expect_event("load", timeout=WAIT):
        page.get_by_text("English", exact=True).click()
    expect(page.locator("#kg-demo-claim")).to_contain_text("What you will see", timeout=WAIT)
    for name, value in (("in_size", "20"), ("stride", "2"), ("kernel", "3")):
        expect(page.locator(f"#kg-param-{name} input[type=number]")).to_have_value(value, timeout=WAIT)
    text = run_and_read(page, marker="Demo result")
    assert re.search(r"\b10\b", text), text  # (20 + 2*1 - 3) // 2 + 1, not the default's 32
    shot(page, "15-demo-kept-after-switch")
    set_number(page, "stride", "4")
    page.wait_for_timeout(300)
    with page.expect_event("load", timeout=WAIT):
        page.get_by_text("中文", exact=True).click()
    expect(page.locator("#kg-demo-claim")).to_contain_text("你将看到", timeout=WAIT)
    expect(page.locator("#kg-param-stride input[type=number]")).to_have_value("4", timeout=WAIT)
    expect(page.locator("#kg-param-in_size input[type=number]")).to_have_value("20", timeout=WAIT)
    page.reload()  # a plain reload is no switch: the form starts from the defaults again
    page.get_by_role("tab", name="演示").click()
    expect(page.locator("#kg-param-stride input[type=number]")).to_have_value("1", timeout=WAIT)


def test_the_form_renders_and_runs_when_the_browser_refuses_storage(open_page) -> None:
    """Some privacy modes throw on any use of sessionStorage: the page's load, which renders the
    demo form, must still complete (in the default language)."""
    refuse = ("Object.defineProperty(window, 'sessionStorage', "
              "{get() { throw new DOMException('storage is disabled', 'SecurityError'); }});")
    page = open_page(tab="演示", script=refuse)
    expect(page.locator("#kg-param-in_size input[type=number]")).to_have_value("32", timeout=WAIT)
    assert "演示结果" in run_and_read(page)
