"""Explorer handlers: the search box ranks like one, filters redraw the current view, the overview draws
communities, edges carry evidence, errors are escaped and in the UI's language, the view exports as GraphML."""
from __future__ import annotations

import re

import gradio as gr
import networkx as nx
import pytest

from kg.model import KINDS, RELATIONS
from qa import KnowledgeBase
from ui.views.explorer import best_match, details, focus, overview, picked, show, submitted, typed
from ui.views.i18n import LANGS, kind_name, relation_name

from .test_views_diagram import elements, overlaps

ALL = list(RELATIONS)
EVIL_TYPED = "<b>bold</b><img src=x onerror=alert(9)>"


def _nodes(page: str) -> dict[str, dict]:
    return {e["data"]["id"]: e for e in elements(page) if "source" not in e["data"]}


def _centre(page: str) -> str:
    [centre] = [i for i, e in _nodes(page).items() if e["classes"] == "centre"]
    return centre


def _skipped(value: object) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


@pytest.mark.parametrize(("typed_text", "expected"), [
    ("Transformer", "transformer"),          # the issue: it opened DETR
    ("resnet", "resnet"),                    # it opened Inception-ResNet
    ("relu", "relu"),                        # it opened Dying ReLU
    ("感受野", "receptive_field"),            # it opened 增大感受野
    ("BN层", "batch_normalization"),
    ("batchnorm", "batch_normalization"),
    ("批归一化", "batch_normalization"),
    ("1*1卷积", "conv_1x1"),
    ("ＶＧＧ", "vgg"),
    ("resne", "resnet"),                     # a prefix opens the closest name
])
def test_enter_opens_the_exact_alias_first(hash_kb: KnowledgeBase, typed_text: str, expected: str) -> None:
    assert best_match(hash_kb, typed_text, "en").id == expected
    drawing, _, _, view, _ = submitted(hash_kb, typed_text, None, ALL, 1, KINDS, "zh")
    assert _centre(drawing) == expected and view == ("focus", expected)


def test_typing_an_exact_alias_opens_it_and_a_partial_one_lists_ranked_matches(hash_kb: KnowledgeBase) -> None:
    *drawn, chips = typed(hash_kb, "Transformer", None, ALL, 1, KINDS, "en")
    assert _centre(drawn[0]) == "transformer" and chips == ""
    *drawn, chips = typed(hash_kb, "transf", ("focus", "relu"), ALL, 1, KINDS, "en")
    assert all(_skipped(d) for d in drawn)  # nothing opens until Enter
    picks = re.findall(r'data-pick="concept:([^"]+)"', chips)
    assert picks[0] == "transformer" and len(picks) == len(set(picks)) > 1
    again = typed(hash_kb, "Transformer", ("focus", "transformer"), ALL, 1, KINDS, "en")
    assert all(_skipped(d) for d in again[:4])  # already shown: no second drawing


@pytest.mark.parametrize(("lang", "words"), [("zh", "没有叫"), ("en", "No concept called")])
def test_an_unknown_name_is_an_escaped_toast_in_the_ui_language(hash_kb: KnowledgeBase, lang: str, words: str) -> None:
    with pytest.raises(gr.Error) as caught:
        submitted(hash_kb, EVIL_TYPED, None, ALL, 1, KINDS, lang)
    message = caught.value.message
    assert words in message and "<b>" not in message and "<img" not in message
    assert "&lt;b&gt;bold&lt;/b&gt;&lt;img src=x onerror=alert(9)&gt;" in message


def test_a_misspelling_suggests_near_names(hash_kb: KnowledgeBase) -> None:
    with pytest.raises(gr.Error, match="Did you mean.*Batch Normalization"):
        submitted(hash_kb, "BatchNormalizatoin", None, ALL, 1, KINDS, "en")


def test_clicking_a_match_or_a_community(hash_kb: KnowledgeBase) -> None:
    drawing, _, _, view, _, box = picked(hash_kb, "concept:relu", ALL, 1, KINDS, "en")
    assert _centre(drawing) == "relu" and view == ("focus", "relu") and box == "ReLU"
    drawing, panel, _, view, _, box = picked(hash_kb, "community:batch_normalization", ALL, 1, KINDS, "en")
    assert view == ("community", "batch_normalization") and box == "" and "batch_normalization" in _nodes(drawing)
    assert all(_skipped(u) for u in picked(hash_kb, "javascript:alert(1)", ALL, 1, KINDS, "en"))


def test_filters_redraw_the_current_view(hash_kb: KnowledgeBase) -> None:
    bn = ("focus", "batch_normalization")
    one, two = show(hash_kb, bn, ALL, 1, KINDS, "zh")[0], show(hash_kb, bn, ALL, 2, KINDS, "zh")[0]
    solves = show(hash_kb, bn, ["solves"], 1, KINDS, "zh")[0]
    problems = show(hash_kb, bn, ALL, 1, ["problem"], "zh")[0]
    none = show(hash_kb, bn, [], 1, KINDS, "zh")[0]
    assert set(_nodes(solves)) < set(_nodes(one)) < set(_nodes(two))
    assert {hash_kb.graph.concept(c).kind for c in _nodes(problems)} == {"technique", "problem"}  # centre + problems
    assert set(_nodes(none)) == {"batch_normalization"} and "没有连边" in none
    assert show(hash_kb, ("overview", ""), ALL, 2, ["problem"], "en")[3] == ("overview", "")


