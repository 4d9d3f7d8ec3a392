"""The PostgreSQL store against a real local server (``pg_url`` in tests/conftest.py; skipped,
saying why, where no server can start): the same rows as SQLite, serialised writers, change
notification, and two app replicas sharing one database."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ingest.pipeline import ingest_notes, open_kb, read_snapshot, remove_note
from ingest.reader import note_from_text
from kg.errors import StoreError
from kg.model import Concept, Document, Evidence, Mention, Relation, Section
from kg.storage import Derived, Storage, open_storage

NOTE = ("## 量子退火调度器的作用\n"
        "量子退火调度器通过逐步降低横向场强度来寻找能量最低的构型,它解决了组合优化中的局部极小问题。\n")


def _note(name: str, body: str = NOTE):
    return note_from_text(name, body)


def _document(doc_id: str, text: str = "## t\nbody") -> Document:
    return Document(doc_id, "t", text, f"sha-{doc_id}", f"/notes/{doc_id}")


def _derived(doc_id: str) -> Derived:
    section = Section(f"{doc_id}#1", doc_id, "t", 2, 1, 2, "## t\nbody", ("t",))
    relation = Relation("a", "solves", "b", (Evidence(doc_id, 2, "body"),), "solve-verb", 0.9)
    return Derived((Concept(f"p-{doc_id}", f"P {doc_id}", "concept", proposed=True),), (), (section,),
                   (Mention("a", section.id, doc_id, 2, "A"),), (relation,))


def test_open_storage_gives_a_postgres_store_that_starts_empty(pg_url: str) -> None:
    store = open_storage(pg_url)
    try:
        assert isinstance(store, Storage) and type(store).__name__ == "PostgresStorage"
        state = store.read()
        assert (store.generation(), state.notes, state.fingerprint) == (0, (), "")
    finally:
        store.close()


def test_rows_round_trip_exactly_as_in_sqlite(pg_url: str, tmp_path: Path) -> None:
    """The same writes to both backends read back as the same state."""
    stores = [open_storage(pg_url), open_storage(tmp_path)]
    try:
        for store in stores:
            with store.write() as writer:
                writer.set_meta((Concept("a", "A", "concept"), Concept("b", "B", "problem")), "fp-1")
                writer.put(_document("x.md"), "bundled", _derived("x.md"), "body x")
                writer.put(_document("y.md", "## t\nbody\n中文'引号\"%s?"), "user", _derived("y.md"), "body y %s ?")
            with store.write() as writer:
                writer.put(_document("x.md"), "bundled", _derived("x.md"), "body x")  # replaced: moves to the end
                assert writer.containing(["%s ?"]) == {"y.md"} and writer.containing([]) == set()
                assert [h.id for h in writer.heads()] == ["y.md", "x.md"]
        pg, lite = (s.read() for s in stores)
        assert pg == lite and pg.generation == 2
        assert pg.notes[0].document.text.endswith("中文'引号\"%s?")
    finally:
        for store in stores:
            store.close()


def test_a_failed_write_leaves_nothing(pg_url: str) -> None:
    store = open_storage(pg_url)
    try:
        with pytest.raises(RuntimeError), store.write() as writer:
            writer.put(_document("x.md"), "user", _derived("x.md"), "x")
            raise RuntimeError("crash inside the transaction")
        assert store.read().notes == () and store.generation() == 0
    finally:
        store.close()


def test_concurrent_writers_lose_nothing(pg_url: str) -> None:
    """Eight writers on eight store objects (as on eight machines), each planning on what it reads."""
    stores = [open_storage(pg_url) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def ingest(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            with stores[n].write() as writer:
                known = {h.id for h in writer.heads()}
                time.sleep(0.05)  # widen the window a lost update would need
                writer.put(_document(f"n{n}.md"), "user", Derived(), f"{len(known)}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(n,)) for n in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert not errors
        state = stores[0].read()
        assert sorted(n.document.id for n in state.notes) == sorted(f"n{n}.md" for n in range(8))
        assert len({n.seq for n in state.notes}) == 8 and state.generation == 8
    finally:
        for store in stores:
            store.close()


def test_another_replica_hears_of_a_commit_without_asking(pg_url: str) -> None:
    """LISTEN/NOTIFY: the second store's generation moves within a second of the first's commit."""
    writer_store, reader_store = open_storage(pg_url), open_storage(pg_url)
    try:
        deadline = time.monotonic() + 5
        while reader_store._generation is None and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.02)
        assert reader_store._generation == 0, "the listener did not start"  # type: ignore[attr-defined]
        with writer_store.write() as writer:
            writer.set_meta((), "fp")
        committed = time.monotonic()
        while reader_store._generation != 1 and time.monotonic() - committed < 2:  # type: ignore[attr-defined]
            time.sleep(0.01)
        assert reader_store._generation == 1 and reader_store.generation() == 1  # type: ignore[attr-defined]
    finally:
        writer_store.close()
        reader_store.close()


def test_pipeline_on_postgres_matches_sqlite(pg_url: str, tmp_path: Path) -> None:
    """The bundled corpus built, a user note ingested and removed: the same snapshot on both backends."""
    stores = [open_storage(pg_url), open_storage(tmp_path)]
    try:
        snapshots = []
        for store in stores:
            open_kb(store)
            ingest_notes(store, [_note("quantum.md")])
            with_note = read_snapshot(store)
            remove_note(store, "quantum.md")
            snapshots.append((with_note, read_snapshot(store)))
        (pg_with, pg_without), (lite_with, lite_without) = snapshots
        assert "quantum.md" in {d.id for d in pg_with.documents}
        assert "quantum.md" not in {d.id for d in pg_without.documents}
        for pg, lite in ((pg_with, lite_with), (pg_without, lite_without)):
            assert pg.documents == lite.documents and pg.sections == lite.sections
            assert pg.graph.stats() == lite.graph.stats()
    finally:
        for store in stores:
            store.close()


def test_unreachable_server_is_a_one_line_store_error_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://kgqa:s3cret@/nowhere?host={tmp_path}&connect_timeout=1"
    with pytest.raises(StoreError) as caught:
        open_storage(url)
    message = str(caught.value)
    assert "s3cret" not in message and "\n" not in message and "PostgreSQL" in message


def test_two_replicas_share_one_database(pg_url: str, tmp_path: Path) -> None:
    """Two app replicas (two KnowledgeBase objects, as on two machines) on one database: a note
    ingested through one is cited by the other within 5 s."""
    from qa import HashEmbedder, KnowledgeBase

    first = KnowledgeBase.open(pg_url, embedder=HashEmbedder())
    second = KnowledgeBase.open(pg_url, embedder=HashEmbedder())
    question = "量子退火调度器的作用是什么?"
    assert all(s.doc != "quantum.md" for s in second.ask(question).sources)
    path = tmp_path / "quantum.md"
    path.write_text(NOTE, encoding="utf-8")
    first.ingest([path])
    ingested = time.monotonic()
    cited = False
    while time.monotonic() - ingested < 5 and not cited:
        cited = any(s.doc == "quantum.md" for s in second.ask(question).sources)
        if not cited:
            time.sleep(0.1)
    assert cited, "the second replica did not cite the note within 5 s"


def test_the_command_line_takes_a_postgresql_url(pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`kgqa --kb postgresql://... ingest` and `$KGQA_KB=postgresql://...`: the URL reaches the store intact."""
    import json

    from ui.cli import main

    note = tmp_path / "quantum.md"
    note.write_text(NOTE, encoding="utf-8")
    assert main(["--kb", pg_url, "ingest", str(note)]) == 0
    monkeypatch.setenv("KGQA_KB", pg_url)
    capsys.readouterr()
    assert main(["concept", "BN层", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Batch Normalization"
    store = open_storage(pg_url)
    try:
        assert "quantum.md" in {n.document.id for n in store.read().notes}
    finally:
        store.close()
