from __future__ import annotations

import pytest

from ingest.notes import parse_sections
from ingest.pipeline import bundled_notes
from qa.chunks import MAX_CHARS, OUTLINE_MAX, Passage, code_lines, outline, passages

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


def _tree(contexts: list[tuple[str, str]]) -> list[Passage]:
    """Passages in note order from (doc, context) pairs."""
    return [Passage(f"p{i}", doc, f"{doc}#{i}", c.rsplit(" > ", 1)[-1], c, i, i, "x") for i, (doc, c) in enumerate(contexts)]


@pytest.mark.parametrize("children", [3, 5, OUTLINE_MAX + 4])
def test_an_outline_lists_the_shared_sections_items_in_note_order_and_no_further(children: int) -> None:
    items = [f"{n}. item" for n in range(1, children + 1)]
    tree = _tree([("a.md", "A > Other"), ("b.md", "B > T"), *[("b.md", f"B > T > {i}") for i in items],
                  ("b.md", f"B > T > {items[1]} > detail"), ("b.md", "B > U"), ("c.md", "C > T > x")])
    best = [3, 4, len(tree) - 1]  # two items of T, then a passage of another note
    heading, shown, total = outline(tree, best) or ("", (), 0)
    assert heading == "T" and total == children and shown == tuple(items[:OUTLINE_MAX])
    assert outline(tree, list(reversed(best))) == (heading, shown, total)  # whichever of them ranks first


@pytest.mark.parametrize("best", [[1, 5, 6], [0, 6, 1]])
def test_no_outline_without_two_of_the_best_three_in_one_section_of_three(best: list[int]) -> None:
    tree = _tree([("a.md", "A > T"), ("a.md", "A > T > x"), ("a.md", "A > T > y"), ("a.md", "A > U"),
                  ("a.md", "A > U > z"), ("a.md", "A > V"), ("b.md", "B > W > x")])
    assert outline(tree, best) is None
