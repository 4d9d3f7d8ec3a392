"""The SVG diagram: deterministic layout inside the canvas, every node and edge drawn, all text escaped."""
from __future__ import annotations

import re

import pytest

from kg.model import Concept, Evidence, Relation
from ui.views.diagram import HEIGHT, WIDTH, layout, render

from .conftest import EVIL

CONCEPTS = [Concept(c, c.upper(), kind) for c, kind in
            [("a", "architecture"), ("b", "layer"), ("c", "problem"), ("d", "role"), ("e", "technique")]]
RELATIONS = [Relation("a", "introduces", "b"), Relation("b", "solves", "c"), Relation("b", "has_role", "d"),
             Relation("b", "part_of", "a"), Relation("e", "contrasts_with", "d")]


def test_layout_is_deterministic_and_inside_the_canvas() -> None:
    ids = [c.id for c in CONCEPTS]
    edges = [(r.source, r.target) for r in RELATIONS]
    first, again = layout(ids, edges, centre="b"), layout(ids, edges, centre="b")
    assert first == again and first["b"] == (WIDTH / 2, HEIGHT / 2)
    assert all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for x, y in first.values())


@pytest.mark.parametrize("nodes", [[], ["solo"], ["x", "y"]])
def test_layout_of_tiny_graphs(nodes: list[str]) -> None:
    pos = layout(nodes, [])
    assert set(pos) == set(nodes) and all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for x, y in pos.values())


def test_disconnected_components_stay_on_the_canvas() -> None:
    ids = [f"n{i}" for i in range(12)]
    edges = [(f"n{i}", f"n{i + 1}") for i in range(0, 12, 2)]
    pos = layout(ids, edges)
    xs = sorted(x for x, _ in pos.values())
    assert xs[-1] - xs[0] <= WIDTH and len(set(pos.values())) == 12


def test_render_draws_every_node_and_edge_with_labels() -> None:
    html = render(CONCEPTS, RELATIONS, "en", centre="b")
    assert sorted(re.findall(r'data-pick="concept:(\w)"', html)) == ["a", "b", "c", "d", "e"]
    assert html.count('class="kg-edge"') == len(RELATIONS)
    assert ">introduces</text>" in html and ">mitigates</text>" in html
    assert 'class="kg-node kg-centre" data-pick="concept:b"' in html
    assert html.count("kg-legend-item") == 5


def test_two_relations_between_one_pair_are_drawn_apart() -> None:
    html = render(CONCEPTS, RELATIONS, "zh", centre="b")
    paths = re.findall(r'data-ends="(?:a b|b a)"><title>[^<]*</title><path d="([^"]+)"', html)
    assert len(paths) == 2 and paths[0] != paths[1]


def test_overview_labels_only_hubs() -> None:
    many = [Concept(f"n{i}", f"N{i}", "concept") for i in range(40)]
    edges = [Relation("n0", "has_role", f"n{i}") for i in range(1, 40)]
    html = render(many, edges, "en")
    assert "kg-overview" in html and html.count("kg-minor") > 0


def test_all_text_is_escaped() -> None:
    bad = Concept("x", f"X{EVIL}", "problem", zh=(f"叉{EVIL}",), gloss=f"g{EVIL}")
    rel = Relation("x", "causes", "x2", (Evidence(f"d{EVIL}.md", 1, f"because {EVIL}"),))
    html = render([bad, Concept("x2", "Y", "problem")], [rel], "zh", centre="x", caption=EVIL)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_empty_graph_says_what_to_do() -> None:
    assert "Pick a concept" in render([], [], "en")
