from __future__ import annotations

from dataclasses import replace

import pytest

from kg.graph import KnowledgeGraph
from kg.model import Concept
from qa.answer import Answer, ConceptRef, Outline, Source
from qa.compose import (
    _repeats,
    answer_markdown,
    escape_markdown,
    key_points,
    plain,
    quote,
    refusal_markdown,
    render,
    sentences,
    short_answer,
    unescape_markdown,
    unexplained,
)


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))", "**bold** _x_ `code`"],
)
def test_escaped_text_carries_no_markup(payload: str) -> None:
    escaped = escape_markdown(payload)
    assert "<" not in escaped and ">" not in escaped
    for i, char in enumerate(escaped):
        if char in "*_`[]":  # parentheses cannot make a link once the brackets are escaped
            assert escaped[i - 1] == "\\"


def test_formulas_survive_escaping_literally() -> None:
    assert escape_markdown(r"\frac{a}{b}") == r"\\frac\{a\}\{b\}"


@pytest.mark.parametrize("maths", [r"\(m_{0}\)", r"$$\alpha = 0.001, \varepsilon = 10^{-8}$$", r"\({\to}\)"])
def test_maths_between_delimiters_is_kept_for_katex(maths: str) -> None:
    escaped = escape_markdown(f"Adam的参数 {maths} 是默认值_1")
    assert maths in escaped and escaped.endswith("默认值\\_1")
    assert unescape_markdown(escaped) == f"Adam的参数 {maths} 是默认值_1"


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


# -- the short answer, key points and the reader-language render -------------------------------------
@pytest.mark.parametrize("line", ["1x1卷积的作用主要有以下几点:", "111*1 卷积的作用?", "详见 [原文链接](http://a.b/c)",
                                  "https://example.com/page", "—— · ——", "    nn.Conv2d(3, 64, kernel_size=3,",
                                  "self.bn = nn.BatchNorm2d(64)", "ELU的导数图", "1 * 1卷积在GoogLeNet中的应用"])
def test_lead_ins_questions_links_urls_code_and_captions_are_not_points(line: str) -> None:
    assert sentences(f"{line}\n1x1卷积可以减少参数量。") == ["1x1卷积可以减少参数量。"]


@pytest.mark.parametrize(("intent", "expected"), [
    ("why", "ResNet因为引入了残差连接, 所以能训练很深的网络。"),
    ("role", "1x1卷积的作用是降维, 可以减少参数量。"),
])
def test_short_answer_picks_the_sentence_the_intent_asks_for(intent: str, expected: str) -> None:
    text = "ResNet是一种网络结构。ResNet因为引入了残差连接, 所以能训练很深的网络。1x1卷积的作用是降维, 可以减少参数量。"
    brief = short_answer([Source("a.md", 1, 3, text, 1.0)], intent, [["ResNet", "1x1卷积"]])
    assert brief[0] == (expected, 0) and len(brief) <= 3


def test_difference_gives_one_sentence_per_side_each_with_its_source() -> None:
    sources = [Source("a.md", 1, 2, "BN对一个batch内的同一通道做归一化。BN依赖batch大小。", 1.0),
               Source("b.md", 5, 6, "LN对单个样本的所有通道做归一化, 与batch无关。", 0.5)]
    brief = short_answer(sources, "difference", [["BN"], ["LN"]])
    assert "BN" in brief[0][0] and brief[1] == ("LN对单个样本的所有通道做归一化, 与batch无关。", 1)
    assert len({text for text, _ in brief}) == len(brief)


@pytest.mark.parametrize("closest", range(3))
def test_within_a_passage_the_sentence_closest_in_meaning_comes_first_but_never_before_a_better_passage(closest: int) -> None:
    text = "ResNet是一种网络结构。ResNet因为引入了残差连接, 所以能训练很深的网络。1x1卷积的作用是降维, 可以减少参数量。"
    statements = sentences(text)
    close = {s: 0.9 if i == closest else 0.5 for i, s in enumerate(statements)}
    lower = Source("b.md", 1, 1, "ResNet很深。", 0.5, closeness={"ResNet很深。": 0.99})
    brief = short_answer([Source("a.md", 1, 3, text, 1.0, closeness=close), lower], "why", [["ResNet"]])
    assert brief[0] == (statements[closest], 0)
    assert [i for _, i in brief] == sorted(i for _, i in brief)  # source order first, whatever the closeness


