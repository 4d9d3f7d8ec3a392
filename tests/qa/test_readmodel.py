"""The compiled read model: one tokenizer for passages and questions, determinism, atomic swaps."""
from __future__ import annotations

import hashlib
import random
import re
import threading
from pathlib import Path

import pytest

from qa import HashEmbedder, KnowledgeBase, compile_model
from qa.chunks import Passage
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


@pytest.mark.parametrize("seed", range(20))
def test_a_sentence_is_kept_when_it_has_enough_word_characters(seed: int) -> None:
    """The rule is "at least min_chars, and half as many letters, digits or Chinese characters"."""
    rng = random.Random(seed)
    alphabet = "BN层 卷积,.-*()0x?、“”\t"
    for _ in range(200):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        text = "## Q\n" + line
        kept = [u.text for u in sentence_units([Passage("s.0", "n.md", "s", "Q", "Q", 1, 2, text)])]
        expected = [s[:300] for raw in re.findall(r"[^。！？!?；;\n]+[。！？!?；;]?", line)
                    for s in [raw.strip(" \t-*•>")] if len(s) >= 8 and len(re.findall(r"[\u3400-\u9fffA-Za-z0-9]", s)) >= 4]
        assert kept == expected, line


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


def test_stored_tokens_and_folds_are_used_only_under_their_own_digest(tmp_path: Path) -> None:
    from kg.sqlite import SQLiteStorage
    from kg.text import fold
    from qa.bm25 import Tokenizer
    from qa.readmodel import _folded, _sha1, _tokens, tokens_digest

    store, text = SQLiteStorage(tmp_path), "残差连接缓解了梯度消失问题"
    tokenizer = Tokenizer(["梯度消失"])
    store.cache("tokens", "another tokenizing code", {_sha1(text): f"{tokenizer.digest}\twrong tokens"})
    store.cache("fold", "another folding code", {_sha1(text): "wrong fold"})
    assert _tokens(tokenizer, [text], None, store) == [tuple(tokenizer.tokenize(text))]
    assert _folded([text], store) == [fold(text)]
    # What was computed is stored under the right digest (the other digest's rows are gone), with its terms.
    digest = tokens_digest(tokenizer)
    assert store.cached("tokens", digest, [_sha1(text)]) == {
        _sha1(text): f"{tokenizer.digest}\t" + " ".join(tokenizer.tokenize(text))}
    assert store.cached("tokens", "another tokenizing code", [_sha1(text)]) == {}
    store.cache("tokens", digest, {_sha1("x"): f"{tokenizer.digest}\tplanted"})
    assert _tokens(tokenizer, ["x"], None, store) == [("planted",)]  # the key is what is read: no recompute
    assert store.generation() == 0  # the cache is not a change of the knowledge base


# Cut with one term set, read back with another: (text, terms before, terms after, recomputed?).
_TERM_CHANGES = [
    ("残差连接缓解了梯度消失问题", ["梯度消失"], ["梯度消失", "注意力机制"], False),  # the new term is not in it
    ("残差连接缓解了梯度消失问题", ["梯度消失"], ["梯度消失", "残差连接"], True),    # it is
    ("残差连接缓解了梯度消失问题", ["梯度消失", "残差连接"], ["梯度消失"], True),    # a term it holds is gone
    ("残差 连接缓解了问题", [], ["残差连接"], True),        # folding joins the words around a space
    ("\\(残差\\)连接缓解了问题", [], ["残差连接"], True),  # and drops maths delimiters
    ("BN层加快收敛", ["梯度消失"], ["残差连接"], False),
]


@pytest.mark.parametrize(("text", "before", "after", "recomputed"), _TERM_CHANGES)
def test_stored_tokens_outlive_terms_their_text_does_not_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              text: str, before: list[str], after: list[str],
                                                              recomputed: bool) -> None:
    from kg.sqlite import SQLiteStorage
    from qa.bm25 import Tokenizer
    from qa.readmodel import _tokens

    store, old, new = SQLiteStorage(tmp_path), Tokenizer(before), Tokenizer(after)
    _tokens(old, [text], None, store)
    calls: list[str] = []
    tokenize = Tokenizer.tokenize
    monkeypatch.setattr(Tokenizer, "tokenize", lambda self, t, bigrams=True: calls.append(t) or tokenize(self, t, bigrams))
    assert _tokens(new, [text], None, store) == [tuple(tokenize(new, text))]  # right either way
    assert bool(calls) == recomputed
    calls.clear()
    assert _tokens(new, [text], None, store) == [tuple(tokenize(new, text))] and not calls  # stored again as cut with these


def test_tokens_of_a_term_set_nobody_recorded_are_computed_again(tmp_path: Path) -> None:
    from kg.sqlite import SQLiteStorage
    from qa.bm25 import Tokenizer
    from qa.readmodel import _sha1, _tokens, tokens_digest

    store, tokenizer, text = SQLiteStorage(tmp_path), Tokenizer(["残差连接"]), "残差连接缓解了问题"
    store.cache("tokens", tokens_digest(tokenizer), {_sha1(text): "0123456789abcdef\twrong"})  # no record of its terms
    assert _tokens(tokenizer, [text], None, store) == [tuple(tokenizer.tokenize(text))]


