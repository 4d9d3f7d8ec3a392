"""Incremental ingest and remove equal a full build; namespaces keep user notes; old kb.json migrates."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import pipeline
from ingest.pipeline import (
    build,
    build_kb,
    bundled_catalogue,
    bundled_notes,
    ingest_files,
    ingest_notes,
    open_kb,
    open_store,
    read_snapshot,
    remove_note,
)
from ingest.reader import RawNote, note_from_text, read_note
from ingest.update import apply
from kg.errors import InputError, NotFoundError
from kg.sqlite import DB_FILE
from kg.store import KB_FILE, Snapshot, save
from ui.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "notes"


def _key(snapshot: Snapshot) -> tuple:
    """Everything a reader sees, in order: notes, sections, mentions, nodes and edges with evidence."""
    return (snapshot.documents, snapshot.sections, snapshot.mentions, list(snapshot.graph.concepts()),
            list(snapshot.graph.relations()))


def _full(snapshot: Snapshot) -> Snapshot:
    """The reference: a pure build over the stored notes, in their stored order."""
    notes = [RawNote(d.id, d.text, d.meta.get("format", "markdown"), d.source) for d in snapshot.documents]  # type: ignore[arg-type]
    return build(notes, snapshot.catalogue, bundled=[d.id for d in snapshot.documents if d.bundled],
                 corpus_fingerprint=snapshot.corpus_fingerprint)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kb = tmp_path_factory.mktemp("kb")
    build_kb(kb)
    return kb


def _copy(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built knowledge base (a dump and restore would be slower)."""
    import sqlite3

    target = tmp_path / "kb"
    target.mkdir()
    with sqlite3.connect(built / DB_FILE) as source, sqlite3.connect(target / DB_FILE) as copy:
        source.backup(copy)
    return target


