"""Explorer handlers: any alias finds the concept; the drawing and the details carry evidence and escape everything."""
from __future__ import annotations

import re

import gradio as gr
import pytest

from kg.model import KINDS, RELATIONS
from qa import KnowledgeBase
from ui.views.explorer import concept_choices, details, focus, overview, refresh

from .conftest import EVIL

ALL = list(RELATIONS)


def _picks(html: str) -> set[str]:
    return set(re.findall(r'data-pick="concept:([^"]+)"', html))


@pytest.mark.parametrize("alias", ["BN层", "batchnorm", "批归一化", "Batch Normalization"])
def test_any_alias_opens_the_same_concept(hash_kb: KnowledgeBase, alias: str) -> None:
    drawing, panel = focus(hash_kb, alias, ALL, 1, "zh")
    assert 'class="kg-node kg-centre" data-pick="concept:batch_normalization"' in drawing
    assert panel.startswith('<div class="kg-details"><h3>批归一化')


def test_choices_hold_names_and_aliases(hash_kb: KnowledgeBase) -> None:
    choices = concept_choices(hash_kb)
    assert {"BN层", "Batch Normalization", "1x1卷积", "ResNet"} <= set(choices)
    assert len(choices) == len(set(choices))


def test_details_list_every_relation_with_cited_evidence(hash_kb: KnowledgeBase) -> None:
    concept = hash_kb.graph.resolve("BN")
    panel = details(hash_kb, concept, "en")
    relations = hash_kb.graph.relations_of(concept.id)
    assert f"Relations and evidence ({len(relations)})" in panel
    for rel in relations:
        ev = rel.evidence[0]
        assert f'{ev.doc}:{ev.line}</code>' in panel
    assert 'data-pick="demo:batchnorm_train_eval"' in panel
    assert "Sections that discuss it" in panel and "kg-cite" in panel


def test_neighbours_are_clickable_and_edges_labelled(hash_kb: KnowledgeBase) -> None:
    drawing, panel = focus(hash_kb, "ResNet", ALL, 1, "en")
    neighbours = {r.target if r.source == "resnet" else r.source for r in hash_kb.graph.relations_of("resnet")}
    assert neighbours <= _picks(drawing) and neighbours <= _picks(panel)
    assert drawing.count('class="kg-edge"') == len(hash_kb.graph.relations_of("resnet"))
    assert ">introduces</text>" in drawing


def test_relation_filter_and_depth(hash_kb: KnowledgeBase) -> None:
    one, _ = focus(hash_kb, "BN", ALL, 1, "zh")
    two, _ = focus(hash_kb, "BN", ALL, 2, "zh")
    solves, _ = focus(hash_kb, "BN", ["solves"], 1, "zh")
    none, _ = focus(hash_kb, "BN", [], 1, "zh")
    assert _picks(solves) < _picks(one) < _picks(two)
    assert _picks(none) == {"batch_normalization"} and "没有连边" in none


@pytest.mark.parametrize("depth, message", [("two", "not a number"), (9, "out of range")])
def test_bad_depth_is_a_friendly_error(hash_kb: KnowledgeBase, depth: object, message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        focus(hash_kb, "BN", ALL, depth, "en")


def test_unknown_relation_type_is_a_friendly_error(hash_kb: KnowledgeBase) -> None:
    with pytest.raises(gr.Error, match="unknown relation"):
        focus(hash_kb, "BN", ["likes"], 1, "en")


def test_unknown_concept_is_a_friendly_error_with_suggestions(hash_kb: KnowledgeBase) -> None:
    with pytest.raises(gr.Error, match="did you mean"):
        focus(hash_kb, "BatchNormalisatio", ALL, 1, "en")


def test_empty_name_shows_the_placeholder_and_refresh_keeps_the_view(hash_kb: KnowledgeBase) -> None:
    drawing, panel = focus(hash_kb, "", ALL, 1, "en")
    assert "kg-empty" in drawing and panel == ""
    assert all(isinstance(u, dict) and u.get("__type__") == "update" for u in refresh(hash_kb, None, ALL, 1, "en"))
    assert refresh(hash_kb, "BN", ALL, 1, "en") == focus(hash_kb, "BN", ALL, 1, "en")


def test_overview_filters_by_kind(hash_kb: KnowledgeBase) -> None:
    everything, hubs = overview(hash_kb, list(KINDS), "en")
    problems_and_techniques, _ = overview(hash_kb, ["problem", "technique"], "en")
    kinds = {hash_kb.graph.concept(c).kind for c in _picks(problems_and_techniques)}
    assert kinds <= {"problem", "technique"} and _picks(problems_and_techniques) < _picks(everything)
    assert "isolated concepts not drawn" in everything
    assert "Best-connected concepts" in hubs and len(_picks(hubs)) == 15


def test_everything_from_the_notes_is_escaped(evil_kb) -> None:
    drawing, panel = focus(evil_kb, "Other & co", ALL, 1, "zh")
    for html in (drawing, panel):
        assert "<script>" not in html
    assert "&lt;script&gt;" in panel and "Other &amp; co" in drawing
    panel = details(evil_kb, evil_kb.graph.concept("bad"), "en")
    assert "<script>" not in panel and panel.count("&lt;script&gt;") >= 5