def test_a_texts_tokens_depend_only_on_the_terms_inside_it(hash_kb: KnowledgeBase) -> None:
    """What lets stored tokens outlive a change of terms: thousands of terms none of the passages
    hold change none of their tokens (with jieba's total raised by them, some would change)."""
    import random

    from qa.bm25 import Tokenizer

    rng = random.Random(1)
    absent = ["".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(4)) for _ in range(3000)]
    texts = [p.indexed_text for p in hash_kb.model.passages]
    absent = [t for t in absent if not any(t in text for text in texts)]
    terms = hash_kb.model.tokenizer.terms
    more = Tokenizer([*terms, *absent])
    assert len(more.terms) > len(terms) + 2000
    assert all(more.tokenize(t) == hash_kb.model.tokenizer.tokenize(t) for t in texts)


def test_a_compile_through_the_store_equals_one_without(hash_kb: KnowledgeBase, tmp_path: Path) -> None:
    from kg.sqlite import SQLiteStorage

    store, plain = SQLiteStorage(tmp_path), hash_kb.model
    for _ in range(2):  # first computes and stores, then reads back
        model = compile_model(hash_kb.snapshot, HashEmbedder(), store=store)
        assert (model.tokens, model.folded, model.cues, model.vocabulary) == (plain.tokens, plain.folded, plain.cues,
                                                                              plain.vocabulary)


def test_a_saved_graph_index_is_reused_and_a_damaged_one_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from qa import readmodel, vectors

    for module in (readmodel, vectors):  # a graph index from 50 rows on
        monkeypatch.setattr(module, "APPROXIMATE_ABOVE", 50)
    rows = np.random.default_rng(0).standard_normal((200, 8)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    built = readmodel.vector_index(rows, tmp_path, set())
    (saved,) = tmp_path.glob("hnsw-*.faiss")  # streamed to its name, nothing pending left behind
    assert hashlib.sha256(saved.read_bytes()).hexdigest()[:16] == saved.stem.rsplit("-", 1)[1]
    loaded = readmodel.vector_index(rows, tmp_path, set())
    assert isinstance(loaded, readmodel._LoadedIndex) and loaded.size == built.size == 200
    for query in rows[:20]:
        assert [list(a) for a in built.search(query, 5)] == [list(b) for b in loaded.search(query, 5)]
    saved.write_bytes(saved.read_bytes()[:-8] + b"damaged!")
    assert not isinstance(readmodel.vector_index(rows, tmp_path, set()), readmodel._LoadedIndex)
    other = readmodel.vector_index(rows[::-1].copy(), tmp_path, set())  # other rows: their own file
    assert not isinstance(other, readmodel._LoadedIndex)


def test_a_saved_graph_index_is_extended_by_appended_rows_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from qa import readmodel, vectors

    for module in (readmodel, vectors):
        monkeypatch.setattr(module, "APPROXIMATE_ABOVE", 50)
    rows = np.random.default_rng(1).standard_normal((300, 8)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    readmodel.vector_index(rows[:200], tmp_path, set())  # as before an ingest
    calls: list[int] = []
    monkeypatch.setattr(readmodel, "add_in_order", lambda index, more: calls.append(len(more)) or vectors.add_in_order(index, more))
    grown = readmodel.vector_index(rows, tmp_path, set())  # the ingest appended 100 rows
    assert isinstance(grown, readmodel._LoadedIndex) and grown.size == 300 and calls == [100]
    assert all(int(grown.search(row, 1)[1][0]) == i for i, row in enumerate(rows))  # every row is found, old and new
    again = readmodel.vector_index(rows, tmp_path, set())  # saved under the grown rows' key: read back as it is
    assert isinstance(again, readmodel._LoadedIndex) and calls == [100]
    changed = rows.copy()
    changed[[0, 1]] = changed[[1, 0]]  # rows taken out or reordered before the end: built again, not extended
    rebuilt = readmodel.vector_index(changed, tmp_path, set())
    assert not isinstance(rebuilt, readmodel._LoadedIndex) and calls == [100]


def _vocabulary_by_strings(folded: list[str]) -> frozenset[str]:
    """The vocabulary spelled out: each text's Chinese runs, their bigrams and first characters, English
    words, and code names (kernel_size) whole."""
    import re

    vocab: set[str] = set()
    for text in folded:
        for run in re.findall(r"[\u3400-\u9fff]+", text):
            vocab.update(run[i:i + 2] for i in range(len(run) - 1))
            vocab.add(run[0])
        vocab.update(re.findall(r"[a-z][a-z0-9\-]+", text))
        vocab.update(re.findall(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+", text))
    return frozenset(vocab)


@pytest.mark.parametrize("seed", range(20))
def test_the_vocabulary_equals_the_one_spelled_out(seed: int) -> None:
    import random

    from qa.readmodel import _vocabulary

    rng = random.Random(seed)
    # Runs that touch the alphabet's edges (U+3400, U+9FFF), Latin, digits, underscores, separators and an astral character.
    alphabet = ["\u3400", "\u33ff", "\u9fff", "\ua000", "卷", "积", "层", "a", "z", "0", "-", "_", " ", "\n", "😀", "é"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for _ in range(rng.randrange(0, 6))]
    assert _vocabulary(texts) == _vocabulary_by_strings(texts)


def test_the_vocabulary_of_the_notes_equals_the_one_spelled_out(hash_kb: KnowledgeBase) -> None:
    from qa.readmodel import _vocabulary

    assert _vocabulary(list(hash_kb.model.folded)) == _vocabulary_by_strings(list(hash_kb.model.folded)) != frozenset()
