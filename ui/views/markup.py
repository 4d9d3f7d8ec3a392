"""Small HTML pieces shared by the views, and the "pick" values that clickable things carry.

Every piece of note, alias or user text goes through :func:`esc` before it becomes HTML:
notes (and ingested notes) may contain ``<script>``. A clickable element carries
``data-pick="concept:ID"``, ``demo:ID``, ``ask:QUESTION`` or ``community:HUB_ID`` (an
overview's group, named by its best-connected concept); the browser sends that value back
and :func:`parse_pick` turns it into an action.

>>> esc('<script>alert("x")</script>')
'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
>>> parse_pick("concept:batch_normalization")
('concept', 'batch_normalization')
"""
from __future__ import annotations

import html
from typing import Literal

from kg.model import Concept
from ui.views.i18n import kind_name

__all__ = ["KIND_COLOURS", "RELATION_COLOURS", "PickKind", "esc", "pick", "parse_pick", "display_name", "kind_badge",
           "cite", "legend"]

# One colour per kind, readable on white and distinct for the common colour-vision deficiencies.
KIND_COLOURS: dict[str, str] = {
    "architecture": "#4C6EF5",
    "layer": "#12B886",
    "technique": "#F59F00",
    "problem": "#E03131",
    "role": "#AE3EC9",
    "concept": "#868E96",
}
# Edge colours, one per relation type: darker than the kinds' so lines and boxes do not blend.
RELATION_COLOURS: dict[str, str] = {
    "introduces": "#364FC7",
    "solves": "#2B8A3E",
    "causes": "#C92A2A",
    "has_role": "#862E9C",
    "part_of": "#0B7285",
    "variant_of": "#E67700",
    "improves_on": "#5F3DC4",
    "contrasts_with": "#495057",
}
PickKind = Literal["concept", "demo", "ask", "community"]
_PICKS: tuple[str, ...] = ("concept", "demo", "ask", "community")


def esc(text: object) -> str:
    """``text`` as HTML text or attribute value (quotes escaped too)."""
    return html.escape(str(text), quote=True)


def pick(kind: PickKind, value: str) -> str:
    """The value a clickable element sends back, e.g. ``pick("demo", "dropout_scaling")``."""
    return f"{kind}:{value}"


def parse_pick(value: object) -> tuple[str, str]:
    """``(kind, payload)`` of a pick value; ``("", "")`` when it is not one of ours.

    >>> parse_pick("ask:BN层用在哪里?"), parse_pick("javascript:x")
    (('ask', 'BN层用在哪里?'), ('', ''))
    """
    kind, sep, payload = str(value or "").partition(":")
    return (kind, payload) if sep and kind in _PICKS and payload else ("", "")


def display_name(concept: Concept, lang: str) -> str:
    """The name to show: the first Chinese name in Chinese mode, the English name otherwise."""
    return concept.display_zh if lang == "zh" else concept.name


def kind_badge(kind: str, lang: str) -> str:
    colour = KIND_COLOURS.get(kind, KIND_COLOURS["concept"])
    return f'<span class="kg-kind" style="--kind:{colour}">{esc(kind_name(lang, kind))}</span>'


def cite(doc: str, start: int, end: int | None = None) -> str:
    """A citation chip ``doc:start-end``."""
    lines = str(start) if end is None or end == start else f"{start}-{end}"
    return f'<code class="kg-cite">{esc(doc)}:{lines}</code>'


def legend(kinds: list[str], lang: str) -> str:
    """The colour legend for the kinds drawn in a graph."""
    items = "".join(
        f'<span class="kg-legend-item"><i style="background:{KIND_COLOURS.get(k, KIND_COLOURS["concept"])}"></i>'
        f"{esc(kind_name(lang, k))}</span>"
        for k in kinds
    )
    return f'<div class="kg-legend">{items}</div>'
