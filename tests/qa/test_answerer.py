"""The answer path over one compiled read model: the facade's answers are the answerer's, and an
answer comes from the model it is given (what lets the facade swap models under concurrent asks,
and the benches answer over a model with no store behind it)."""
from __future__ import annotations

from pathlib import Path

import pytest

from qa import HashEmbedder, KnowledgeBase
from qa.answerer import closeness, question_lang, simplified
from qa.api import clean_question
from qa.compose import brief, escape_markdown, sentences

DATA = Path(__file__).resolve().parents[1] / "data" / "notes"


@pytest.mark.parametrize("question", ["BN层的作用是什么?", "why does resnet use shortcuts", "池化 <b>层</b>?", "hi"])
def test_the_facade_answers_exactly_as_its_answerer(hash_kb: KnowledgeBase, question: str) -> None:
    direct = hash_kb.answerer.ask(hash_kb.model, clean_question(question), 3, ("earlier?",))
    assert hash_kb.ask(question, 3, ("earlier?",)) == direct


def test_a_refusing_answerer_refuses_with_real_topics(refusing_kb: KnowledgeBase) -> None:
    answer = refusing_kb.answerer.ask(refusing_kb.model, "BN层的作用是什么?")
    assert answer.refused and answer.confidence == "refused" and not answer.sources and answer.nearest


