"""Draw a piece of the concept graph as an interactive network (cytoscape.js, vendored in ``ui/assets``).

Python decides everything that can be tested: positions come from a seeded networkx spring
layout (force-directed) followed by :func:`separate`, which pushes apart label boxes until
none overlap, so the same neighbourhood is always drawn the same way and labels never
collide. The browser (``ui/assets/graph.js``) only draws: it reads the elements from the
``data-elements`` attribute, lets nodes be dragged, and shows an edge's evidence panel
(pre-rendered here, escaped) when the edge is clicked. Every name and sentence is escaped,
and the canvas draws text, never HTML.

>>> from kg.model import Concept, Relation
>>> a, b = Concept("a", "A", "layer"), Concept("b", "B<x>", "problem")
>>> html = render([a, b], [Relation("a", "solves", "b")], "en", centre="a")
>>> 'data-pick="concept:b"' in html and "B&lt;x&gt;" in html and "<x>" not in html
True
"""
from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from kg.model import Concept, Relation
from ui.views.i18n import kind_name, relation_name, t
from ui.views.markup import KIND_COLOURS, RELATION_COLOURS, cite, display_name, esc, legend, pick

__all__ = ["WIDTH", "HEIGHT", "Node", "Edge", "label_box", "layout", "separate", "draw", "render"]

WIDTH, HEIGHT, MARGIN, GAP = 640.0, 640.0, 50.0, 14.0  # about the canvas size, so zoom stays near 1
_FONT = {0: 18.0, 1: 15.0, 2: 13.0}  # px by ring: the centre, its neighbours, theirs
_COMMUNITY_FONT, _WRAP = 14.0, 160.0  # px; graph.js wraps community labels at the same width
_EDGE_LABELS = 16  # above this many edges, relation names show on hover only (colour says the type)
_EVIDENCE = 3
Point = tuple[float, float]
Box = tuple[float, float]


@dataclass(frozen=True)
class Node:
    """One drawn node: a concept, or a whole community in the overview (``members`` > 1)."""

    id: str
    label: str
    kind: str
    pick: str
    tip: str = ""
    ring: int = 1
    members: int = 1
    kinds: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Edge:
    """One drawn edge; ``panel`` is the escaped HTML shown when it is clicked."""

    id: str
    source: str
    target: str
    relation: str
    label: str
    panel: str = ""
    weight: int = 1


def _text_width(text: str, px: float) -> float:
    """Rough rendered width: wide (CJK) characters take a full em, others (Source Sans) about 0.56 em."""
    return sum(px if unicodedata.east_asian_width(ch) in "WF" else 0.56 * px for ch in text)


def label_box(node: Node) -> Box:
    """(width, height) of a node with its label: a rounded box around the text, or a disc with the label below."""
    px = _FONT.get(node.ring, _FONT[2])
    if node.members > 1:  # a disc, its label wrapped below it; the box is symmetric, so count the label twice
        disc, text = _disc(node.members), _text_width(node.label, _COMMUNITY_FONT)
        lines = math.ceil(text / _WRAP)
        return max(disc, min(text, _WRAP) + 8), disc + 2 * (lines * _COMMUNITY_FONT * 1.3 + 6)
    return _text_width(node.label, px) + 22, px * 2.1


def _disc(members: int) -> float:
    return 26 + 9 * math.sqrt(members)


