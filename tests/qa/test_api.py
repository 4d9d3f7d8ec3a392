"""The KnowledgeBase facade as the acceptance checks call it (fast: HashEmbedder)."""
from __future__ import annotations

import json
import weakref
from pathlib import Path

import pytest

from kg.errors import InputError, NotFoundError
from qa import Answer, HashEmbedder, KnowledgeBase
from qa.api import MAX_QUESTION_CHARS, clean_question
from qa.demos import get_demo, list_demos

DATA = Path(__file__).resolve().parents[1] / "data" / "notes"


def _verbatim(kb: KnowledgeBase, answer: Answer) -> None:
    lines = {d.id: d.text.split("\n") for d in kb.snapshot.documents}
    for source in answer.sources:
        assert len(source.text) <= 600
        assert source.text in "\n".join(lines[source.doc][source.start_line - 1 : source.end_line])


@pytest.mark.parametrize("question", ["BN层的作用是什么?", "What does 1x1 convolution do?", "Why does ResNet train deeper networks?"])
def test_answers_cite_verbatim_passages(hash_kb: KnowledgeBase, question: str) -> None:
    answer = hash_kb.ask(question)
    assert not answer.refused
    assert 1 <= len(answer.sources) <= 5
    _verbatim(hash_kb, answer)
    assert answer.sources[0].citation in answer.markdown
    assert answer.concepts and answer.followups
    json.dumps(answer.to_dict(), ensure_ascii=False)


def test_k_limits_sources(hash_kb: KnowledgeBase) -> None:
    assert len(hash_kb.ask("池化层的作用?", k=2).sources) <= 2
    with pytest.raises(InputError, match="1..20"):
        hash_kb.ask("池化层的作用?", k=0)


def test_english_question_gets_english_framing(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("What is dilated convolution used for?")
    assert answer.lang == "en" and answer.markdown.startswith("**Answer**")
    assert hash_kb.ask("空洞卷积的作用?").markdown.startswith("**回答**")


def test_graph_facts_carry_evidence(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("LSTM 为什么能缓解梯度消失?")
    assert any(f.relation == "solves" and f.source == "lstm" for f in answer.relations)
    assert all(f.evidence for f in answer.relations)
    assert "—" in answer.markdown


@pytest.mark.slow
@pytest.mark.parametrize("question", ["今天天气怎么样?", "红烧肉怎么做才好吃?"])
def test_off_topic_questions_are_refused_with_nearest_topics(real_kb: KnowledgeBase, question: str) -> None:
    answer = real_kb.ask(question)
    assert answer.refused and not answer.sources
    assert "笔记里没有" in answer.markdown


@pytest.mark.parametrize("question", ["hi", "ok", "test test 123", "thanks!", "what is it?", "你好", "在吗?", "嗯嗯 好的"])
def test_vague_questions_are_refused_with_topics_to_ask_about(hash_kb: KnowledgeBase, question: str) -> None:
    answer = hash_kb.ask(question)
    assert answer.refused and not answer.sources
    assert len(answer.nearest) == 5 and answer.nearest[0] in answer.markdown


@pytest.mark.parametrize("question", ["BN?", "dropout", "为什么要归一化", "梯度消失"])
def test_terse_questions_that_name_a_topic_are_answered(hash_kb: KnowledgeBase, question: str) -> None:
    assert not hash_kb.ask(question).refused


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n\t", "empty"), ("\x00\x01", "empty"), ("问" * (MAX_QUESTION_CHARS + 1), "characters long"),
     ("x" * 100_000, "under"), (None, "text"), ("😀😀😀", "without words"), ("<img src=x onerror=alert(1)>", "without words")],
)
def test_bad_questions_get_clear_errors(hash_kb: KnowledgeBase, question, message: str) -> None:
    with pytest.raises(InputError, match=message):
        hash_kb.ask(question)


@pytest.mark.parametrize(
    "question",
    ["<script>alert(1)</script>BN层的作用?", "BN层的作用?🤔🔥", "**BN** [x](javascript:alert(1)) 的作用", "BN\u202e层的作用?"],
)
def test_hostile_questions_are_answered_safely(hash_kb: KnowledgeBase, question: str) -> None:
    answer = hash_kb.ask(question)
    assert "<script" not in answer.markdown and "](javascript" not in answer.markdown


def test_clean_question_strips_controls() -> None:
    assert clean_question(" a\u200bb\x07 ") == "ab"


@pytest.mark.parametrize("demo_id", [d.id for d in list_demos()])
def test_every_demo_is_reachable_by_asking_about_its_concept(hash_kb: KnowledgeBase, demo_id: str) -> None:
    concept = hash_kb.graph.concept(get_demo(demo_id).concepts[0])
    answer = hash_kb.ask(f"{concept.display_zh}是什么?")
    assert demo_id in answer.demos