def test_an_answer_comes_from_the_model_it_is_given(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", embedder=HashEmbedder())
    before = kb.model
    kb.ingest([DATA / "unseen-detection.txt"])
    question = "RetinaNet 引入了什么?"
    assert any(s.doc == "unseen-detection.txt" for s in kb.answerer.ask(kb.model, question).sources)
    assert all(s.doc != "unseen-detection.txt" for s in kb.answerer.ask(before, question).sources)


@pytest.mark.parametrize("question", ["BN层的作用是什么?", "why does resnet use shortcuts", "池化层有什么用"])
def test_every_cited_statement_with_a_sentence_vector_gets_its_closeness(hash_kb: KnowledgeBase, question: str) -> None:
    model = hash_kb.model
    answer, vector = hash_kb.ask(question), hash_kb.retrieve(question).vector
    assert vector is not None and answer.sources
    for source in answer.sources:
        passage = next(i for i, p in enumerate(model.passages) if (p.doc, p.start_line, p.end_line) == (source.doc, source.start_line, source.end_line))
        units = [model.units[u].text for u in model.units_of[passage]]
        assert source.closeness == closeness(model, passage, vector)
        assert set(source.closeness) <= set(sentences(source.text))  # only statements a short answer can pick
        for statement, cosine in source.closeness.items():
            assert any(statement in u or u in statement for u in units) and -1.0 <= cosine <= 1.0
        exact = [s for s in sentences(source.text) if s in units]
        assert set(exact) <= set(source.closeness)


def test_without_a_question_vector_nothing_is_close(hash_kb: KnowledgeBase) -> None:
    assert closeness(hash_kb.model, 0, None) == {}


@pytest.mark.parametrize(("text", "lang"), [("BN层?", "zh"), ("BN vs LN?", "en"), ("123?", "zh"), ("ResNet 的残差", "zh")])
def test_the_answer_language_is_the_questions(text: str, lang: str) -> None:
    assert question_lang(text) == lang


@pytest.mark.parametrize(("text", "simple"), [("批次正規化", "批次正规化"), ("卷積核", "卷积核"), ("ReLU", "ReLU")])
def test_questions_are_read_in_simplified_characters(text: str, simple: str) -> None:
    assert simplified(text) == simple


@pytest.mark.slow
@pytest.mark.parametrize("question", ["为啥要用残差", "批标准化到底有啥用", "RNN的原理是什么?", "the trick that randomly switches off neurons?",
                                      "网络是不是越深效果越好?", "MobileNet适合用在什么场景"])
def test_an_answers_concepts_are_named_by_the_question_or_its_best_passage(real_kb: KnowledgeBase, question: str) -> None:
    # e5 finds concept names near any short question; only those the best passage names are the answer's.
    model, found = real_kb.model, real_kb.retrieve(question)
    answer = real_kb.ask(question)
    assert not answer.refused
    best = next(i for i, p in enumerate(model.passages)
                if (p.doc, p.start_line, p.end_line) == (answer.sources[0].doc, answer.sources[0].start_line, answer.sources[0].end_line))
    named = set(found.linked) | set(model.mentions[best]) | set(model.heading_concepts.get(model.passages[best].section, ()))
    assert {c.id for c in answer.concepts} <= named
    if question == "为啥要用残差":
        assert "reduce_computation" not in {c.id for c in answer.concepts}  # the pooling passage's, not the question's


@pytest.mark.slow
@pytest.mark.parametrize(("question", "snippet"), [
    ("What is the Lipschitz condition?", "条件限制了函数变化的剧烈程度"),
    ("批大小是什么意思", "中文翻译为批大小"),
    ("AdaGrad为啥适合稀疏数据", "稀疏梯度"),
    ("DSC分哪两步", "两个步骤"),
])
def test_the_short_answer_opens_with_the_sentence_meaning_what_was_asked(real_kb: KnowledgeBase, question: str, snippet: str) -> None:
    # By names and cue words alone each opened with another sentence of the same passage.
    answer = real_kb.ask(question)
    assert snippet in brief(answer, real_kb.graph)[0]


@pytest.mark.parametrize(("question", "unmentioned"), [
    ("ResNet-50 一共有多少个参数?", ("ResNet-50",)), ("YOLOv8和RoIAlign是什么", ("YOLOv8", "RoIAlign")),
    ("BN层的作用是什么?", ()), ("What does 1x1 convolution do?", ()),
    # what the notes may well write: a value after a concept, a shape, a known word with a number
    ("transposed conv with stride 2 and no padding: output size?", ()), ("swap an NxN kernel for what?", ()),
    ("Adam的beta2默认是多少?", ()),
    # a code name or a name right after Chinese text, but not maths (o_i) or a code name the notes write
    ("转置卷积的output_padding参数是干什么用的?", ("output_padding",)), ("分割里常用的Dice loss怎么计算?", ("Dice",)),
    ("MSE损失对输出o_i的偏导是啥", ()), ("conv3x3_bn_relu里有什么?", ())])
def test_an_answer_or_refusal_names_what_the_notes_never_write(hash_kb: KnowledgeBase, question: str,
                                                                unmentioned: tuple[str, ...]) -> None:
    answer = hash_kb.ask(question)
    assert answer.unmentioned == unmentioned and answer.to_dict()["unmentioned"] == unmentioned
    assert all(escape_markdown(name) in answer.markdown for name in unmentioned)



@pytest.mark.parametrize(("question", "heading"), [("GAN训练有哪些技巧?", "【六】有哪些提高GAN训练稳定性的Tricks?"),
                                                 ("有哪些经典的优化器?", "【五】深度学习中有哪些经典的优化器?"),
                                                 ("过拟合了怎么办", None),   # its section is a glossary
                                                 ("BN层的作用是什么?", None)])
def test_a_question_asking_for_a_list_gets_the_whole_list_its_section_gives(real_kb: KnowledgeBase, question: str,
                                                                         heading: str | None) -> None:
    answer = real_kb.ask(question)
    assert (answer.outline.heading if answer.outline else None) == heading
    if answer.outline:
        cited = {s.heading.split(" > ")[-1] for s in answer.sources if s.heading.startswith(heading + " > ")}
        assert len(answer.outline.items) >= 4 and cited <= set(answer.outline.items)
        assert escape_markdown(heading) in answer.markdown


@pytest.mark.parametrize(("question", "one_sided"), [("LN vs BN?", ("layer_normalization",)),
                                                     ("LN和BN有什么区别", ("layer_normalization",)),
                                                     ("LayerNorm的作用是什么?", ("layer_normalization",)),
                                                     ("How does Nadam combine Nesterov momentum with Adam?", ("nadam",)),
                                                     ("GRU和LSTM的区别?", ()), ("BN的作用?", ())])
def test_an_answer_says_which_concept_asked_about_the_notes_only_list(hash_kb: KnowledgeBase, question: str,
                                                                       one_sided: tuple[str, ...]) -> None:
    # The notes explain BN at length but only list Layer Normalization among the norms, and Nadam
    # among the optimizers: an answer from them is a possible match, never a plain answer.
    answer = hash_kb.ask(question)
    assert answer.unexplained == one_sided
    assert (answer.confidence == "low") == bool(one_sided)
    notices = answer.markdown.split("**")[0]  # what stands above the answer itself
    for concept in (hash_kb.graph.concept(c) for c in one_sided):
        assert (concept.display_zh if answer.lang == "zh" else concept.name) in notices
    assert ("引用的段落没有讲到" in notices or "None of the cited passages explains" in notices) == bool(one_sided)


@pytest.mark.parametrize("refuses", [False, True])
def test_a_name_typed_by_sound_wrongly_is_answered_as_meant_and_says_how_it_was_read(
        hash_kb: KnowledgeBase, refusing_kb: KnowledgeBase, refuses: bool) -> None:
    kb = refusing_kb if refuses else hash_kb
    answer = kb.ask("过你和了除了加数据还能咋办")
    assert answer.read_as == (("过你和", "过拟合"),) and answer.question == "过你和了除了加数据还能咋办"
    assert answer.refused == refuses and "按此理解: 过你和 → 过拟合" in answer.markdown
    assert answer.to_dict()["read_as"] == (("过你和", "过拟合"),)
    if not refuses:
        assert "overfitting" in [c.id for c in answer.concepts]
        assert answer == kb.ask("过你和了除了加数据还能咋办")  # the same reading every time
    assert kb.ask("过拟合了除了加数据还能咋办").read_as == ()


def test_a_misspelt_english_name_is_read_as_meant_in_the_readers_words(hash_kb: KnowledgeBase) -> None:
    answer = hash_kb.ask("why does batchnorm let you start with a biger lerning rate?")
    assert answer.read_as == (("lerning rate", "learning rate"),) and answer.lang == "en"
    assert answer.markdown.startswith("*Read as: lerning rate → learning rate*")
    assert "learning_rate" in [c.id for c in answer.concepts]


@pytest.mark.parametrize("junk", [" <img src=x onerror=alert(1)>", " 😀😀", "\n\n**", "   "])
def test_junk_around_a_misspelt_question_leaves_its_reading_alone(hash_kb: KnowledgeBase, junk: str) -> None:
    plain = hash_kb.ask("过你和了除了加数据还能咋办")
    padded = hash_kb.ask("过你和了除了加数据还能咋办" + junk)
    assert padded.read_as == plain.read_as == (("过你和", "过拟合"),)
    assert [s.citation for s in padded.sources] == [s.citation for s in plain.sources]