def separate(pos: dict[str, Point], sizes: dict[str, Box], *, fixed: str | None = None, gap: float = GAP,
             rounds: int = 500) -> dict[str, Point]:
    """Push overlapping boxes apart until none overlap; ``fixed`` does not move.

    Each round moves every overlapping pair apart along the axis that needs the smaller move
    (half each, or all of it for the partner of ``fixed``), all pairs at once. Deterministic.

    >>> out = separate({"a": (0.0, 0.0), "b": (1.0, 0.0)}, {"a": (40.0, 20.0), "b": (40.0, 20.0)}, fixed="a")
    >>> out["a"], out["b"]  # apart by the boxes' height and the gap: moving down is the smaller move
    ((0.0, 0.0), (1.0, 34.0))
    """
    ids = sorted(pos)
    xy = np.array([pos[n] for n in ids], dtype=float)
    wh = np.array([sizes[n] for n in ids], dtype=float)
    share = np.full(len(ids), 0.5)  # how much of a push each box takes
    pinned = ids.index(fixed) if fixed in pos else None
    upper = np.triu(np.ones((len(ids), len(ids)), dtype=bool), 1)
    for _ in range(rounds):
        delta = xy[None, :, :] - xy[:, None, :]  # delta[a, b] = b - a
        need = (wh[:, None, :] + wh[None, :, :]) / 2 + gap - np.abs(delta)
        hit = upper & (need[..., 0] > 0) & (need[..., 1] > 0)
        if not hit.any():
            break
        a, b = np.nonzero(hit)
        axis = (need[a, b, 1] < need[a, b, 0]).astype(int)  # 0: x, 1: y
        amount = need[a, b, axis] * np.where(delta[a, b, axis] >= 0, 1.0, -1.0)
        share_a = share[a].copy()
        if pinned is not None:
            share_a[a == pinned], share_a[b == pinned] = 0.0, 1.0
        move = np.zeros_like(xy)
        np.add.at(move, (a, axis), -amount * share_a)
        np.add.at(move, (b, axis), amount * (1.0 - share_a))
        xy += move
    return {n: (round(float(x), 1), round(float(y), 1)) for n, (x, y) in zip(ids, xy)}


def layout(nodes: Sequence[str], edges: Sequence[tuple[str, str]], centre: str | None = None,
           sizes: dict[str, Box] | None = None, groups: dict[str, str] | None = None) -> dict[str, Point]:
    """Seeded force-directed positions, scaled to the drawing area, then separated; ``centre`` sits in the middle.

    ``groups`` (for example the kind of each node) adds a weak pull between members of a group,
    so kinds cluster. Positions may extend past the drawing area when the boxes need the room;
    the browser zooms to fit.

    >>> pos = layout(["a", "b", "c"], [("a", "b"), ("a", "c")], centre="a")
    >>> pos["a"] == (WIDTH / 2, HEIGHT / 2)
    True
    """
    if not nodes:
        return {}
    sizes = sizes or {n: (60.0, 28.0) for n in nodes}
    if len(nodes) == 1:
        return {nodes[0]: (WIDTH / 2, HEIGHT / 2)}
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges, weight=1.0)
    if groups:
        members = sorted(nodes, key=lambda n: (groups.get(n, ""), n))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if groups.get(a) == groups.get(b) and not g.has_edge(a, b):
                    g.add_edge(a, b, weight=0.04)
    # Spring layouts push unconnected components far apart; a weak hidden hub holds them together.
    hub = object()
    for component in list(nx.connected_components(g)):
        g.add_edge(hub, max(component, key=lambda n: (g.degree(n), str(n))), weight=0.15)
    k = (1.6 if centre in g else 2.2) / math.sqrt(len(nodes))
    start = {n: (math.cos(i), math.sin(i)) for i, n in enumerate(g)}
    if centre in g:
        start[centre] = (0.0, 0.0)
        raw = nx.spring_layout(g, pos=start, fixed=[centre], k=k, seed=7, iterations=120)
    else:
        raw = nx.spring_layout(g, pos=start, k=k, seed=7, iterations=120)
    fitted = _fit({n: (float(x), float(y)) for n, (x, y) in raw.items() if n is not hub}, centre)
    return separate(fitted, sizes, fixed=centre if centre in fitted else None)


