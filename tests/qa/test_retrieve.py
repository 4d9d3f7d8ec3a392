"""Retrieval's query side: the Chinese gist an English question is ranked with, and the plain
question that refusal and the related concepts still read."""
from __future__ import annotations

import numpy as np
import pytest

from qa import KnowledgeBase
from qa.retrieve import FEATURES, QUESTION_FEATURES


@pytest.mark.parametrize("question", ["BN层的作用是什么?", "ResNet 为什么能训练很深的网络", "池化 vs 卷积?"])
def test_a_question_with_chinese_in_it_has_no_gist(hash_kb: KnowledgeBase, question: str) -> None:
    retriever = hash_kb.retriever()
    assert retriever.gist(question, retriever.link(question), "why") == ""


@pytest.mark.parametrize(("question", "names"), [
    ("For a KxKxC kernel and a W1xH1xC1 output, how many weights?", ()),  # shapes are maths, not names
    ("swap an NxN kernel for what?", ()),
    ("转置卷积的output_padding参数是干什么用的?", ("output_padding",)),
    ("分割里常用的Dice loss怎么计算?", ("Dice",)),
])
def test_the_unknown_names_refusal_weighs_are_names_not_shapes(hash_kb: KnowledgeBase, question: str,
                                                                names: tuple[str, ...]) -> None:
    retriever = hash_kb.retriever()
    assert retriever.novelty(retriever.without_mentions(question))[1] == names
    unknown = retriever.retrieve(question).features[QUESTION_FEATURES.index("unknown")]
    assert unknown == min(len(names), 2) / 2


@pytest.mark.parametrize(("question", "concept", "linked"), [
    ("what is dropuot for", "dropout", True),            # one swap away: a misspelling
    ("why are learning rates tuned", "gating_mechanism", False),  # "rates" is a word, not "gates" misspelt
    ("why can BN use a biger lerning rate", "learning_rate", True),  # a misspelt word of a two-word name
    ("is grid serach worth it", "grid_search", True),
    ("what does a receptive feild depend on", "receptive_field", True),
    ("how big are receptive fields", "receptive_field", True),  # the last word a plural
    ("how is ResNeXt different", "resnet", False),        # a capital inside: a name, not ResNet misspelt
    ("why does the feild matter", "receptive_field", False),  # one word of a two-word name is no mention
])
def test_a_misspelt_name_links_but_a_known_word_does_not(hash_kb: KnowledgeBase, question: str, concept: str,
                                                         linked: bool) -> None:
    found = hash_kb.retriever().retrieve(question)
    assert (concept in found.linked) is linked
    for c in found.read_as:  # each misspelling is read as the name, written where the question wrote it
        assert question[c.start:c.end] == c.written != c.meant and c.concept in found.linked
    assert not [c for c in found.read_as if c.written.lower() in (c.meant, c.meant + "s")]  # a plural is no misspelling


def test_a_practice_answer_is_spelt_as_meant(hash_kb: KnowledgeBase) -> None:
    retriever = hash_kb.retriever()
    assert retriever.spelt("过你和时, 用dropuot") == "过拟合时, 用dropout"
    assert retriever.spelt("卷积和池化的区别") == "卷积和池化的区别"


@pytest.mark.parametrize(("question", "read"), [
    ("why can BN use a biger lerning rate", [("lerning rate", "learning rate")]),
    ("depthwise seperable conv: upsides?", [("depthwise seperable conv", "depthwise separable conv")]),
    ("过你和了, is a biger lerning rate ok", [("过你和", "过拟合"), ("lerning rate", "learning rate")]),
    ("Batch-normalisation vs layer norm", []),   # the linker reads it as written
    ("how big are receptive fields", []),
])
def test_the_question_is_read_with_its_names_spelt_right(hash_kb: KnowledgeBase, question: str,
                                                         read: list[tuple[str, str]]) -> None:
    assert [(c.written, c.meant) for c in hash_kb.retriever().read_as(question)] == read


