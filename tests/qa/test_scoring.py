"""Practice scoring: claims not words, statements not term lists, vague talk and contradictions earn nothing,
one concept name in either language; bands and the zh/en gap hold on the real model."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ingest.linker import Linker
from kg.model import Concept
from qa.scoring import (
    _TIE,
    Rules,
    Scorer,
    Vocabulary,
    _against,
    band,
    claims,
    contradicts,
    remembered,
    score_answer,
    statements,
    terms,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "practice"
CASES, HELD_OUT = DATA / "bands.jsonl", DATA / "bands_heldout.jsonl"
LINKER = Linker([Concept("vg", "vanishing gradient", "problem", zh=("梯度消失",)),
                 Concept("eg", "exploding gradient", "problem", zh=("梯度爆炸",)),
                 Concept("gap", "global average pooling", "technique", zh=("全局平均池化",)),
                 Concept("bn", "BN", "technique", zh=("批归一化",))])


@pytest.mark.parametrize("reference, expected", [
    ("- 加快收敛\n- 防止过拟合。", ["加快收敛", "防止过拟合。"]),
    ("全局平均池化\n\n1. 代替全连接层,降低参数量。", ["代替全连接层,降低参数量。"]),  # a bare term states nothing
    ("- 提供更多的训练数据\n- 批归一化\n- 随便", ["提供更多的训练数据", "批归一化"]),  # a list item naming a concept is one
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


def test_english_sentences_split_at_full_stops_but_not_at_decimals() -> None:
    stated, _ = statements("It speeds up training. It keeps 0.5 of the units.", LINKER)
    assert stated == ["It speeds up training.", "It keeps 0.5 of the units."]


@pytest.mark.parametrize("statement, claim, expected", [
    ("BN会让训练变慢", "加快网络的训练", True),
    ("BN导致梯度消失", "防止梯度消失", True),
    ("Pooling increases the parameters", "减少参数和计算量", True),
    ("BN可以加快收敛", "加快网络的训练", False),
    ("it reduces overfitting", "防止过拟合", False),
    ("反向传播不需要计算梯度", "计算每个神经元的梯度", True),
    ("An RNN cannot model order", "RNN可以对时间序列建模", True),
    ("you can drop dropout", "可以不用dropout", False),  # the claim's negation is said another way
    ("BN should come after the activation", "BN层应该用在激活函数前面", True),
    ("不同大小的卷积核", "采用不同大小的卷积核", False),  # 不同 negates nothing
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


def test_a_vague_statement_earns_nothing_however_close_it_sounds() -> None:
    """The fake embedder calls both statements the same claim; only one is about it."""
    reference = "甲可以加快收敛。"
    rules = Rules(low=0.0, high=0.5, need=1)
    about = score_answer("甲说加快了收敛", reference, linker=LINKER, embed=_embed_by_table, rules=rules)
    vague = score_answer("甲很重要, 可以提升效果", reference, linker=LINKER, embed=_embed_by_table, rules=rules)
    assert about.total == 100 and not about.vague
    assert vague.total == 0 and vague.vague == ("甲很重要", "可以提升效果")


def test_a_concept_named_in_english_is_evidence_for_a_chinese_claim() -> None:
    reference = "全局平均池化可以代替全连接层。"
    rules = Rules(low=0.0, high=0.5, need=1)
    answer = "Global average pooling can replace the last layers."
    # Without the concept the English sentence shares no term with the Chinese claim.
    assert score_answer(answer.replace("Global average pooling", "It"), reference, linker=LINKER,
                        embed=lambda t: np.ones((len(t), 2)), rules=rules).total == 0
    assert score_answer(answer, reference, linker=LINKER, embed=lambda t: np.ones((len(t), 2)), rules=rules).total == 100


def test_a_misspelt_name_in_an_answer_scores_as_if_spelt_right() -> None:
    reference = "批归一化可以缓解梯度消失。"
    plain = Scorer(LINKER, None, lambda t: np.ones((len(t), 2)), np.zeros((0, 2), np.float32), Rules(low=0.0, high=0.5, need=1))
    reading = replace(plain, read=lambda text: text.replace("梯度小时", "梯度消失"))
    typo, spelt = "批归一化能缓解梯度小时", "批归一化能缓解梯度消失"
    assert reading.score(typo, reference) == plain.score(spelt, reference)
    assert plain.score(typo, reference).points[0].named != plain.score(spelt, reference).points[0].named  # it matters


def test_vocabulary_writes_every_mention_in_one_language_and_finds_vague_terms() -> None:
    vocab = Vocabulary.build(None, LINKER, ["可以加快收敛", "可以防止过拟合", "梯度消失"], share=0.5)
    assert vocab.vague == frozenset({"可以"})
    named = Vocabulary({"gap": "全局平均池化", "vg": "梯度消失"})
    assert named.canonical("global average pooling fights vanishing gradient", LINKER) == "全局平均池化 fights 梯度消失"
    assert named.terms("global average pooling", LINKER, drop={"gap"}) == set()
    assert terms("It reduces computation") == {"减少", "降低", "减小", "计算", "算量"}


def test_an_empty_answer_scores_zero() -> None:
    assert score_answer("", "甲可以加快收敛。", linker=LINKER, embed=_embed_by_table).total == 0


def test_rules_formula_is_shown() -> None:
    assert "ramp(z, 1.2, 2.5)" in Rules().formula() and band(60) == "good" and band(19.9) == "poor"


@pytest.fixture(scope="module")
def scorer(real_kb) -> Scorer:
    model = real_kb.model
    return Scorer.build([q.reference for q in model.bank.questions], model.linker, real_kb.graph, real_kb.embed)


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _totals(real_kb, scorer: Scorer, rows: list[dict[str, str]]) -> dict[tuple[str, str, str, str], float]:
    bank = real_kb.model.bank
    out = {}
    for r in rows:
        q = bank.by_section(r["section"])
        out[(r["section"], r["kind"], r["lang"], r["answer"])] = scorer.score(r["answer"], q.reference, q.title, q.concepts).total
    return out


@pytest.mark.slow  # ~3 min on the shared 2-core machine (186 answers and their claims through e5)
def test_labelled_answers_land_in_their_band(real_kb, scorer: Scorer) -> None:
    """Both labelled sets in both languages on the real e5 model; bench/practice.py prints the tables.

    ``bands.jsonl`` is what the rules were tuned on; ``bands_heldout.jsonl`` (11 other questions) was
    scored once, after the rules were frozen, so its figure is the honest one."""
    tuned, held = _rows(CASES), _rows(HELD_OUT)
    assert len(tuned) >= 60 and len(held) >= 60 and {r["lang"] for r in tuned + held} == {"zh", "en"}
    assert not {r["section"] for r in tuned} & {r["section"] for r in held}
    totals = _totals(real_kb, scorer, tuned + held)
    accuracy = {name: sum(band(totals[(r["section"], r["kind"], r["lang"], r["answer"])]) == r["band"] for r in rows) / len(rows)
                for name, rows in (("tuned", tuned), ("held-out", held))}
    assert accuracy["tuned"] >= 0.90  # measured 92/98 = 93.9%
    assert accuracy["held-out"] >= 0.75  # measured 70/88 = 79.5% (wrong answers are the weak spot)
    by_kind = {(s, k, lang): t for (s, k, lang, _), t in totals.items()}
    strong = {(s, lang): t for (s, k, lang), t in by_kind.items() if k == "good"}
    gaps = [abs(t - strong[(s, "en")]) for (s, lang), t in strong.items() if lang == "zh"]
    # measured: mean 1.0 over 25; one gap of 25, where the English answer's "more robust on test data"
    # now reaches a claim ("这样在测试数据上效果更好") through the lexicon that the Chinese answer misses
    assert len(gaps) >= 20 and max(gaps) <= 25 and sum(gaps) / len(gaps) <= 5
    for (s, k, lang, answer), t in totals.items():
        if k == "soup":
            assert t < strong[(s, lang)] / 2, answer
        if k in ("generic", "offtopic", "empty", "echo"):
            # measured: all poor but one held-out generic answer at 25.0 (the RNN question)
            assert t < 30 and t < strong[(s, lang)] / 2, answer



def _vector(text: str) -> list[float]:
    return [float(len(text)), float(ord(text[0]))]


@pytest.mark.parametrize("size", [1, 3, 100])
def test_remembered_embeddings_equal_fresh_ones_and_embed_each_kept_text_once(size: int) -> None:
    calls: list[str] = []

    def embed(texts):
        calls.extend(texts)
        return np.array([_vector(t) for t in texts])

    remember = remembered(embed, size)
    for texts in (["ab", "c"], ["c", "ab", "ddd"], [], ["ddd", "c", "c"]):
        got = remember(texts)
        assert got.shape[0] == len(texts)
        assert not texts or got.tolist() == [_vector(t) for t in texts]
    assert len(calls) == len(set(calls)) or size < 3  # a kept text is never embedded twice
    assert set(calls) == {"ab", "c", "ddd"}


@pytest.mark.parametrize(("z", "wrong"), [
    ((3.0, 1.0), True),                     # nearest says otherwise, the agreeing claim is far
    ((3.0, 3.0 - _TIE / 2), False),         # an agreeing claim about as near: no contradiction
    ((3.0 - _TIE / 2, 3.0), False),         # whichever of the two is a hair nearer
    ((1.0, 0.5), False),                    # about no claim at all (below low)
    ((3.0, 3.0 + 1.0), False),              # nearest agrees
])
def test_a_statement_contradicts_the_notes_only_when_every_nearest_claim_says_otherwise(
        z: tuple[float, float], wrong: bool) -> None:
    claims_ = ["BN可以加快网络的训练", "BN层有两个可学习的参数"]
    assert _against("BN会让训练变慢", claims_, np.array(z), Rules().low) is wrong
