from __future__ import annotations

import pytest

from ingest.notes import heading_of, parse_sections

MD = "# 标题\n引言\n## 1.池化的作用?\n下采样\n\n### V1\n- 1x1卷积\n## 空节\n"


def test_markdown_sections_cover_their_lines_verbatim() -> None:
    sections = parse_sections("n.md", MD)
    lines = MD.split("\n")
    assert [s.title for s in sections] == ["标题", "1.池化的作用?", "V1", "空节"]
    for s in sections:
        assert s.text == "\n".join(lines[s.start_line - 1 : s.end_line])
    assert sections[2].path == ("标题", "1.池化的作用?")
    assert sections[1].end_line == 4  # trailing blank lines are not part of a section
    assert sections[3].body == ""


def test_text_before_first_heading_gets_the_note_title() -> None:
    sections = parse_sections("n.md", "前言一句话。\n## Q?\nA")
    assert sections[0].start_line == 1 and sections[0].title == "前言一句话。"


@pytest.mark.parametrize(
    ("line", "next_line", "is_heading"),
    [
        ("1.池化的作用是什么?", "(1) 不变性", True),
        ("【二】Instance Normalization的作用?", "IN的作用", True),
        ("CNN在图像上表现好的原因", "直接将图像数据作为输入,不仅无需人工对图像进行预处理", True),
        ("- 数据增强", "- Dropout", False),
        ("(1) invariance(不变性),这种不变性包括", "x", False),
        ("直接将图像数据作为输入,不仅无需人工对图像进行预处理。", "y", False),
        ("作用:", "对输入的特征图进行压缩,一方面使特征图变小", False),
    ],
)
def test_plain_text_heading_heuristic(line: str, next_line: str, is_heading: bool) -> None:
    assert (heading_of(line, next_line, "text") is not None) is is_heading


def test_indented_hash_is_not_a_heading() -> None:
    assert heading_of("    # 定义卷积块", None, "markdown") is None
