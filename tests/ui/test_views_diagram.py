"""The network drawing: deterministic force layout, no two labels overlap, every element drawn, all text escaped."""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import pytest

from kg.model import Concept, Evidence, Relation
from ui.views.diagram import HEIGHT, WIDTH, Edge, Node, draw, label_box, layout, render, separate

from .conftest import EVIL

CONCEPTS = [Concept(c, c.upper(), kind) for c, kind in
            [("a", "architecture"), ("b", "layer"), ("c", "problem"), ("d", "role"), ("e", "technique")]]
RELATIONS = [Relation("a", "introduces", "b", (Evidence("n.md", 4, "A 引入 B"),)), Relation("b", "solves", "c"),
             Relation("b", "has_role", "d"), Relation("b", "part_of", "a"), Relation("e", "contrasts_with", "d")]


def elements(page: str) -> list[dict]:
    """The cytoscape elements a drawing hands to the browser."""
    [raw] = re.findall(r'data-elements="([^"]*)"', page)
    return json.loads(html.unescape(raw))


def overlaps(pos: dict[str, tuple[float, float]], sizes: dict[str, tuple[float, float]]) -> list[tuple[str, str]]:
    ids = sorted(pos)
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
            if abs(pos[a][0] - pos[b][0]) < (sizes[a][0] + sizes[b][0]) / 2 - 1e-6
            and abs(pos[a][1] - pos[b][1]) < (sizes[a][1] + sizes[b][1]) / 2 - 1e-6]


def test_layout_is_deterministic_and_centred() -> None:
    ids = [c.id for c in CONCEPTS]
    edges = [(r.source, r.target) for r in RELATIONS]
    first, again = layout(ids, edges, centre="b"), layout(ids, edges, centre="b")
    assert first == again and first["b"] == (WIDTH / 2, HEIGHT / 2)
    assert len(set(first.values())) == len(ids)


@pytest.mark.parametrize("nodes", [[], ["solo"], ["x", "y"]])
def test_layout_of_tiny_graphs(nodes: list[str]) -> None:
    assert set(layout(nodes, [])) == set(nodes)


@pytest.mark.parametrize("start", [
    {f"n{i}": (0.0, 0.0) for i in range(12)},                       # everything on one spot
    {f"n{i}": (float(i), 0.0) for i in range(20)},                  # a tight row
    {f"n{i}": (float(i % 5) * 20, float(i // 5) * 5) for i in range(25)},  # a squashed grid
])
def test_separate_leaves_no_two_boxes_overlapping(start: dict[str, tuple[float, float]]) -> None:
    sizes = {n: (40.0 + 7 * (i % 4), 26.0) for i, n in enumerate(sorted(start))}
    out = separate(start, sizes, fixed="n0")
    assert out["n0"] == start["n0"] and not overlaps(out, sizes)


def test_labels_of_a_crowded_star_do_not_collide() -> None:
    hub = Concept("hub", "中心概念", "technique")
    leaves = [Concept(f"l{i}", f"一个相当长的概念名称 {i}", "problem") for i in range(40)]
    page = render([hub, *leaves], [Relation("hub", "solves", c.id) for c in leaves], "zh", centre="hub")
    nodes = [e for e in elements(page) if "source" not in e["data"]]
    pos = {n["data"]["id"]: (n["position"]["x"], n["position"]["y"]) for n in nodes}
    sizes = {n["data"]["id"]: (n["data"]["w"], n["data"]["h"]) for n in nodes}
    assert len(pos) == 41 and not overlaps(pos, sizes)


def test_render_hands_every_node_and_edge_to_the_browser() -> None:
    page = render(CONCEPTS, RELATIONS, "en", centre="b")
    drawn = elements(page)
    nodes = [e["data"] for e in drawn if "source" not in e["data"]]
    edges = [e["data"] for e in drawn if "source" in e["data"]]
    assert sorted(n["id"] for n in nodes) == ["a", "b", "c", "d", "e"]
    assert {n["pick"] for n in nodes} == {f"concept:{c}" for c in "abcde"}
    assert sorted((e["source"], e["target"]) for e in edges) == sorted((r.source, r.target) for r in RELATIONS)
    assert {e["label"] for e in edges} >= {"introduces", "mitigates"}
    assert [e["classes"] for e in drawn if e["data"]["id"] == "b"] == ["centre"]
    assert page.count("kg-legend-item") == 5 + 5  # five kinds, five relation types
    assert sorted(re.findall(r'data-pick="concept:(\w)"', page)) == list("abcde")  # the list view


def test_clicking_an_edge_has_its_evidence_citation_and_rule_ready() -> None:
    @dataclass(frozen=True)
    class Ruled(Relation):
        rule: str = "copula"
        confidence: float = 0.8

    rel = Ruled("a", "introduces", "b", (Evidence("n.md", 4, "A 引入 B"),))
    page = render(CONCEPTS[:2], [rel], "en", centre="a")
    [edge] = [e["data"] for e in elements(page) if "source" in e["data"]]
    [panel] = re.findall(rf'<section data-edge="{edge["id"]}" hidden>(.*?)</section>', page)
    assert "A 引入 B" in panel and "n.md:4" in panel and "copula" in panel and "0.80" in panel
    plain = render(CONCEPTS[:2], [Relation("a", "introduces", "b")], "zh", centre="a")
    assert "未记录" in plain  # a relation from before rules were recorded says so


def test_communities_are_discs_with_a_slice_per_kind() -> None:
    nodes = [Node("x", "X · Y +3", "problem", "community:x", members=5, kinds=(("problem", 3), ("technique", 2))),
             Node("z", "Z", "layer", "community:z", members=2, kinds=(("layer", 2),))]
    page = draw(nodes, [Edge("l0", "x", "z", "", "4", weight=4)], "en", mode="overview")
    x = next(e for e in elements(page) if e["data"]["id"] == "x")
    assert "community" in x["classes"] and x["data"]["p1"] + x["data"]["p2"] == pytest.approx(100)
    assert 'data-pick="community:x"' in page and "kg-overview" in page
    assert label_box(nodes[0])[1] > label_box(nodes[1])[1]  # bigger communities are bigger discs


def test_all_text_is_escaped() -> None:
    bad = Concept("x", f"X{EVIL}", "problem", zh=(f"叉{EVIL}",), gloss=f"g{EVIL}")
    rel = Relation("x", "causes", "x2", (Evidence(f"d{EVIL}.md", 1, f"because {EVIL}"),))
    page = render([bad, Concept("x2", "Y", "problem")], [rel], "zh", centre="x", caption=EVIL)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert any(EVIL in e["data"]["label"] for e in elements(page))  # the canvas draws it as text


def test_empty_graph_says_what_to_do() -> None:
    assert "Pick a concept" in render([], [], "en")
