from __future__ import annotations

import pytest

from qa.answer import Source
from qa.compose import answer_markdown, escape_markdown, key_points, quote, refusal_markdown


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))", "**bold** _x_ `code`"],
)
def test_escaped_text_carries_no_markup(payload: str) -> None:
    escaped = escape_markdown(payload)
    assert "<" not in escaped and ">" not in escaped
    for i, char in enumerate(escaped):
        if char in "*_`[]()":
            assert escaped[i - 1] == "\\"


def test_formulas_survive_escaping_literally() -> None:
    assert escape_markdown(r"\frac{a}{b}") == r"\\frac\{a\}\{b\}"


def test_quote_bolds_the_heading_and_quotes_every_line() -> None:
    assert quote("## BN的作用?\n- 加快收敛\n\n结束").split("\n") == ["> **BN的作用?**", "> \\- 加快收敛", ">", "> 结束"]


def test_key_points_skip_repeats_and_headings() -> None:
    sources = [Source("a.md", 1, 2, "## Q\nBN加快收敛。", 1.0), Source("b.md", 5, 6, "## BN\nBN加快收敛。BN防止过拟合。", 0.5),
               Source("c.md", 1, 1, "BN可以防止梯度消失。", 0.2)]
    points = key_points(sources, ["BN"])
    assert [p for p, _ in points] == ["BN防止过拟合。", "BN可以防止梯度消失。"]


@pytest.mark.parametrize(("lang", "label"), [("zh", "回答"), ("en", "Answer")])
def test_framing_follows_the_question_language(lang: str, label: str) -> None:
    md = answer_markdown(lang, [Source("a.md", 3, 4, "## 标题\n正文", 1.0, "标题")], [], ["A —缓解→ B"], ["追问?"], ["演示"])
    assert md.startswith(f"**{label}**") and "`a.md:3-4`" in md and "正文" in md


def test_refusal_names_nearest_topics_escaped() -> None:
    md = refusal_markdown("en", ["<b>BN</b>"])
    assert "do not cover" in md and "&lt;b&gt;BN&lt;/b&gt;" in md
