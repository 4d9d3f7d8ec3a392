"""The read model's saved image: a reopen reads it back unchanged, and anything else is compiled again."""
from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import HashEmbedder, KnowledgeBase
from qa.image import _source_digest, image_key, load_image, older_key

DATA = Path(__file__).resolve().parents[1] / "data" / "notes"
QUESTIONS = ["BN层的作用是什么?", "Why does ResNet train deeper networks?", "1x1卷积有什么用", "hi"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("image") / "kb"
    KnowledgeBase.open(path, embedder=HashEmbedder()).wait_saved()  # compiles, and saves the image
    return path


@pytest.fixture()
def kb_dir(built: Path, tmp_path: Path) -> Path:
    """A copy of one built knowledge base (the same store, so its image is valid), for each test to change."""
    return Path(shutil.copytree(built, tmp_path / "kb"))


def _images(kb_dir: Path) -> list[Path]:
    return sorted((kb_dir / "index").glob("model-*.pickle"))


def test_a_reopen_reads_the_image_and_answers_exactly_as_the_compiled_model(kb_dir: Path) -> None:
    compiled = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    assert compiled.from_image and len(_images(kb_dir)) == 1
    fresh = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    fresh._model = fresh._compile(fresh.snapshot)  # the same store compiled now, for comparison
    a, b = compiled.model, fresh.model
    for field in ("fingerprint", "passages", "tokens", "folded", "units", "concepts", "cues", "vocabulary", "views",
                  "headings", "question_headings", "english_names", "homophones"):
        assert getattr(a, field) == getattr(b, field), field
    assert a.tokenizer.terms == b.tokenizer.terms and a.bank.questions == b.bank.questions
    assert {c.id for c in a.graph.concepts()} == {c.id for c in b.graph.concepts()}
    query = np.asarray(HashEmbedder().encode_queries(["残差连接"])[0])
    for name in ("passage_vectors", "unit_vectors", "heading_vectors", "concept_vectors", "view_vectors"):
        assert [list(x) for x in getattr(a, name).search(query, 5)] == [list(x) for x in getattr(b, name).search(query, 5)]
    for question in QUESTIONS:
        assert compiled.ask(question) == fresh.ask(question)


def test_a_change_by_another_process_is_compiled_not_read_from_the_old_image(kb_dir: Path) -> None:
    other = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    other.ingest([DATA / "unseen-detection.txt"])  # a new generation, and its own image
    other.wait_saved()
    assert len(_images(kb_dir)) == 1  # the older image is gone
    again = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    assert again.from_image and "unseen-detection.txt" in {d.id for d in again.snapshot.documents}
    from ingest.pipeline import ingest_notes, open_store
    from ingest.reader import RawNote

    text = (DATA / "unseen-detection.txt").read_text(encoding="utf-8")
    ingest_notes(open_store(kb_dir), [RawNote("second.txt", text, "text")])  # as `kgqa ingest` does: no image saved
    third = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    assert not third.from_image and "second.txt" in {d.id for d in third.snapshot.documents}


def test_a_server_answers_from_the_last_image_until_its_refresh_compiles_the_change(kb_dir: Path) -> None:
    from ingest.pipeline import ingest_notes, open_store
    from ingest.reader import RawNote

    text = (DATA / "unseen-detection.txt").read_text(encoding="utf-8")
    ingest_notes(open_store(kb_dir), [RawNote("second.txt", text, "text")])  # as `kgqa ingest` does: no image saved
    served = KnowledgeBase.open(kb_dir, embedder=HashEmbedder(), stale=True)
    assert served.from_image and served.stale and "second.txt" not in {d.id for d in served.snapshot.documents}
    assert served.ask("BN层的作用是什么?").sources and served.stale  # an ask answers, and never compiles
    assert served.refresh() and not served.stale  # the server's background refresh
    served.wait_saved()
    assert "second.txt" in {d.id for d in served.snapshot.documents} and len(_images(kb_dir)) == 1
    again = KnowledgeBase.open(kb_dir, embedder=HashEmbedder(), stale=True)
    assert again.from_image and not again.stale and not again.refresh()


def test_a_server_without_an_earlier_image_compiles(kb_dir: Path) -> None:
    for image in _images(kb_dir):
        image.unlink()
    kb = KnowledgeBase.open(kb_dir, embedder=HashEmbedder(), stale=True)
    kb.wait_saved()
    assert not kb.from_image and not kb.stale and len(_images(kb_dir)) == 1


@pytest.mark.parametrize(("key", "older"), [("f-6", "f-5"), ("f-5", "f-3"), ("f-3", None), ("g-9", "g-4"), ("h-2", None)])
def test_older_key_is_the_newest_earlier_generation_of_the_same_family(tmp_path: Path, key: str, older: str | None) -> None:
    for name in ("f-3", "f-5", "g-4", "f-x", "ff-4"):
        (tmp_path / f"model-{name}.pickle").write_bytes(b"")
    assert older_key(tmp_path, key) == older


def _crafted() -> bytes:
    class Boom:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return os.system, ("touch pwned",)
    return pickle.dumps(Boom())


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "crafted", "not a model"])
def test_a_damaged_or_crafted_image_is_compiled_again_and_never_runs(kb_dir: Path, damage: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (image,) = _images(kb_dir)
    data = image.read_bytes()
    image.write_bytes({"truncated": data[: len(data) // 2], "garbage": os.urandom(4096), "empty": b"",
                       "crafted": _crafted(), "not a model": pickle.dumps(frozenset({"a"}))}[damage])
    monkeypatch.chdir(kb_dir)
    said: list[str] = []
    kb = KnowledgeBase.open(kb_dir, embedder=HashEmbedder(), progress=said.append)
    assert not kb.from_image and not (kb_dir / "pwned").exists()
    assert kb.ask("BN层的作用是什么?").sources
    kb.wait_saved()
    assert _images(kb_dir) == [image] and image.read_bytes() == data  # compiled and saved again, the same
    assert damage == "not a model" or any("ignoring the saved read model" in line for line in said)
    assert KnowledgeBase.open(kb_dir, embedder=HashEmbedder()).from_image


def test_load_image_refuses_any_global_outside_the_allowed_records(tmp_path: Path) -> None:
    (tmp_path / "model-k.pickle").write_bytes(_crafted())
    assert load_image(tmp_path, "k", None) is None and not (tmp_path / "model-k.pickle").exists()


@pytest.mark.parametrize("change", range(4))
def test_the_key_names_every_input(change: int) -> None:
    parts: list[object] = ["uid", 3, "corpus", "model"]
    base = image_key(*parts)  # type: ignore[arg-type]
    parts[change] = parts[change] * 2 if isinstance(parts[change], int) else f"{parts[change]}!"
    assert image_key(*parts) != base  # type: ignore[arg-type]


def test_the_key_names_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    base = image_key("u", 1, "c", "m")
    monkeypatch.setattr("qa.image._source_digest", lambda: "other code")
    assert image_key("u", 1, "c", "m") != base and _source_digest() != "other code"


def test_two_stores_never_share_an_image(built: Path, tmp_path: Path) -> None:
    a = KnowledgeBase.open(built, embedder=HashEmbedder())
    b = KnowledgeBase.open(tmp_path / "b", embedder=HashEmbedder())
    b.wait_saved()
    assert a.from_image and not b.from_image and a._store.uid != b._store.uid
    assert {p.name for p in _images(built)}.isdisjoint(p.name for p in _images(tmp_path / "b"))


def test_a_damaged_image_in_a_read_only_folder_is_ignored_not_fatal(kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (image,) = _images(kb_dir)
    image.write_bytes(b"damaged")

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)  # chmod would not stop root, who runs CI
    assert load_image(image.parent, image.stem.removeprefix("model-"), None) is None and image.exists()


def test_an_open_answers_before_its_image_is_written(kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import qa.api

    for image in _images(kb_dir):
        image.unlink()
    release, real = threading.Event(), qa.api.save_image

    def slow(*args: object) -> Path:
        assert release.wait(30)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(qa.api, "save_image", slow)
    kb = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    assert kb.ask("BN层的作用是什么?").sources and _images(kb_dir) == []  # answered while the save waits
    release.set()
    kb.wait_saved()
    assert len(_images(kb_dir)) == 1 and KnowledgeBase.open(kb_dir, embedder=HashEmbedder()).from_image


def test_quick_successive_changes_save_only_the_newest_image(kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import qa.api

    real, release = qa.api.save_image, threading.Event()
    calls: list[str] = []

    def slow_first(model: object, folder: Path, key: str) -> Path:
        calls.append(key)
        assert len(calls) > 1 or release.wait(30)  # the first save is still running while the notes change
        return real(model, folder, key)  # type: ignore[arg-type]

    monkeypatch.setattr(qa.api, "save_image", slow_first)
    for image in _images(kb_dir):
        image.unlink()
    kb = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    kb.ingest([DATA / "unseen-detection.txt"])  # its model is replaced before its turn: never saved
    kb.remove("unseen-detection.txt")
    release.set()
    kb.wait_saved()
    (image,) = _images(kb_dir)
    assert len(calls) == 2 and image.stem.endswith(calls[-1])
    again = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    assert again.from_image and "unseen-detection.txt" not in {d.id for d in again.snapshot.documents}


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), RuntimeError("unexpected")])
def test_a_failed_save_costs_only_a_compile_next_time(kb_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture, error: Exception) -> None:
    import qa.api

    for image in _images(kb_dir):
        image.unlink()

    def full(*args: object) -> Path:
        raise error

    monkeypatch.setattr(qa.api, "save_image", full)
    kb = KnowledgeBase.open(kb_dir, embedder=HashEmbedder())
    kb.wait_saved()
    assert kb.ask("BN层的作用是什么?").sources and _images(kb_dir) == []
    assert "image was not saved" in caplog.text and str(error) in caplog.text  # one line, no traceback
    monkeypatch.undo()
    assert not KnowledgeBase.open(kb_dir, embedder=HashEmbedder()).from_image


def test_a_refresh_after_an_image_shares_the_tokens_of_unchanged_passages(kb_dir: Path) -> None:
    from ingest.pipeline import ingest_notes, open_store
    from ingest.reader import RawNote

    # A note naming only known concepts: the dictionary, so the tokens of the other passages, stay the same.
    ingest_notes(open_store(kb_dir), [RawNote("mine.md", "## BN层的作用\n\nBN层可以加快收敛, 也有轻微的正则化作用。\n", "markdown")])
    served = KnowledgeBase.open(kb_dir, embedder=HashEmbedder(), stale=True)
    old = served.model
    assert served.refresh()
    served.wait_saved()
    new = served.model
    assert new.tokenizer.digest == old.tokenizer.digest and len(new.passages) > len(old.passages)
    before = {p.indexed_text: t for p, t in zip(old.passages, old.tokens)}
    shared = [t is before[p.indexed_text] for p, t in zip(new.passages, new.tokens) if p.indexed_text in before]
    assert len(shared) == len(old.passages) and all(shared)  # the same objects, not equal copies
    assert all(t == tuple(new.tokenizer.tokenize(p.indexed_text)) for p, t in zip(new.passages, new.tokens))
