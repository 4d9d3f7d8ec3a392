from __future__ import annotations

import pytest

from ingest.notes import parse_sections
from ingest.pipeline import bundled_notes
from qa.chunks import MAX_CHARS, code_lines, passages

SECTIONS = [s for note in bundled_notes() for s in parse_sections(note.id, note.text, note.format)]
LINES = {note.id: note.text.split("\n") for note in bundled_notes()}


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.id)
def test_passages_are_verbatim_bounded_and_cover_the_section(section) -> None:
    found = passages(section)
    for p in found:
        assert 0 < len(p.text) <= MAX_CHARS
        cited = "\n".join(LINES[p.doc][p.start_line - 1 : p.end_line])
        assert p.text in cited and p.text in section.text
        assert section.start_line <= p.start_line <= p.end_line <= section.end_line
    joined = "".join(p.text for p in found).replace("\n", "")
    assert len(joined) >= len(section.text.replace("\n", "").strip()) * 0.95


@pytest.mark.parametrize(("line", "code"), [
    ("    nn.Conv2d(in_planes, out_planes, kernel_size=3,", True),
    ("BatchNorm2d(out_planes),", True),
    ("self.use_softmax = use_softmax", True),
    ("    # 包含3x3卷积+BN+relu", True),
    (")", True),
    ('        "3x3 convolution + BN + relu"', True),
    ('"BN层的作用"是高频问题。', False),
    ("import torch.nn as nn", True),
    ("滑动平均可以使模型在测试数据上更鲁棒(robust)", False),
    ("输出特征图的尺寸 = \\(stride * (i - 1) + K\\)", False),
    ("softmax(x) is the normalised exponential of its input.", False),
    ("ReLU (Rectified Linear Unit) keeps positive inputs.", False),
    ("# 二级标题", False),
])
def test_code_lines_tell_code_from_prose(line: str, code: bool) -> None:
    assert code_lines(line) == [code]


def test_code_lines_mark_a_fenced_block_whatever_it_holds() -> None:
    text = "前文。\n```python\n卷积 = 特征\n\n```\n后文。"
    assert code_lines(text) == [False, True, True, True, True, False]
    assert len(code_lines(text)) == len(text.split("\n"))