def test_demos_are_linked_to_answer_concepts(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("BN层在训练和测试时有什么不同?")
    assert "batchnorm_train_eval" in answer.demos
    result = hash_kb.run_demo("batchnorm_train_eval")
    assert result.metrics


def test_ingest_and_remove_through_the_facade(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", embedder=HashEmbedder())
    before = kb.graph.stats()
    kb.ingest([DATA / "unseen-detection.txt"])
    answer = kb.ask("RetinaNet 引入了什么?")
    assert any(s.doc == "unseen-detection.txt" for s in answer.sources)
    kb.remove("unseen-detection.txt")
    assert kb.graph.stats() == before
    with pytest.raises(NotFoundError):
        kb.remove("unseen-detection.txt")
    reopened = KnowledgeBase.open(tmp_path / "kb", embedder=HashEmbedder())
    assert reopened.graph.stats() == before


def test_models_replaced_by_ingests_and_removes_are_freed(tmp_path: Path) -> None:
    # A model is settled (frozen out of the collector, kg.collector) and its graph is a cycle, so
    # only the reclaim after each swap frees it: a server ingesting all day must not keep them all.
    kb = KnowledgeBase.open(tmp_path / "kb", embedder=HashEmbedder())
    replaced = []
    for _ in range(3):
        replaced.append(weakref.ref(kb.model.snapshot.graph.nx))
        kb.ingest([DATA / "unseen-detection.txt"])
        assert not kb.ask("RetinaNet 引入了什么?").refused
        replaced.append(weakref.ref(kb.model.snapshot.graph.nx))
        kb.remove("unseen-detection.txt")
    kb.wait_saved()  # a reclaim asked for while an image was saving happens when the save ends
    assert [r() for r in replaced] == [None] * len(replaced)


def test_a_new_model_uses_the_last_tokenizer_again_while_its_terms_are_the_same(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", embedder=HashEmbedder())
    first = kb.model.tokenizer
    note = tmp_path / "plain.md"
    note.write_text("# 笔记\n\n## 随便说说\n\n这一段没有新的术语, 只有已有的卷积。\n", encoding="utf-8")
    kb.ingest([note])
    assert kb.model.tokenizer is first  # no new Chinese term: the same tokenizer (and its 56 MB dictionary)
    kb.ingest([DATA / "unseen-detection.txt"])  # it names a Chinese term the notes lacked: a new tokenizer
    assert kb.model.tokenizer.terms != first.terms and kb.model.tokenizer is not first
    assert all(t == tuple(kb.model.tokenizer.tokenize(p.indexed_text)) for p, t in zip(kb.model.passages, kb.model.tokens))


def test_each_model_keeps_its_own_vector_cache(tmp_path: Path) -> None:
    small = KnowledgeBase.open(tmp_path, embedder=HashEmbedder(dim=64))
    assert (tmp_path / "index" / "hash-64.npz").exists() and small.model.model_id == "hash-64"
    other = KnowledgeBase.open(tmp_path, embedder=HashEmbedder(dim=32))
    assert (tmp_path / "index" / "hash-32.npz").exists() and other.model.fingerprint != small.model.fingerprint
    small.wait_saved()  # their images are written in the background; atomically, so no temporary file stays
    other.wait_saved()
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.endswith(".tmp")]


def test_damaged_vector_cache_is_rebuilt(tmp_path: Path) -> None:
    KnowledgeBase.open(tmp_path, embedder=HashEmbedder())
    (tmp_path / "index" / "hash-256.npz").write_bytes(b"garbage")
    kb = KnowledgeBase.open(tmp_path, embedder=HashEmbedder())
    assert not kb.ask("BN层的作用是什么?").refused


@pytest.mark.parametrize("junk", ["<img src=x onerror=alert(1)>", "🙏🙏🔥", "<b></b>", "[](http://x.org)", "&nbsp;", "**", "```"])
def test_markup_around_a_question_changes_nothing(hash_kb: KnowledgeBase, junk: str) -> None:
    plain = hash_kb.ask("BN层的作用是什么?")
    dressed = hash_kb.ask(f"BN层的作用是什么? {junk}")
    assert dressed.confidence == plain.confidence and [s.citation for s in dressed.sources] == [s.citation for s in plain.sources]


@pytest.mark.parametrize("question", ["今天天气怎么样?", "红烧肉怎么做才好吃?", "What is the capital of France?"])
def test_nearest_topics_are_concept_names(hash_kb: KnowledgeBase, question: str) -> None:
    names = {n for c in hash_kb.graph.concepts() for n in (c.name, c.display_zh)}
    assert set(hash_kb.ask(question).nearest) <= names


def test_a_follow_up_never_repeats_the_question_or_earlier_ones(hash_kb: KnowledgeBase) -> None:
    first = hash_kb.ask("为什么ResNet能训练很深的网络")
    assert first.followups
    follow = first.followups[0]
    second = hash_kb.ask(follow, asked=[first.question])
    assert follow not in second.followups and first.question not in second.followups


def test_no_passage_is_shown_twice(hash_kb: KnowledgeBase) -> None:
    for question in ("BN层的作用是什么?", "What is dropout?", "池化"):
        texts = [s.text for s in hash_kb.ask(question, k=10).sources]
        assert not any(a in b for i, a in enumerate(texts) for j, b in enumerate(texts) if i != j)


@pytest.mark.parametrize(("traditional", "simple"), [("批次正規化的作用", "批次正规化的作用"), ("卷積核大小怎麼選?", "卷积核大小怎么选?")])
def test_traditional_questions_are_retrieved_as_simplified(hash_kb: KnowledgeBase, traditional: str, simple: str) -> None:
    answer = hash_kb.ask(traditional)
    assert answer.question == traditional  # shown as typed
    assert [s.citation for s in answer.sources] == [s.citation for s in hash_kb.ask(simple).sources]