@pytest.mark.parametrize(("question", "words"), [
    ("Why does batch normalization help?", ["为什么", "批归一化"]),
    ("what is dropout", ["随机失活"]),
    ("How does the forget gate of an LSTM work?", ["遗忘门"]),
])
def test_an_english_questions_gist_names_its_concepts_in_chinese(hash_kb: KnowledgeBase, question: str, words: list[str]) -> None:
    retriever = hash_kb.retriever()
    found = retriever.retrieve(question)
    gist = retriever.gist(question, found.linked, found.intent)
    names = {hash_kb.graph.concept(c).display_zh for c in found.linked}
    assert names and names <= set(gist.split()) and all(w in gist for w in words[:1])
    assert len(gist.split()) == len(set(gist.split()))  # each word once


@pytest.mark.parametrize("question", ["Why does batch normalization help?", "BN层的作用是什么?", "how do residual connections help"])
def test_refusal_reads_how_well_the_plain_question_matches(hash_kb: KnowledgeBase, question: str) -> None:
    # The gist brings every passage on a named concept nearer, answerable or not: refusal weighs the question itself.
    model, found = hash_kb.model, hash_kb.retrieve(question, 0)
    plain = hash_kb.embed([question])[0]
    assert found.vector is not None and np.allclose(found.vector, plain, atol=1e-5)
    candidates = [h.passage for h in found.hits]
    best_sentence = max(float((model.unit_vectors.rows(model.units_of[p]) @ plain).max()) if model.units_of[p]
                        else float(model.passage_vectors.rows([p])[0] @ plain) for p in candidates)
    q = dict(zip(QUESTION_FEATURES, found.features))
    assert q["cos_sentence"] == pytest.approx(best_sentence, abs=1e-4)
    assert q["cos_passage"] == pytest.approx(float((model.passage_vectors.rows(candidates) @ plain).max()), abs=1e-4)
    ranked = [dict(zip(FEATURES, h.features))["cos_passage"] for h in found.hits]
    if not hash_kb.retriever().gist(question, found.linked, found.intent):  # no gist: the ranker read the same cosines
        assert q["cos_passage"] == pytest.approx(max(ranked), abs=1e-5)


@pytest.mark.parametrize("question", ["Why does batch normalization help?", "BN层的作用是什么?", "what does pooling do"])
def test_the_ranker_reads_the_plain_questions_cosines_beside_the_gisted_ones(hash_kb: KnowledgeBase, question: str) -> None:
    model, found = hash_kb.model, hash_kb.retrieve(question, 0)
    plain = hash_kb.embed([question])[0]
    gisted = bool(hash_kb.retriever().gist(question, found.linked, found.intent))
    rows = [dict(zip(FEATURES, h.features)) for h in found.hits]
    for hit, row in zip(found.hits, rows):
        assert row["plain_passage"] == pytest.approx(float(model.passage_vectors.rows([hit.passage])[0] @ plain), abs=1e-4)
        assert row["plain_heading"] == pytest.approx(float(model.heading_vectors.rows([model.heading_of[hit.passage]])[0] @ plain),
                                                     abs=1e-4)
    same = all(r[f"plain_{c}"] == r[f"cos_{c}"] for r in rows for c in ("passage", "sentence", "heading"))
    assert same != gisted  # one vector without a gist; two with one
    q = dict(zip(QUESTION_FEATURES, found.features))
    assert q["cos_heading"] == pytest.approx(max(r["plain_heading"] for r in rows))


@pytest.mark.slow
@pytest.mark.parametrize(("question", "heading"), [
    ("how come BN allows a larger initial learning rate?", "BN的优缺点"),
    ("Why is local connectivity a good fit for images?", "卷积有什么特点"),
])
def test_the_gist_finds_the_chinese_passage_an_english_question_means(real_kb: KnowledgeBase, question: str, heading: str) -> None:
    assert heading in real_kb.ask(question).sources[0].heading


@pytest.mark.parametrize("junk", ["<b>{}</b>", "{} 🤔🤔", "  {}\n\n", "{} <img src=x onerror=alert(1)>"])
def test_markup_and_emoji_around_an_english_question_leave_its_gist_and_ranking_alone(hash_kb: KnowledgeBase, junk: str) -> None:
    question = "Why does batch normalization help?"
    clean, noisy = hash_kb.ask(question), hash_kb.ask(junk.format(question))
    assert [s.citation for s in noisy.sources] == [s.citation for s in clean.sources] and noisy.confidence == clean.confidence
