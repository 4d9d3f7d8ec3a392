"""The question bank: heading questions plus questions asked from trusted relations, with verbatim evidence."""
from __future__ import annotations

import pytest

from kg.graph import KnowledgeGraph
from kg.model import Concept, Evidence, Relation
from qa.bank import MIN_CONFIDENCE, relation_questions

BN = Concept("bn", "Batch Normalization", "technique", zh=("批归一化",))
VG = Concept("vg", "vanishing gradient", "problem", zh=("梯度消失",))
IS = Concept("ics", "internal covariate shift", "problem")
SIG = Concept("sig", "sigmoid", "technique")


def graph(confidence: float) -> KnowledgeGraph:
    ev = lambda text, line: (Evidence("n.md", line, text),)  # noqa: E731
    return KnowledgeGraph.from_parts([BN, VG, IS, SIG], [
        Relation("bn", "solves", "vg", ev("BN防止梯度消失。", 3), "solve-verb", confidence),
        Relation("bn", "solves", "ics", ev("BN减少内部协变量偏移。", 4), "solve-verb", confidence),
        Relation("sig", "causes", "vg", ev("sigmoid 饱和导致梯度消失。", 7), "cause-verb", confidence),
        Relation("bn", "contrasts_with", "sig", ev("BN和sigmoid的区别", 9), "contrast-pair", 0.5),
    ])


def test_trusted_relations_become_bilingual_questions_with_their_evidence() -> None:
    qs = {q.section: q for q in relation_questions(graph(0.9))}
    assert set(qs) == {"rel:bn:solves:", "rel:sig:causes:vg"}  # the 0.5 contrast is not trusted
    solves = qs["rel:bn:solves:"]
    assert solves.title == "批归一化 解决了什么问题?" and solves.asked("en") == "What problem does Batch Normalization solve?"
    assert solves.reference.splitlines() == ["BN防止梯度消失。", "BN减少内部协变量偏移。"]  # one question, every problem
    assert qs["rel:sig:causes:vg"].asked("en") == "Why does sigmoid cause vanishing gradient?"
    assert qs["rel:sig:causes:vg"].concepts == ("sig", "vg") and (solves.doc, solves.start_line) == ("n.md", 3)


@pytest.mark.parametrize("confidence, expected", [(MIN_CONFIDENCE - 0.01, 0), (MIN_CONFIDENCE, 2)])
def test_only_high_confidence_rules(confidence: float, expected: int) -> None:
    assert len(relation_questions(graph(confidence))) == expected


def test_bundled_bank_has_relation_questions_whose_evidence_is_in_the_notes(hash_kb) -> None:
    bank = hash_kb.model.bank
    rel = [q for q in bank.questions if q.section.startswith("rel:")]
    assert len(rel) >= 20 and len(bank.questions) >= 44 + len(rel)
    lines = {(d.id, i + 1): line for d in hash_kb.snapshot.documents for i, line in enumerate(d.text.splitlines())}
    for q in rel:
        assert q.title_en and q.reference.strip()
        assert q.reference.splitlines()[0].strip() in lines[(q.doc, q.start_line)]  # cited verbatim
    related = bank.related(rel[0])
    assert all(set(q.concepts) for q in related) and rel[0] not in related
