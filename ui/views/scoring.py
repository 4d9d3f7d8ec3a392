"""A practice score as HTML: the total, each key point (claim) covered or missed and why, the marked reference.

The scoring itself is :mod:`qa.scoring`; this module only formats it.
"""
from __future__ import annotations

from collections.abc import Sequence

from qa.bank import Question
from qa.scoring import Point, Score
from ui.views.i18n import t
from ui.views.markup import cite, esc

__all__ = ["highlight", "point_html", "result_html"]

_MARK = {"covered": "kg-hit", "partial": "kg-fair", "unnamed": "kg-fair", "contradicted": "kg-miss", "missed": "kg-miss"}
_WHY = {
    "covered": ("你说了: 「{s}」 (相似度 z = {z:.1f})", "you said: “{s}” (similarity z = {z:.1f})"),
    "partial": ("部分说到: 「{s}」 (z = {z:.1f})", "partly said: “{s}” (z = {z:.1f})"),
    "unnamed": ("说法相近, 但没有提到 {c}", "close wording, but does not name {c}"),
    "contradicted": ("与笔记相反: 「{s}」", "the opposite of the notes: “{s}”"),
    "missed": ("没有说到这一点", "not said"),
}


def point_html(point: Point, lang: str, names: dict[str, str]) -> str:
    """One claim with its verdict and the reason (the answer's sentence it matched, or what was missing)."""
    why = _WHY[point.verdict][1 if lang == "en" else 0]
    concepts = ", ".join(names.get(c, c) for c in point.unnamed)
    reason = why.format(s=point.statement, z=point.similarity, c=concepts)
    icon = {"covered": "✓", "contradicted": "✗", "missed": "✗"}.get(point.verdict, "◐")
    return (f'<li class="{_MARK[point.verdict]}">{icon} {esc(point.claim.text)}'
            f'<br><small>{esc(reason)}</small></li>')


def highlight(reference: str, points: Sequence[Point]) -> str:
    """The reference as escaped HTML with every claim marked covered, partly covered or missed."""
    out, at = [], 0
    for p in sorted(points, key=lambda p: p.claim.start):
        if p.claim.start < at:
            continue
        out.append(esc(reference[at:p.claim.start]))
        out.append(f'<mark class="{_MARK[p.verdict]}">{esc(reference[p.claim.start:p.claim.end])}</mark>')
        at = p.claim.end
    out.append(esc(reference[at:]))
    return "".join(out)


def result_html(question: Question, score: Score, lang: str, names: dict[str, str]) -> str:
    """The score with its formula, every key point and why, the ignored text, and the marked reference."""
    level = "kg-good" if score.total >= 60 else "kg-fair" if score.total >= 20 else "kg-poor"
    points = "".join(point_html(p, lang, names) for p in score.points)
    ignored = ""
    if score.ignored:
        label = "不算陈述 (只列了术语或重复了题目)" if lang != "en" else "not counted (terms only, or the question repeated)"
        ignored = f'<p class="kg-muted">{esc(label)}: {esc(" / ".join(score.ignored))}</p>'
    return (
        f'<div class="kg-score"><div class="kg-total {level}"><span>{score.total:.0f}</span><small>/ 100</small></div>'
        f'<div><div class="kg-formula">{esc(t(lang, "formula"))}: <code>{esc(score.rules.formula())}</code></div>'
        f'<ul class="kg-points">{points}</ul>{ignored}</div></div>'
        f'<h4>{esc(t(lang, "reference"))} {cite(question.doc, question.start_line, question.end_line)}</h4>'
        f'<div class="kg-reference">{highlight(question.reference, score.points)}</div>'
    )
