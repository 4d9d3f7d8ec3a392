"""Practice scoring: claims not words, statements not term lists, contradictions lose, bands hold on the real model."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.linker import Linker
from kg.model import Concept
from qa.scoring import Rules, Scorer, band, claims, contradicts, score_answer, statements

CASES = Path(__file__).resolve().parents[1] / "data" / "practice" / "bands.jsonl"
LINKER = Linker([Concept("vg", "vanishing gradient", "problem", zh=("梯度消失",)),
                 Concept("eg", "exploding gradient", "problem", zh=("梯度爆炸",)),
                 Concept("gap", "global average pooling", "technique", zh=("全局平均池化",)),
                 Concept("bn", "BN", "technique", zh=("批归一化",))])


@pytest.mark.parametrize("reference, expected", [
    ("- 加快收敛\n- 防止过拟合。", ["加快收敛", "防止过拟合。"]),
    ("全局平均池化\n\n1. 代替全连接层,降低参数量。", ["代替全连接层,降低参数量。"]),  # a bare term states nothing
])
def test_claims_are_the_sentences_that_state_something(reference: str, expected: list[str]) -> None:
    found = claims(reference, LINKER)
    assert [c.text for c in found] == expected
    assert all(reference[c.start:c.end] == c.text for c in found)


@pytest.mark.parametrize("answer, stated", [
    ("梯度消失, 梯度爆炸, 收敛, 过拟合", 0),
    ("不变性 平移 旋转 尺度 降维", 0),
    ("vanishing gradient, exploding gradient, convergence", 0),
    ("BN的作用是什么?", 0),
    ("BN可以加快收敛, 防止梯度消失", 2),
    ("It keeps the gradients from vanishing.", 1),
])
def test_term_lists_and_echoes_state_nothing(answer: str, stated: int) -> None:
    assert len(statements(answer, LINKER, question="BN 的作用?")[0]) == stated


@pytest.mark.parametrize("statement, claim, expected", [
    ("BN会让训练变慢", "加快网络的训练", True),
    ("BN导致梯度消失", "防止梯度消失", True),
    ("Pooling increases the parameters", "减少参数和计算量", True),
    ("BN可以加快收敛", "加快网络的训练", False),
    ("it reduces overfitting", "防止过拟合", False),
])
def test_contradiction(statement: str, claim: str, expected: bool) -> None:
    assert contradicts(statement, claim) is expected


def _embed_by_table(texts):  # "same claim" = same first character: a controllable fake embedder
    out = np.zeros((len(texts), 8), dtype=np.float32)
    for i, text in enumerate(texts):
        out[i, ord(text[0]) % 8] = 1.0
    return out


def test_a_statement_covers_one_claim_and_scores_rise_with_coverage() -> None:
    reference = "甲可以加快收敛。乙可以防止过拟合。"
    rules = Rules(low=0.0, high=0.5, floor=0.5, need=2)
    one = score_answer("甲说加快了收敛", reference, linker=LINKER, embed=_embed_by_table, rules=rules)
    both = score_answer("甲说加快了收敛。乙说能防止过拟合", reference, linker=LINKER, embed=_embed_by_table, rules=rules)
    assert one.total == 50 and both.total == 100
    assert [p.verdict for p in one.points] == ["covered", "missed"]


def test_an_empty_answer_scores_zero() -> None:
    assert score_answer("", "甲可以加快收敛。", linker=LINKER, embed=_embed_by_table).total == 0


def test_rules_formula_is_shown() -> None:
    assert "ramp(z, 1.2, 2.5)" in Rules().formula() and band(60) == "good" and band(19.9) == "poor"


@pytest.fixture(scope="module")
def scorer(real_kb) -> Scorer:
    model = real_kb.model
    return Scorer.build([q.reference for q in model.bank.questions], model.linker, real_kb.graph, real_kb.embed)


@pytest.mark.slow  # ~60 s on the shared 2-core machine (66 answers and their claims through e5)
def test_labelled_answers_land_in_their_band(real_kb, scorer: Scorer) -> None:
    """>= 60 labelled cases in both languages; the real e5 model; bench/practice.py prints the table."""
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 60 and {r["lang"] for r in rows} == {"zh", "en"}
    bank = real_kb.model.bank
    totals, right = {}, 0
    for r in rows:
        q = bank.by_section(r["section"])
        total = scorer.score(r["answer"], q.reference, q.title, q.concepts).total
        totals[(r["section"], r["kind"], r["lang"])] = total
        right += band(total) == r["band"]
    assert right / len(rows) >= 0.90  # measured 61/66 = 92.4% (bench/practice.py)
    for (section, kind, lang), total in totals.items():
        if kind == "soup":
            assert total < totals[(section, "good", lang)] / 2
    gaps = [abs(totals[(s, "good", "zh")] - totals[(s, "good", "en")]) for s, k, lang in totals if (k, lang) == ("good", "zh")]
    # measured: mean 4.6, max 29.2 (1x1 conv); not every question is within 15 yet
    assert sum(gaps) / len(gaps) <= 10 and sum(g <= 15 for g in gaps) >= 6