def test_note_by_note_ingest_equals_a_full_build(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    notes = bundled_notes()
    for note in notes:  # each into what the previous ones left
        with store.write() as writer:
            apply(writer, [(note, "bundled")], [], catalogue=bundled_catalogue())
    incremental = read_snapshot(store)
    assert _key(incremental) == _key(build(notes, bundled_catalogue(), bundled=[n.id for n in notes]))


def test_ingest_then_remove_returns_to_the_same_graph(built: Path, tmp_path: Path) -> None:
    kb = _copy(built, tmp_path)
    before = open_kb(kb)
    store = open_store(kb)
    added = [read_note(p) for p in sorted(DATA.iterdir())]
    rederived = set()
    for note in added:
        rederived |= set(ingest_notes(store, [note]).rederived)
        grown = read_snapshot(store)
        assert _key(grown) == _key(_full(grown))
    assert rederived, "some new note proposes a term an older note uses: those notes are re-read"
    assert len(rederived) < len(before.documents) + len(added)
    for note in reversed(added):
        remove_note(store, note.id)
    assert _key(read_snapshot(store)) == _key(before)


def test_reingesting_a_changed_note_replaces_it(built: Path, tmp_path: Path) -> None:
    kb = _copy(built, tmp_path)
    store = open_store(kb)
    ingest_notes(store, [note_from_text("mine.md", "## 量子退火的作用\n量子退火调度器解决了局部极小问题。\n")])
    ingest_notes(store, [note_from_text("mine.md", "## 残差连接\nResNet引入了残差连接,缓解了梯度消失问题。\n")])
    snapshot = read_snapshot(store)
    assert [d.id for d in snapshot.documents].count("mine.md") == 1
    assert "ResNet" in snapshot.document("mine.md").text  # type: ignore[union-attr]
    assert _key(snapshot) == _key(_full(snapshot))


def test_build_keeps_user_notes_and_reset_needs_yes(built: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    kb = _copy(built, tmp_path)
    ingest_files(kb, [DATA / "unseen-detection.txt", DATA / "new-speech.md"])
    build_kb(kb)
    mine = {"unseen-detection.txt", "new-speech.md"}
    assert mine <= {d.id for d in open_kb(kb).documents}
    capsys.readouterr()
    assert main(["build", "--reset", "--kb", str(kb)]) == 2  # lists what it would delete, deletes nothing
    captured = capsys.readouterr()
    assert "unseen-detection.txt" in captured.out and "new-speech.md" in captured.out and "--yes" in captured.err
    assert mine <= {d.id for d in open_kb(kb).documents}
    snapshot = build_kb(kb, reset=True)
    assert not mine & {d.id for d in snapshot.documents}
    assert {d.id for d in snapshot.documents} == {n.id for n in bundled_notes()}


def test_two_files_of_one_name_are_refused_before_anything_is_written(built: Path, tmp_path: Path) -> None:
    kb = _copy(built, tmp_path)
    generation = open_store(kb).generation()
    for sub in ("d1", "d2"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "README.md").write_text(f"## {sub}的作用\nResNet引入了残差连接。\n", encoding="utf-8")
    with pytest.raises(InputError, match="two files are called README.md"):
        ingest_files(kb, [tmp_path / "d1" / "README.md", tmp_path / "d2" / "README.md"])
    assert open_store(kb).generation() == generation


def test_a_user_note_named_like_a_bundled_note_is_refused(built: Path, tmp_path: Path) -> None:
    kb = _copy(built, tmp_path)
    name = bundled_notes()[0].id
    (tmp_path / name).write_text("## 我的笔记\nResNet引入了残差连接。\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"{name} is the name of a bundled note; rename your file"):
        ingest_files(kb, [tmp_path / name])
    assert open_kb(kb).document(name).bundled  # type: ignore[union-attr]


def test_a_changed_corpus_refreshes_only_the_bundled_namespace(built: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    kb = _copy(built, tmp_path)
    ingest_files(kb, [DATA / "unseen-lightweight.md"])
    first = bundled_notes()[0]
    mine = note_from_text(bundled_notes()[1].id, "## 我的同名笔记\nResNet引入了残差连接。\n")
    with open_store(kb).write() as writer:  # a user note that a later corpus names a bundled note
        writer.delete(mine.id)
        apply(writer, [(mine, "user")], [])
    changed = [RawNote(first.id, first.text + "\n## 新的一节\nDropout可以防止过拟合。\n", "markdown", first.source),
               *bundled_notes()[2:]]
    monkeypatch.setattr(pipeline, "bundled_notes", lambda: [*changed, bundled_notes()[1]])
    monkeypatch.setattr(pipeline, "corpus_fingerprint", lambda: "a newer corpus")
    snapshot = open_kb(kb)
    assert snapshot.corpus_fingerprint == "a newer corpus"
    assert "新的一节" in snapshot.document(first.id).text  # type: ignore[union-attr]
    assert not snapshot.document(mine.id).bundled and "同名笔记" in snapshot.document(mine.id).text  # type: ignore[union-attr]
    assert snapshot.document("unseen-lightweight.md") is not None
    assert _key(snapshot) == _key(_full(snapshot))


def test_an_old_kb_json_is_migrated_keeping_user_notes(tmp_path: Path) -> None:
    notes = [*bundled_notes(), read_note(DATA / "unseen-detection.txt")]
    old = build(notes, bundled_catalogue(), bundled=[n.id for n in notes[:-1]], corpus_fingerprint="fp-of-old-corpus")
    save(old, tmp_path)  # the version-1 writer, unchanged: a real old-format kb.json
    assert json.loads((tmp_path / KB_FILE).read_text(encoding="utf-8"))["version"] == 1
    snapshot = open_kb(tmp_path)
    assert (tmp_path / DB_FILE).is_file() and not (tmp_path / KB_FILE).exists()
    assert (tmp_path / f"{KB_FILE}.migrated").is_file()
    user = snapshot.document("unseen-detection.txt")
    assert user is not None and not user.bundled
    assert {d.id for d in snapshot.documents if d.bundled} == {n.id for n in bundled_notes()}
    assert "RetinaNet" in {c.name for c in snapshot.graph.concepts()}


def test_removing_an_unknown_note_lists_the_notes(built: Path) -> None:
    with pytest.raises(NotFoundError, match="no note called 'nope.md'.*00-"):
        remove_note(open_store(built), "nope.md")


def test_dump_and_restore_round_trip(built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = _copy(built, tmp_path)
    ingest_files(kb, [DATA / "new-pointcloud.md"])
    before = open_kb(kb)
    backup = tmp_path / "backup.json"
    assert main(["dump", str(backup), "--kb", str(kb)]) == 0
    other = tmp_path / "other"
    assert main(["restore", str(backup), "--kb", str(other)]) == 0
    assert _key(open_kb(other)) == _key(before)
    assert not open_kb(other).document("new-pointcloud.md").bundled  # type: ignore[union-attr]
    backup.write_text("{}", encoding="utf-8")
    capsys.readouterr()
    assert main(["restore", str(backup), "--kb", str(other)]) == 2
    assert capsys.readouterr().err.strip() == f"kgqa: error: {backup} is not a kgqa dump (written by `kgqa dump FILE`)"
