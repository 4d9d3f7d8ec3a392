"""Precision and recall of the bundled graph against our labelled relation sets (issue 9).

``positive.jsonl`` holds relations the notes state; ``negative.jsonl`` holds wrong ones a
careless extractor produces (most were in the graph before issue 9). ``sample_labels.jsonl``
is a seeded random sample of 50 edges of the bundled graph, each read and labelled by hand.
Run with ``-s`` to see the per-relation report; ``bench/relations.py`` prints the same table.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.audit import holds, load_labels, report, score
from ingest.pipeline import build, bundled_catalogue, bundled_notes
from kg.store import Snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "relations"
POSITIVE = load_labels(DATA / "positive.jsonl")
NEGATIVE = load_labels(DATA / "negative.jsonl")
TYPES = sorted({label["relation"][0] for label in POSITIVE + NEGATIVE})


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    notes = bundled_notes()
    return build(notes, bundled_catalogue(), bundled=[n.id for n in notes])


def test_the_sets_are_big_enough_and_disjoint() -> None:
    assert len(POSITIVE) >= 150 and len(NEGATIVE) >= 80
    key = lambda label: (label["source"][0], label["relation"][0], label["target"][0])  # noqa: E731
    assert not {key(p) for p in POSITIVE} & {key(n) for n in NEGATIVE}


def test_every_label_names_concepts_of_the_graph(snapshot: Snapshot) -> None:
    # A label whose names match nothing could never fail, so it would measure nothing.
    for label in POSITIVE + NEGATIVE:
        for side in ("source", "target"):
            assert any(snapshot.graph.find(name) for name in label[side]), (side, label)


@pytest.mark.parametrize("relation", TYPES)
def test_precision_and_recall_per_relation(snapshot: Snapshot, relation: str) -> None:
    held, total = score(snapshot.graph, [p for p in POSITIVE if p["relation"][0] == relation]).get(relation, (0, 0))
    present, bad = score(snapshot.graph, [n for n in NEGATIVE if n["relation"][0] == relation]).get(relation, (0, 0))
    assert total == 0 or held / total >= 0.85, f"{relation}: recall {held}/{total}"
    assert bad == 0 or (bad - present) / bad >= 0.75, f"{relation}: {present} of {bad} known errors present"


def test_overall_precision_and_recall(snapshot: Snapshot) -> None:
    positives, negatives = score(snapshot.graph, POSITIVE), score(snapshot.graph, NEGATIVE)
    print("\n" + report(positives, negatives))
    held, total = positives["all"]
    present, bad = negatives["all"]
    assert held / total >= 0.9 and (bad - present) / bad >= 0.9


def test_issue_9_listed_facts_hold_and_listed_errors_do_not(snapshot: Snapshot) -> None:
    facts = [("Network in Network", "introduces", "1x1 Convolution"), ("Network in Network", "introduces", "全局平均池化"),
             ("AlexNet", "introduces", "分组卷积"), ("Tanh", "causes", "梯度消失"), ("RMSProp", "improves_on", "AdaGrad"),
             ("He initialization", "improves_on", "Xavier"), ("MobileNet", "introduces", "宽度因子"),
             ("Depthwise Convolution", "variant_of", "分组卷积")]
    errors = [("Sigmoid", "solves", "梯度消失"), ("LSTM", "causes", "梯度消失"), ("CNN", "introduces", "L2正则化"),
              ("全连接层", "solves", "过拟合"), ("GoogLeNet", "introduces", "BN"), ("MobileNet", "improves_on", "宽度因子"),
              ("全局最大池化", "part_of", "全局平均池化"), ("ZFNet", "introduces", "dense connection"),
              ("GAN", "solves", "稀疏梯度"), ("深度可分离卷积", "variant_of", "深度神经网络")]
    label = lambda s, r, t: {"source": [s], "relation": [r], "target": [t]}  # noqa: E731
    assert [f for f in facts if not holds(snapshot.graph, label(*f))] == []
    assert [e for e in errors if holds(snapshot.graph, label(*e))] == []


@pytest.mark.parametrize("name", ["sample_labels.jsonl", "sample_labels_2026.jsonl"])
def test_hand_labelled_sample_is_at_least_90_percent_correct(snapshot: Snapshot, name: str) -> None:
    sample = load_labels(DATA / name)
    assert len(sample) == 50 and len({json.dumps(s["edge"]) for s in sample}) == 50
    correct = [s for s in sample if s["label"] == "correct"]
    assert len(correct) / len(sample) >= 0.9
    # The graph may grow; the edges judged correct should stay.
    kept = [s for s in correct if holds(snapshot.graph, {"source": [s["edge"][0]], "relation": [s["edge"][1]],
                                                          "target": [s["edge"][2]]})]
    assert len(kept) >= 0.9 * len(correct)
