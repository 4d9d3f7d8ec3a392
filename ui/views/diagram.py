"""Draw a piece of the concept graph as self-contained, interactive SVG (no CDN, no plotting library).

Positions come from a seeded networkx spring layout, so the same neighbourhood is always
drawn the same way. Nodes are coloured by kind and carry ``data-pick="concept:ID"``; edges are
curved when two concepts share several relations and are labelled with the relation type.
Hover tooltips are native SVG ``<title>`` elements; zoom, pan and clicks are handled by
``ui/assets/graph.js``. Every name, alias and evidence sentence is HTML-escaped.

>>> from kg.model import Concept, Relation
>>> a, b = Concept("a", "A", "layer"), Concept("b", "B<x>", "problem")
>>> html = render([a, b], [Relation("a", "solves", "b")], "en", centre="a")
>>> 'data-pick="concept:b"' in html and "B&lt;x&gt;" in html and "<x>" not in html
True
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import networkx as nx

from kg.model import Concept, Relation
from ui.views.i18n import kind_name, relation_name, t
from ui.views.markup import KIND_COLOURS, display_name, esc, legend, pick

__all__ = ["WIDTH", "HEIGHT", "layout", "render"]

WIDTH, HEIGHT, MARGIN = 800.0, 560.0, 60.0
_OVERVIEW_LABELS = 24
Point = tuple[float, float]


def layout(nodes: Sequence[str], edges: Sequence[tuple[str, str]], centre: str | None = None) -> dict[str, Point]:
    """Seeded spring-layout positions scaled into the drawing area; ``centre`` sits in the middle.

    >>> pos = layout(["a", "b", "c"], [("a", "b"), ("a", "c")], centre="a")
    >>> pos["a"] == (WIDTH / 2, HEIGHT / 2)
    True
    """
    if not nodes:
        return {}
    if len(nodes) == 1:
        return {nodes[0]: (WIDTH / 2, HEIGHT / 2)}
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges, weight=1.0)
    # Spring layouts push unconnected components far apart; a weak hidden hub holds them together.
    hub = object()
    for component in nx.connected_components(g.copy()):
        g.add_edge(hub, max(component, key=g.degree), weight=0.15)
    k = (1.6 if centre in g else 2.4) / math.sqrt(len(nodes))
    if centre in g:
        start = {n: (math.cos(i), math.sin(i)) for i, n in enumerate(g)}
        start[centre] = (0.0, 0.0)
        raw = nx.spring_layout(g, pos=start, fixed=[centre], k=k, seed=7, iterations=80)
    else:
        raw = nx.spring_layout(g, k=k, seed=7, iterations=80)
    return _fit({n: (float(x), float(y)) for n, (x, y) in raw.items() if n is not hub}, centre)


def _fit(raw: dict[str, Point], centre: str | None) -> dict[str, Point]:
    """Scale positions into the drawing area around ``centre`` (or the middle).

    The scale is set by the 95th percentile of distances, so a few far-flung leaves cannot
    squash everything else into the middle (they are clamped to the border instead); x and y
    may stretch differently, by at most 1.5×, to use the wide area without distorting much.
    """
    cx, cy = raw[centre] if centre in raw else _middle(raw.values())
    span_x = _percentile([abs(x - cx) for x, _ in raw.values()]) or 1.0
    span_y = _percentile([abs(y - cy) for _, y in raw.values()]) or 1.0
    sx, sy = (WIDTH / 2 - MARGIN) / span_x, (HEIGHT / 2 - MARGIN) / span_y
    sx, sy = min(sx, 1.5 * sy), min(sy, 1.5 * sx)
    return {n: (_clamp(WIDTH / 2 + (x - cx) * sx, WIDTH), _clamp(HEIGHT / 2 + (y - cy) * sy, HEIGHT))
            for n, (x, y) in raw.items()}


def _percentile(values: list[float], share: float = 0.95) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _clamp(value: float, size: float) -> float:
    return min(max(value, MARGIN / 2), size - MARGIN / 2)


def _middle(points: Iterable[Point]) -> Point:
    pts = list(points)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _radius(concept_id: str, centre: str | None, degree: int) -> float:
    if centre is None:
        return 5 + 2.2 * math.sqrt(degree)
    return 24.0 if concept_id == centre else 14.0


def _curve(p: Point, q: Point, bend: float, r_p: float, r_q: float) -> tuple[str, Point]:
    """A quadratic path from circle ``p`` to circle ``q`` bent sideways by ``bend``, and its midpoint."""
    (x1, y1), (x2, y2) = p, q
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    nx_, ny_ = -dy / length, dx / length
    cx, cy = (x1 + x2) / 2 + nx_ * bend, (y1 + y2) / 2 + ny_ * bend

    def trim(x: float, y: float, r: float) -> Point:
        vx, vy = cx - x, cy - y
        d = math.hypot(vx, vy) or 1.0
        return x + vx / d * r, y + vy / d * r

    (sx, sy), (ex, ey) = trim(x1, y1, r_p), trim(x2, y2, r_q + 3)
    mid = (0.25 * sx + 0.5 * cx + 0.25 * ex, 0.25 * sy + 0.5 * cy + 0.25 * ey)
    return f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}", mid


def _edge(rel: Relation, names: dict[str, str], pos: dict[str, Point], radius: dict[str, float], bend: float,
          lang: str) -> str:
    path, (mx, my) = _curve(pos[rel.source], pos[rel.target], bend, radius[rel.source], radius[rel.target])
    label = relation_name(lang, rel.relation)
    tip = f"{names[rel.source]} —{label}→ {names[rel.target]}"
    if rel.evidence:
        ev = rel.evidence[0]
        tip += f"\n{ev.text}\n[{ev.doc}:{ev.line}]"
    return (f'<g class="kg-edge" data-ends="{esc(rel.source)} {esc(rel.target)}"><title>{esc(tip)}</title>'
            f'<path d="{path}" marker-end="url(#kg-arrow)"/>'
            f'<text x="{mx:.1f}" y="{my:.1f}">{esc(label)}</text></g>')


def _node(concept: Concept, xy: Point, r: float, lang: str, is_centre: bool, labelled: bool) -> str:
    x, y = xy
    colour = KIND_COLOURS.get(concept.kind, KIND_COLOURS["concept"])
    name = display_name(concept, lang)
    tip = f"{concept.name}" + (f" · {'/'.join(concept.zh)}" if concept.zh else "") + f" · {kind_name(lang, concept.kind)}"
    if concept.gloss:
        tip += f"\n{concept.gloss}"
    classes = "kg-node" + (" kg-centre" if is_centre else "") + ("" if labelled else " kg-minor")
    return (f'<g class="{classes}" data-pick="{esc(pick("concept", concept.id))}" data-id="{esc(concept.id)}" tabindex="0">'
            f"<title>{esc(tip)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" style="fill:{colour}"/>'
            f'<text x="{x:.1f}" y="{y + r + 16:.1f}">{esc(name)}</text></g>')


def render(concepts: Sequence[Concept], relations: Sequence[Relation], lang: str, *, centre: str | None = None,
           caption: str = "") -> str:
    """The graph as an HTML block: toolbar, SVG, legend and caption.

    With ``centre`` the drawing is a neighbourhood (every node labelled); without it an
    overview where only well-connected nodes are labelled and the rest show on hover.
    """
    if not concepts:
        return f'<div class="kg-graph kg-empty">{esc(t(lang, "graph_empty"))}</div>'
    ids = [c.id for c in concepts]
    pos = layout(ids, [(r.source, r.target) for r in relations], centre)
    degree = Counter(end for r in relations for end in (r.source, r.target))
    radius = {c: _radius(c, centre, degree[c]) for c in ids}
    names = {c.id: display_name(c, lang) for c in concepts}
    pairs: dict[frozenset[str], list[Relation]] = defaultdict(list)
    for rel in relations:
        pairs[frozenset((rel.source, rel.target))].append(rel)
    edges = []
    for group in pairs.values():
        for i, rel in enumerate(group):
            bend = (i - (len(group) - 1) / 2) * 40
            # Bend is measured from the source's side: flip it for edges drawn the other way round.
            if len(group) > 1 and rel.source > rel.target:
                bend = -bend
            edges.append(_edge(rel, names, pos, radius, bend, lang))
    # An overview labels only its best-connected nodes; the rest show their name on hover.
    hubs = set(sorted(ids, key=lambda c: -degree[c])[:_OVERVIEW_LABELS])
    nodes = [_node(c, pos[c.id], radius[c.id], lang, c.id == centre, centre is not None or c.id in hubs)
             for c in concepts]
    kinds = [k for k in KIND_COLOURS if any(c.kind == k for c in concepts)]
    mode = "kg-focus" if centre else "kg-overview"
    return (
        f'<div class="kg-graph {mode}">'
        '<div class="kg-toolbar"><button data-zoom="in" title="+">+</button><button data-zoom="out" title="-">−</button>'
        f'<button data-zoom="reset" title="reset">⟲</button><span>{esc(t(lang, "graph_help"))}</span></div>'
        f'<svg class="kg-svg" viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" role="img">'
        '<defs><marker id="kg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
        f'<g class="kg-edges">{"".join(edges)}</g><g class="kg-nodes">{"".join(nodes)}</g></svg>'
        f"{legend(kinds, lang)}"
        + (f'<p class="kg-caption">{esc(caption)}</p>' if caption else "")
        + "</div>"
    )