@pytest.mark.parametrize(("text", "shown"), [
    # the notes' sentence again with a clause added is one point, not two
    ("转置卷积相当于进行了K-1的填充,再做标准卷积。转置卷积相当于进行了K-1的填充,空洞大小为s-1,再做标准卷积。转置卷积能恢复尺寸。", 2),
    # parallel items are each their own point
    ("浅层卷积 → 提取边缘特征。中层卷积 → 提取局部特征。深层卷积 → 提取全局特征。", 3),
])
def test_a_sentence_repeated_with_a_clause_added_is_shown_once(text: str, shown: int) -> None:
    sources = [Source("a.md", 1, 1, text, 1.0)]
    brief = short_answer(sources, "how", [["转置卷积", "卷积"]])
    assert len(brief) == shown
    points = key_points(sources, ["卷积"], skip=[brief[0][0]], start=0)
    assert not any(_repeats(point, brief[0][0]) for point, _ in points)  # nor again among the key points


def test_short_answer_sentences_are_verbatim_from_their_passage() -> None:
    sources = [Source("a.md", 1, 2, "## BN\n- BN加快收敛, 因为它稳定了分布。\n- BN有正则化效果。", 1.0)]
    for text, index in short_answer(sources, "why", [["BN"]]):
        assert text in sources[index].text


def _answer(confidence: str = "answered") -> tuple[Answer, KnowledgeGraph]:
    graph = KnowledgeGraph.from_parts([Concept("bn", "Batch Normalization", "technique", aliases=("BN",), zh=("批归一化",))], [])
    sources = (Source("a.md", 1, 2, "## BN的作用?\nBN可以加快收敛, 因为分布稳定。", 1.0, "BN的作用?"),
               Source("b.md", 4, 4, "BN有一定的正则化效果。", 0.5))
    answer = Answer("What does BN do?", False, "", sources, (ConceptRef("bn", "Batch Normalization", "technique", "批归一化"),),
                    followups=("BN层解决了什么问题?",), intent="role", lang="en", confidence=confidence)
    return answer, graph


@pytest.mark.parametrize(("lang", "heading", "other"), [("zh", "**简答**", "In short"), ("en", "**In short**", "简答")])
def test_render_frames_in_the_readers_language_and_cites_each_sentence(lang: str, heading: str, other: str) -> None:
    answer, graph = _answer()
    md = render(answer, lang, graph)
    assert md.startswith(heading) and other not in md
    assert "BN可以加快收敛, 因为分布稳定。 **[1]** `a.md:1-2`" in md
    assert "BN有一定的正则化效果。" in md and md.count("BN可以加快收敛") == 1  # key points repeat nothing
    assert "BN层解决了什么问题" not in md and "BN层解决了什么问题" in render(answer, lang, graph, extras=True)


def test_render_marks_a_possible_match() -> None:
    answer, graph = _answer("low")
    assert render(answer, "en", graph).startswith("*Possible match")


@pytest.mark.parametrize("confidence", ["answered", "low", "refused"])
@pytest.mark.parametrize(("lang", "label"), [("zh", "笔记里没有出现: "), ("en", "The notes never mention: ")])
def test_names_the_notes_never_write_are_shown_in_every_state_escaped(confidence: str, lang: str, label: str) -> None:
    answer, graph = _answer(confidence)
    answer = replace(answer, refused=confidence == "refused", unmentioned=("ResNet-50", "<b>x_y</b>"))
    md = render(answer, lang, graph)
    assert md.count(label) == 1 and escape_markdown("ResNet-50") in md and "<b>" not in md and "x\\_y" in md
    assert (md.index(label) < md.index("**[1]**")) if confidence != "refused" else md.index(label) > md.index("**")
    assert label not in render(replace(answer, unmentioned=()), lang, graph)
    api = (refusal_markdown(lang, [], answer.unmentioned) if confidence == "refused" else
           answer_markdown(lang, list(answer.sources), [], [], [], [], confidence == "low", answer.unmentioned))
    assert api.count(label) == 1


@pytest.mark.parametrize(("text", "heading", "titled", "expected"), [
    ("BN依赖batch大小。\n- Layer Normalization\n- Group Normalization", "归一化", (), [1]),   # a bare list explains nothing
    ("BN依赖batch大小。LN对单个样本归一化。", "", (), []),
    ("BN依赖batch大小。", "Layer-Normalization", (), []),                                   # a heading, hyphen aside
    ("BN依赖batch大小。", "V4", (1,), []),                                                  # the linker reads the heading
    ("LayerNormalization与batch无关。", "", (), [0]),
])
def test_a_concept_asked_about_that_no_cited_passage_explains_is_named(text: str, heading: str, titled: tuple[int, ...],
                                                                expected: list[int]) -> None:
    sources = [Source("a.md", 1, 3, text, 1.0, heading)]
    sides = [["Batch Normalization", "BN"], ["Layer Normalization", "LN"]]
    assert unexplained(sources, sides, titled) == expected
    assert unexplained(sources, sides[1:], [t - 1 for t in titled]) == [i - 1 for i in expected if i]  # one concept alone


