from __future__ import annotations

import pytest

import corpus
from ingest.clean import is_chrome_line, repair_note, repairs, strip_chrome, tex_letters
from kg.text import fold


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


# -- maths the capture wrote twice -------------------------------------------------------------------
@pytest.mark.parametrize(("line", "expected"), [
    ("然后计算梯度的指数移动平均数,m0m_{0}初始化为0。", r"然后计算梯度的指数移动平均数,\(m_{0}\)初始化为0。"),
    (r"其中默认学习率α=0.001\alpha = 0.001ε=108\varepsilon = 10^{-8}避免除数变为0。",
     r"其中默认学习率\(\alpha = 0.001\)\(\varepsilon = 10^{-8}\)避免除数变为0。"),
    ("## 【十八】111*1 卷积的作用?", r"## 【十八】\(1*1\) 卷积的作用?"),
    (r"1. 浅层卷积 \rightarrow 提取边缘特征", r"1. 浅层卷积 \(\rightarrow\) 提取边缘特征"),
    ("1. 将输入图片Normalize到 [11][-1,1]之间。", r"1. 将输入图片Normalize到 \([-1,1]\)之间。"),
    (r"MSEL=12k=1K(ykok)2MSE损失函数的表达式:L = \frac{1}{2}\sum^{K}_{k=1}(y_k - o_k)^2",
     r"\(MSE损失函数的表达式:L = \frac{1}{2}\sum^{K}_{k=1}(y_k - o_k)^2\)"),
    (r"的结果(vtv_{t}vbiased1v_{biased_{1}})将", r"的结果(\(v_{t}\)\(v_{biased_{1}}\))将"),   # the ")" stays outside
    ("我们知道γγββ是需要学习的参数,Batch大小为mm,那么", r"我们知道\(γ\)\(β\)是需要学习的参数,Batch大小为\(m\),那么"),
    (r"\({\to}\)避免模型过度依赖", r"\({\to}\)避免模型过度依赖"),                                       # already TeX
    (r"平均数(Exponential Moving Average),γ\gamma是遗忘因子", r"平均数(Exponential Moving Average),\(\gamma\)是遗忘因子"),
    (r"c(u)={0,x<01,x>0undefined,x=0c(u)=\begin{cases} 0,x<0 \\ 1,x>0 \\ undefined,x=0\end{cases}",
     r"\(c(u)=\begin{cases} 0,x<0 \\ 1,x>0 \\ undefined,x=0\end{cases}\)"),
])
def test_maths_captured_twice_is_written_once(line: str, expected: str) -> None:
    assert repair_note(line) == expected
    assert repair_note(expected) == expected   # a repaired line stays as it is


@pytest.mark.parametrize("line", [
    "将AlexNet第一层卷积核由11变成7,步长由4变为2。",   # eleven, not a doubled 1
    "## 11.RNN的缺点", "import torch.nn as nn", "http://blog.csdn.net/qq_34896915/article", "BatchNorm总结-CSDN博客[11]",
    "mimibatch size", "AAAI, Kaggle", "(a) 图对应3x3的1-dilated conv", "1 * 1卷积在GoogLeNet中的应用",
    "输出结果趋向于00,由于", "比如假设decay=0.999,一个", "x = self.cbr(x)", r"C:\Users\me 的笔记",
])
def test_text_that_only_looks_doubled_is_left_alone(line: str) -> None:
    assert repairs(line) == []


@pytest.mark.parametrize(("tex", "letters"), [
    (r"\alpha = 0.001", "α0001"), (r"\sum^{K}_{k=1}", "k1K"), (r"\sqrt{\lambda_{1}}", "λ1"),
    (r"c(u)=\begin{cases} 0,x<0 \\ 1,x>0\end{cases}", "cu0x01x0"), (r"\left( 1- \frac{1}{e} \right)", "11e"),
    (r"\beta\epsilon[0,1)", "βε01"),
])
def test_tex_letters_are_what_katex_shows(tex: str, letters: str) -> None:
    assert tex_letters(tex) == letters


@pytest.mark.parametrize("path", sorted(corpus.NOTES.glob("*.md")), ids=lambda p: p.name)
def test_bundled_notes_are_already_repaired(path) -> None:
    text = path.read_text(encoding="utf-8")
    assert repair_note(text) == text


@pytest.mark.parametrize(("captured", "alias"), [("111*1卷积的作用", "1*1卷积"), ("111 * 1卷积首发于NIN", "1 * 1卷积"),
                                                 ("其中KK代表一个常数", "K代表")])
def test_a_repaired_formula_still_links_as_the_words_it_writes(captured: str, alias: str) -> None:
    """Maths delimiters are markup: the folded text the linker searches still holds the alias."""
    assert fold(alias) in fold(repair_note(captured)) and repair_note(captured) != captured
