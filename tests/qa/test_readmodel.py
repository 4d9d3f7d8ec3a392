"""The compiled read model: one tokenizer for passages and questions, determinism, atomic swaps."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from qa import HashEmbedder, KnowledgeBase, compile_model
from qa.readmodel import sentence_units

DATA = Path(__file__).resolve().parents[1] / "data" / "notes"


def test_stored_tokens_equal_what_the_tokenizer_gives_now(hash_kb: KnowledgeBase) -> None:
    model = hash_kb.model
    assert len(model.tokens) == len(model.passages) > 100
    for passage, tokens in zip(model.passages, model.tokens):
        assert list(tokens) == model.tokenizer.tokenize(passage.indexed_text)


@pytest.mark.parametrize("term", ["梯度消失", "过拟合", "感受野"])
def test_domain_terms_are_whole_tokens_on_both_sides(hash_kb: KnowledgeBase, term: str) -> None:
    model = hash_kb.model
    assert term in model.tokenizer.terms and term in model.tokenizer.tokenize(f"{term}是什么")
    assert any(term in tokens for passage, tokens in zip(model.passages, model.tokens) if term in passage.text)


def test_the_tokenizer_leaves_jieba_global_dictionary_alone(hash_kb: KnowledgeBase) -> None:
    import jieba

    assert hash_kb.model.tokenizer.terms
    assert "梯度消失" not in jieba.lcut("梯度消失问题")


def test_compile_is_deterministic(hash_kb: KnowledgeBase) -> None:
    again = compile_model(hash_kb.snapshot, HashEmbedder())
    assert again.fingerprint == hash_kb.model.fingerprint
    assert again.tokens == hash_kb.model.tokens and again.units == hash_kb.model.units


def test_every_sentence_unit_is_verbatim_in_its_passage(hash_kb: KnowledgeBase) -> None:
    model = hash_kb.model
    assert len(model.units) > len(model.passages)
    for unit in model.units:
        assert unit.text in model.passages[unit.passage].text
    assert all(len(u.text) >= 8 for u in sentence_units(model.passages))


def test_heading_and_concept_maps_point_at_real_passages(hash_kb: KnowledgeBase) -> None:
    model = hash_kb.model
    for concept, passages in model.by_concept.items():
        assert all(concept in model.mentions[p] for p in passages)
    for h, passages in enumerate(model.passages_of_heading):
        assert all(model.passages[p].title == model.headings[h] for p in passages)


def test_asks_during_ingest_and_remove_see_one_model_or_the_other(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", embedder=HashEmbedder())
    docs_before = {d.id for d in kb.snapshot.documents}
    allowed = docs_before | {"unseen-detection.txt"}
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                answer = kb.ask("RetinaNet 引入了什么? Focal loss")
                assert {s.doc for s in answer.sources} <= allowed
            except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
                errors.append(exc)
                return

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(2):
        kb.ingest([DATA / "unseen-detection.txt"])
        assert any(s.doc == "unseen-detection.txt" for s in kb.ask("RetinaNet 引入了什么?").sources)
        kb.remove("unseen-detection.txt")
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert {d.id for d in kb.snapshot.documents} == docs_before