def test_depth_two_around_bn_has_no_overlapping_labels(hash_kb: KnowledgeBase) -> None:
    nodes = _nodes(show(hash_kb, ("focus", "batch_normalization"), ALL, 2, KINDS, "zh")[0])
    pos = {i: (e["position"]["x"], e["position"]["y"]) for i, e in nodes.items()}
    sizes = {i: (e["data"]["w"], e["data"]["h"]) for i, e in nodes.items()}
    assert len(nodes) > 30 and not overlaps(pos, sizes)


def test_overview_draws_communities_and_lists_isolated_concepts(hash_kb: KnowledgeBase) -> None:
    drawing, panel = overview(hash_kb, list(KINDS), "en")
    groups = _nodes(drawing)
    communities = re.findall(r'data-pick="community:([^"]+)"', panel)
    assert set(communities) == set(groups) and 3 <= len(groups) < len(hash_kb.graph) / 5
    assert all("community" in e["classes"] for e in groups.values())
    assert "Isolated concepts" in panel and "kg-hubs" in panel
    connected = {end for r in hash_kb.graph.relations() for end in (r.source, r.target)}
    isolated = {c.id for c in hash_kb.graph.concepts()} - connected
    linked = set(re.findall(r'data-pick="concept:([^"]+)"', panel.split("kg-isolated", 1)[1]))
    assert linked == isolated  # every isolated concept is listed, and only those
    architecture, _ = overview(hash_kb, ["architecture"], "en")
    assert {hash_kb.graph.concept(c).kind for c in _nodes(architecture)} == {"architecture"}


def test_the_view_exports_as_graphml_with_evidence(hash_kb: KnowledgeBase) -> None:
    drawing, _, path, _ = show(hash_kb, ("focus", "resnet"), ALL, 1, KINDS, "en")
    g = nx.read_graphml(path)
    assert set(g.nodes) == set(_nodes(drawing))
    assert g.number_of_edges() == len(elements(drawing)) - len(_nodes(drawing))
    assert all(d["evidence"] and re.search(r"\.md:\d+", d["citations"]) for _, _, d in g.edges(data=True))


def test_kind_and_relation_labels_never_coincide() -> None:
    for lang in LANGS:
        assert not {kind_name(lang, k) for k in KINDS} & {relation_name(lang, r) for r in RELATIONS}


@pytest.mark.parametrize("alias", ["BN层", "batchnorm", "批归一化", "Batch Normalization"])
def test_any_alias_opens_the_same_concept_through_the_api(hash_kb: KnowledgeBase, alias: str) -> None:
    drawing, panel = focus(hash_kb, alias, ALL, 1, "zh")
    assert _centre(drawing) == "batch_normalization" and panel.startswith('<div class="kg-details"><h3>批归一化')


def test_details_list_every_relation_with_cited_evidence(hash_kb: KnowledgeBase) -> None:
    concept = hash_kb.graph.resolve("BN")
    panel = details(hash_kb, concept, "en")
    relations = hash_kb.graph.relations_of(concept.id)
    assert f"Relations and evidence ({len(relations)})" in panel
    assert all(f"{r.evidence[0].doc}:{r.evidence[0].line}</code>" in panel for r in relations)
    assert 'data-pick="demo:batchnorm_train_eval"' in panel and "kg-cite" in panel


@pytest.mark.parametrize(("depth", "relations", "message"), [
    ("two", ALL, "not a number"), (9, ALL, "out of range"), (1, ["likes"], "unknown relation")])
def test_bad_arguments_are_friendly_errors(hash_kb: KnowledgeBase, depth: object, relations: list[str],
                                           message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        focus(hash_kb, "BN", relations, depth, "en")


def test_empty_box_changes_nothing(hash_kb: KnowledgeBase) -> None:
    assert all(_skipped(u) for u in submitted(hash_kb, "  ", None, ALL, 1, KINDS, "en")[:4])
    assert all(_skipped(u) for u in typed(hash_kb, "", None, ALL, 1, KINDS, "en")[:4])
    drawing, panel = focus(hash_kb, "", ALL, 1, "en")
    assert "kg-empty" in drawing and panel == ""


def test_everything_from_the_notes_is_escaped(evil_kb) -> None:
    drawing, panel, _, _ = show(evil_kb, ("focus", "other"), ALL, 1, KINDS, "zh")
    for page in (drawing, panel):
        assert "<script>" not in page
    assert "&lt;script&gt;" in drawing and "Other &amp; co" in panel
    panel = details(evil_kb, evil_kb.graph.concept("bad"), "en")
    assert "<script>" not in panel and panel.count("&lt;script&gt;") >= 5


def test_backend_errors_echoing_input_are_escaped_too(hash_kb: KnowledgeBase) -> None:
    with pytest.raises(gr.Error, match="unknown relation") as caught:
        show(hash_kb, ("focus", "batch_normalization"), ["<b>likes</b>"], 1, KINDS, "en")
    assert "<b>" not in caught.value.message and "&lt;b&gt;likes&lt;/b&gt;" in caught.value.message