@pytest.mark.parametrize(("lang", "label", "name"), [("zh", "引用的段落没有讲到: ", "层归一化"),
                                                      ("en", "None of the cited passages explains: ", "Layer Normalization")])
def test_the_unexplained_side_is_named_above_the_answer_in_both_renderings(lang: str, label: str, name: str) -> None:
    answer, graph = _answer()
    ln = ConceptRef("ln", "Layer Normalization", "technique", "层归一化")
    answer = replace(answer, concepts=(ln, *answer.concepts), intent="difference", unexplained=("ln",))
    md = render(answer, lang, graph)
    assert md.index(label + name) < md.index("**[1]**")
    assert label not in render(replace(answer, unexplained=()), lang, graph)
    api = answer_markdown(lang, list(answer.sources), [], [], [], [], unexplained=[name])
    assert api.startswith(f"*{label}{name}*")


@pytest.mark.parametrize("confidence", ["answered", "low", "refused"])
@pytest.mark.parametrize(("lang", "label"), [("zh", "按此理解: "), ("en", "Read as: ")])
def test_how_a_misspelt_name_was_read_leads_every_state(confidence: str, lang: str, label: str) -> None:
    answer, graph = _answer(confidence)
    answer = replace(answer, refused=confidence == "refused", read_as=(("池话层", "池化层"),))
    md = render(answer, lang, graph)
    assert md.count(f"{label}池话层 → 池化层") == 1
    assert md.startswith(f"*{label}") if confidence != "refused" else md.index(label) > md.index("**")
    assert label not in render(replace(answer, read_as=()), lang, graph)


def test_unescape_inverts_escape() -> None:
    for text in ["a_b <i>x</i> &amp; (1-2) [c]", "\\frac{a}{b}", "#1 * 2 | 3 ~ 4 > 5 ! $5", "\\[x\\] \\(y\\)"]:
        assert unescape_markdown(escape_markdown(text)) == text


def test_plain_has_no_markdown_escapes_or_marks() -> None:
    answer, graph = _answer()
    text = plain(render(answer, "en", graph, extras=True))
    assert "\\" not in text and "**" not in text and "`" not in text and "a.md:1-2" in text


@pytest.mark.parametrize(("text", "points"), [
    ("- Layer Normalization", []), ("- ResNet-50 v2", []), ("Kaggle Ensemble,", []), ("leaky ReLU", []),  # bare names
    ("Weight Decay Regularization", []), ("ReLU works.", ["ReLU works."]),
    ("BatchNormalization、LayerNormalization总结-CSDN博客[11]", []), ("如何理解deconvolution? - 知乎[6]", []),  # cited titles
    ("ReLU is fast.", ["ReLU is fast."]), ("BN加快收敛", ["BN加快收敛"]), ("Adam优化器很常用", ["Adam优化器很常用"]),
    ("Dropout reduces overfitting", ["Dropout reduces overfitting"]),
    ("- 随机失活(Dropout)", []), ("- 随机梯度下降（SGD）", []), ("Text-To-Speech(TTS)", []),  # a name with its English one
    ("随机失活(Dropout)可以防止过拟合。", ["随机失活(Dropout)可以防止过拟合。"]),
])
def test_a_bare_name_is_not_a_point_but_a_statement_is(text: str, points: list[str]) -> None:
    assert sentences(text) == points


@pytest.mark.parametrize("line", ["多数样本下采样", "ReLU的导数在正区间恒为1,所以不会梯度消失", "残差结构图中的捷径可以跳过两层。"])
def test_statements_that_mention_a_figure_or_end_unpunctuated_stay_points(line: str) -> None:
    assert sentences(line) == [line]


@pytest.mark.parametrize(("lang", "label"), [("zh", "笔记中这一节的 14 条"), ("en", "The 14 items of this section of the notes")])
def test_an_outline_follows_the_key_points_in_both_renderings(lang: str, label: str) -> None:
    answer, graph = _answer()
    listed = replace(answer, outline=Outline("【六】Tricks?", ("1.输入Normalize", "<b>2</b>"), 14))
    md = render(listed, lang, graph)
    # the label is the reader's language and bold; the heading and items are the notes' words, quoted
    assert f"**{label}** · {escape_markdown('【六】Tricks?')}" in md and "1.输入Normalize · &lt;b&gt;2&lt;/b&gt; · …" in md
    assert md.index(label) > md.index("**[2]**") and label not in render(answer, lang, graph)
    api = answer_markdown(lang, list(answer.sources), [], [], [], [], outline=listed.outline)
    assert api.count(label) == 1
