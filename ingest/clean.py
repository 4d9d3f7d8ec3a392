"""Remove web chrome from captured notes: navigation, banners, ads, comments, related posts.

Only whole lines that match a known chrome pattern go, plus everything after a marker that
opens a comment thread or a related-posts list at the end of a page. Sentences of the note
itself are never edited: a line either stays exactly as it was or is dropped.

>>> strip_chrome("Skip to content\\nBN的作用\\n【推荐】立即下载\\n加快收敛")
'BN的作用\\n加快收敛'
"""
from __future__ import annotations

import re

__all__ = ["strip_chrome", "is_chrome_line"]

_LINE_PATTERNS = [
    r"Skip to (main )?content",
    r"Latest commit",
    r"History",
    r"File metadata and controls",
    r"\d+ lines \(\d+ loc\) · [\d.]+ [KMG]?B",
    r"(Raw|Blame|Copy raw file|Download raw file)",
    r"【推荐】.*",
    r"点赞\s*(回复|评论)?\s*(收藏)?\s*(分享)?",
    r"发布于 .*",
    r"posted @ .*",
    r"(微信分享提示|点击右上角即可分享|主题色彩|收藏|举报|分享|评论|image|alt)",
    r"(#[^#\s]{1,12}#)+",
    r"(作者|出处|版权|本文链接|版权声明)\s*[:：].*",
]
_TAIL_MARKERS = [r"全部评论", r"相关博文\s*[:：]?", r"阅读排行\s*[:：]?", r"相关推荐", r"发表评论", r"Comments?"]

_LINE = re.compile("|".join(f"(?:{p})" for p in _LINE_PATTERNS))
_TAIL = re.compile("|".join(f"(?:{p})" for p in _TAIL_MARKERS))


def is_chrome_line(line: str) -> bool:
    """True when the whole (stripped) line is a known piece of page chrome."""
    return _LINE.fullmatch(line.strip()) is not None


def strip_chrome(text: str) -> str:
    """Drop chrome lines, and everything from a comment/related-posts marker to the end."""
    kept: list[str] = []
    for line in text.split("\n"):
        if _TAIL.fullmatch(line.strip()):
            break
        if not is_chrome_line(line):
            kept.append(line)
    return "\n".join(kept).strip("\n")