def _fit(raw: dict[str, Point], centre: str | None) -> dict[str, Point]:
    """Scale positions into the drawing area around ``centre`` (or the middle).

    The scale is set by the 95th percentile of distances, so a few far-flung leaves cannot
    squash everything else into the middle; x may stretch up to 1.5x more than y to use the
    wide area.
    """
    cx, cy = raw[centre] if centre in raw else _middle(list(raw.values()))
    span_x = _percentile([abs(x - cx) for x, _ in raw.values()]) or 1.0
    span_y = _percentile([abs(y - cy) for _, y in raw.values()]) or 1.0
    sx, sy = (WIDTH / 2 - MARGIN) / span_x, (HEIGHT / 2 - MARGIN) / span_y
    sx, sy = min(sx, 1.5 * sy), min(sy, 1.5 * sx)
    return {n: (WIDTH / 2 + (x - cx) * sx, HEIGHT / 2 + (y - cy) * sy) for n, (x, y) in raw.items()}


def _percentile(values: list[float], share: float = 0.95) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _middle(points: list[Point]) -> Point:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _tint(colour: str, share: float = 0.2) -> str:
    """``colour`` mixed with white: a fill light enough for dark text on top."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * share):02x}" for c in rgb)


def _element(node: Node, xy: Point, box: Box) -> dict[str, object]:
    colour = KIND_COLOURS.get(node.kind, KIND_COLOURS["concept"])
    data: dict[str, object] = {"id": node.id, "label": node.label, "pick": node.pick, "tip": node.tip,
                               "line": colour, "fill": _tint(colour), "w": round(box[0], 1),
                               "h": round(box[1], 1), "font": _FONT.get(node.ring, _FONT[2])}
    classes = ["centre"] if node.ring == 0 else []
    if node.members > 1:
        disc = _disc(node.members)
        data.update(w=round(disc, 1), h=round(disc, 1), font=_COMMUNITY_FONT)
        total = sum(n for _, n in node.kinds) or 1
        for i, (kind, n) in enumerate(node.kinds[:6], 1):
            data[f"p{i}"], data[f"c{i}"] = round(100 * n / total, 1), KIND_COLOURS.get(kind, KIND_COLOURS["concept"])
        classes.append("community")
    return {"data": data, "position": {"x": xy[0], "y": xy[1]}, "classes": " ".join(classes)}


def draw(nodes: Sequence[Node], edges: Sequence[Edge], lang: str, *, mode: str, caption: str = "",
         groups: dict[str, str] | None = None) -> str:
    """The network as an HTML block: toolbar, canvas, evidence panels, legends, caption and a list view."""
    # data-error-title: graph.js puts it on Gradio's error toasts, whose own header is always English.
    title = f'data-error-title="{esc(t(lang, "error"))}"'
    if not nodes:
        return f'<div class="kg-graph kg-empty" {title}>{esc(t(lang, "graph_empty"))}</div>'
    sizes = {n.id: label_box(n) for n in nodes}
    centre = next((n.id for n in nodes if n.ring == 0), None)
    pos = layout([n.id for n in nodes], [(e.source, e.target) for e in edges], centre, sizes, groups)
    labelled = len(edges) <= _EDGE_LABELS
    elements = [_element(n, pos[n.id], sizes[n.id]) for n in nodes] + [
        {"data": {"id": e.id, "source": e.source, "target": e.target, "label": e.label, "weight": e.weight,
                  "colour": RELATION_COLOURS.get(e.relation, "#868e96")},
         "classes": " ".join(c for c in (e.relation, "labelled" if labelled else "") if c)}
        for e in edges]
    panels = "".join(f'<section data-edge="{esc(e.id)}" hidden>{e.panel}</section>' for e in edges if e.panel)
    info = (f'<div class="kg-edge-info"><p class="kg-muted">{esc(t(lang, "edge_hint"))}</p>{panels}</div>'
            if panels else "")
    kinds = [k for k in KIND_COLOURS if any(n.kind == k or k in dict(n.kinds) for n in nodes)]
    relations = [r for r in RELATION_COLOURS if any(e.relation == r for e in edges)]
    rel_legend = "".join(f'<span class="kg-legend-item"><b style="background:{RELATION_COLOURS[r]}"></b>'
                         f"{esc(relation_name(lang, r))}</span>" for r in relations)
    items = "".join(f'<li><a class="kg-link" data-pick="{esc(n.pick)}">{esc(n.label)}</a> '
                    f'<span class="kg-muted">{esc(kind_name(lang, n.kind))}</span></li>' for n in nodes)
    return (
        f'<div class="kg-graph kg-{esc(mode)}" {title}>'
        f'<div class="kg-toolbar"><button data-act="fit" title="{esc(t(lang, "fit"))}">⤢</button>'
        f'<button data-act="png" class="kg-png" title="{esc(t(lang, "export_png"))}">PNG</button>'
        f'<span>{esc(t(lang, "graph_help"))}</span></div>'
        f'<div class="kg-stage"><div class="kg-cy" '
        f'data-elements="{esc(json.dumps(elements, ensure_ascii=False))}"></div><div class="kg-tip" hidden></div>'
        f"{info}</div>"
        f'{legend(kinds, lang)}<div class="kg-legend kg-rel-legend">{rel_legend}</div>'
        + (f'<p class="kg-caption">{esc(caption)}</p>' if caption else "")
        + f'<details class="kg-list"><summary>{esc(t(lang, "list_view").format(n=len(nodes)))}</summary>'
        f"<ul>{items}</ul></details></div>"
    )


def _panel(rel: Relation, names: dict[str, str], lang: str) -> str:
    """An edge's evidence: the fact, up to three sentences with citations, and the rule that read it."""
    head = (f'<b>{esc(names[rel.source])}</b> <span class="kg-rel">{esc(relation_name(lang, rel.relation))}</span> '
            f'<b>{esc(names[rel.target])}</b>')
    quotes = "".join(f"<blockquote>{esc(e.text)} {cite(e.doc, e.line)}</blockquote>" for e in rel.evidence[:_EVIDENCE])
    more = len(rel.evidence) - _EVIDENCE
    extra = f'<div class="kg-muted">{esc(t(lang, "more").format(n=more))}</div>' if more > 0 else ""
    rule, confidence = getattr(rel, "rule", ""), getattr(rel, "confidence", None)
    how = f'{esc(t(lang, "rule"))}: <code>{esc(rule or t(lang, "unknown_rule"))}</code>'
    if isinstance(confidence, (int, float)):
        how += f' · {esc(t(lang, "confidence"))} {confidence:.2f}'
    return f'{head}{quotes}{extra}<div class="kg-rule">{how}</div>'


def render(concepts: Sequence[Concept], relations: Sequence[Relation], lang: str, *, centre: str | None = None,
           rings: dict[str, int] | None = None, caption: str = "") -> str:
    """Concepts and their relations as a network; ``centre`` marks a neighbourhood's middle.

    ``rings`` (hops from the centre) sets label sizes: the centre largest, the second ring smallest.
    """
    names = {c.id: display_name(c, lang) for c in concepts}
    nodes = [Node(c.id, names[c.id], c.kind, pick("concept", c.id), _tip(c, lang),
                  ring=0 if c.id == centre else (rings or {}).get(c.id, 1)) for c in concepts]
    edges = [Edge(f"e{i}", r.source, r.target, r.relation, relation_name(lang, r.relation), _panel(r, names, lang))
             for i, r in enumerate(relations) if r.source in names and r.target in names]
    return draw(nodes, edges, lang, mode="focus" if centre else "group", caption=caption,
                groups={c.id: c.kind for c in concepts})


def _tip(concept: Concept, lang: str) -> str:
    names = " · ".join(dict.fromkeys((concept.name, *concept.zh)))
    return f"{names} · {kind_name(lang, concept.kind)}" + (f"\n{concept.gloss}" if concept.gloss else "")
