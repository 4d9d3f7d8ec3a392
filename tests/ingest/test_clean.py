from __future__ import annotations

import pytest

import corpus
from ingest.clean import is_chrome_line, strip_chrome


@pytest.mark.parametrize(
    "line",
    ["Skip to content", "130 lines (107 loc) · 11.3 KB", "【推荐】国内首个AI IDE", "posted @ 2022-03-12 达拉",
     "#秋招##春招##实习#", "点赞 回复 分享", "发布于 2023-02-22 22:09 重庆", "版权:本作品采用「署名」许可协议"],
)
def test_chrome_lines(line: str) -> None:
    assert is_chrome_line(line)


@pytest.mark.parametrize("line", ["BN层的作用?", "- 数据增强", "History of CNNs", "分享一下池化的作用", "image classification"])
def test_note_lines_are_not_chrome(line: str) -> None:
    assert not is_chrome_line(line)


def test_everything_after_a_comment_marker_goes() -> None:
    assert strip_chrome("正文\n全部评论\n写得好\n点赞") == "正文"


@pytest.mark.parametrize("path", sorted(corpus.NOTES.glob("*.md")), ids=lambda p: p.name)
def test_bundled_notes_are_already_clean(path) -> None:
    text = path.read_text(encoding="utf-8")
    assert strip_chrome(text) == text.strip("\n")
