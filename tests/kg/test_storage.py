"""The SQLite store: rows round-trip, writes are atomic and serialised, readers see commits."""
from __future__ import annotations

import multiprocessing
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from kg.errors import StoreError
from kg.model import Concept, Document, Evidence, Mention, Relation, Section
from kg.sqlite import DB_FILE, SQLiteStorage
from kg.storage import Derived, Storage, open_storage


def _document(doc_id: str, text: str = "## t\nbody") -> Document:
    return Document(doc_id, "t", text, f"sha-{doc_id}", f"/notes/{doc_id}", meta={"format": "markdown"})


def _derived(doc_id: str, section_text: str = "## t\nbody") -> Derived:
    section = Section(f"{doc_id}#1", doc_id, "t", 2, 1, 2, section_text, ("T",))
    relation = Relation("a", "solves", "b", (Evidence(doc_id, 2, "body"), Evidence(doc_id, 2, "bo")), "solve-verb", 0.9)
    return Derived((Concept(f"p-{doc_id}", f"P {doc_id}", "concept", proposed=True),),
                   (Concept(f"q-{doc_id}", f"Q {doc_id}", "problem", proposed=True),), (section,),
                   (Mention("a", section.id, doc_id, 2, "A"),), (relation,))


def test_a_directory_opens_sqlite_in_wal_mode(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    assert isinstance(store, Storage) and store.location == str(tmp_path / DB_FILE)
    assert (store.generation(), store.read().notes) == (0, ())
    with sqlite3.connect(tmp_path / DB_FILE) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rows_round_trip_and_a_replaced_note_moves_to_the_end(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    catalogue = (Concept("a", "A", "concept", aliases=("A",)), Concept("b", "B", "problem"))
    with store.write() as writer:
        writer.set_meta(catalogue, "fp")
        writer.put(_document("x.md"), "bundled", _derived("x.md"), "body x")
        writer.put(_document("y.md"), "user", _derived("y.md", "not the note's lines"), "body y")
        writer.put(_document("x.md"), "bundled", _derived("x.md"), "body x")
        assert [h.id for h in writer.heads()] == ["y.md", "x.md"]
        assert writer.containing(["dy y", "nothing"]) == {"y.md"} and writer.containing([]) == set()
        assert [d.id for d in writer.documents(["x.md", "gone.md", "y.md"])] == ["y.md", "x.md"]
    state = open_storage(tmp_path).read()
    assert (state.catalogue, state.fingerprint, state.generation) == (catalogue, "fp", 1)
    assert [(n.document.id, n.namespace, n.document.bundled) for n in state.notes] == [("y.md", "user", False),
                                                                                     ("x.md", "bundled", True)]
    assert state.notes[0].derived == _derived("y.md", "not the note's lines")
    assert state.notes[1].derived == _derived("x.md") and state.notes[1].document == replace(_document("x.md"), bundled=True)


def test_names_read_back_are_one_object_per_value(tmp_path: Path) -> None:
    # Rows bring a copy of every name each: at 1,000 notes that was 108 MB of duplicate strings.
    store = open_storage(tmp_path)
    with store.write() as writer:
        for doc in ("x.md", "y.md"):
            derived = _derived(doc)
            writer.put(_document(doc), "user", replace(derived, mentions=derived.mentions * 3), "body")
    mentions = [m for note in store.read().notes for m in note.derived.mentions]
    relations = [r for note in store.read().notes for r in note.derived.relations]
    for values in ([m.concept for m in mentions], [m.doc for m in mentions], [m.surface for m in mentions],
                   [r.rule for r in relations], [e.doc for r in relations for e in r.evidence]):
        assert len({id(v) for v in values}) == len(set(values))


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    with pytest.raises(RuntimeError), store.write() as writer:
        writer.put(_document("x.md"), "user", _derived("x.md"), "x")
        raise RuntimeError("crash inside the transaction")
    assert store.read().notes == () and store.generation() == 0


def test_rederive_and_delete_touch_only_that_note(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    with store.write() as writer:
        writer.put(_document("x.md"), "user", _derived("x.md"), "x")
        writer.put(_document("y.md"), "user", _derived("y.md"), "y")
    with store.write() as writer:
        writer.rederive("x.md", Derived())
        writer.delete("y.md")
        writer.delete("never.md")
        with pytest.raises(StoreError, match="not stored"):
            writer.rederive("never.md", Derived())
    (note,) = store.read().notes
    assert note.document.id == "x.md" and note.derived == Derived() and store.generation() == 2


def test_another_store_object_sees_the_commit(tmp_path: Path) -> None:
    reader, writer_store = open_storage(tmp_path), open_storage(tmp_path)
    assert reader.generation() == 0
    with writer_store.write() as writer:
        writer.set_meta((), "new")
    assert reader.generation() == 1 and reader.read().fingerprint == "new"
    with writer_store.write():
        pass  # nothing written: the generation stays
    assert reader.generation() == 1


def _bump(directory: str, times: int) -> None:
    store = SQLiteStorage(Path(directory))
    for _ in range(times):
        with store.write() as writer:  # read, then write what was read plus one: a lost update shows
            (count,) = [h.seq for h in writer.heads()][-1:] or [0]
            writer.put(_document(f"n{count + 1}.md"), "user", Derived(), "")


def test_writers_in_other_processes_are_serialised(tmp_path: Path) -> None:
    open_storage(tmp_path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_bump, args=(str(tmp_path), 10)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    state = open_storage(tmp_path).read()
    assert len(state.notes) == 40 and state.generation == 40


def test_an_unreadable_database_is_one_line_saying_how_to_rebuild(tmp_path: Path) -> None:
    (tmp_path / DB_FILE).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="kgqa build --kb") as raised:
        open_storage(tmp_path)
    assert "\n" not in str(raised.value)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    open_storage(tmp_path)
    with sqlite3.connect(tmp_path / DB_FILE) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    with pytest.raises(StoreError, match="schema version 99"):
        open_storage(tmp_path)


def test_opening_and_reading_never_wait_for_a_writer(tmp_path: Path) -> None:
    writer_store = open_storage(tmp_path)
    with writer_store.write() as writer:
        writer.put(_document("x.md"), "user", _derived("x.md"), "x")
    with writer_store.write() as writer:  # a long ingest holds the write lock...
        writer.delete("x.md")
        reader = SQLiteStorage(tmp_path, busy_seconds=0.5)  # ...and a reader gives up on locks after 0.5 s
        assert [n.document.id for n in reader.read().notes] == ["x.md"] and reader.generation() == 1
        with pytest.raises(StoreError, match="locked by another kgqa process"), reader.write():
            pass  # a second writer does wait (here: gives up)
    assert reader.read().notes == () and reader.generation() == 2


def test_the_text_cache_round_trips_without_a_new_generation(tmp_path: Path) -> None:
    store = open_storage(tmp_path)
    store.cache("tokens", "d1", {"k1": "a b", "k2": ""})
    assert store.cached("tokens", "d1", ["k1", "k2", "k3"]) == {"k1": "a b", "k2": ""}
    store.cache("tokens", "d2", {"k1": "c"})  # another digest replaces that kind's rows
    assert (store.cached("tokens", "d1", ["k1"]), store.cached("tokens", "d2", ["k1"])) == ({}, {"k1": "c"})
    assert store.generation() == 0 and store.read().generation == 0


def test_a_store_made_before_the_text_cache_still_opens_and_caches(tmp_path: Path) -> None:
    open_storage(tmp_path)
    with sqlite3.connect(tmp_path / DB_FILE) as db:
        db.execute("DROP TABLE text_cache")
    store = open_storage(tmp_path)
    assert store.cached("fold", "d", ["k"]) == {}
    store.cache("fold", "d", {"k": "v"})
    assert store.cached("fold", "d", ["k"]) == {"k": "v"}


def test_a_cache_write_gives_up_while_a_writer_holds_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.sqlite

    monkeypatch.setattr(kg.sqlite, "CACHE_BUSY_SECONDS", 0.1)
    store = open_storage(tmp_path)
    with store.write():
        store.cache("fold", "d", {"k": "v"})  # another connection: busy, so skipped
    assert store.cached("fold", "d", ["k"]) == {}


def test_the_text_cache_works_in_postgresql_too(pg_url: str) -> None:
    from kg.postgres import PostgresStorage

    store = PostgresStorage(pg_url, listen=False)
    store.cache("tokens", "d1", {"k1": "a b"})
    store.cache("tokens", "d1", {"k1": "a b", "k2": "c"})  # a key cached twice is no conflict
    assert store.cached("tokens", "d1", ["k1", "k2", "k3"]) == {"k1": "a b", "k2": "c"}
    store.cache("tokens", "d2", {"k1": "z"})
    assert store.cached("tokens", "d1", ["k1"]) == {} and store.generation() == 0
    store.close()


def test_a_store_keeps_one_uid_and_an_older_store_gets_one(tmp_path: Path) -> None:
    first = SQLiteStorage(tmp_path / "a")
    assert len(first.uid) == 32 and SQLiteStorage(tmp_path / "a").uid == first.uid  # stable across opens
    assert SQLiteStorage(tmp_path / "b").uid != first.uid
    with sqlite3.connect(tmp_path / "a" / DB_FILE) as db:  # as a store made before stores had a uid
        db.execute("DELETE FROM meta WHERE key = 'uid'")
    again = SQLiteStorage(tmp_path / "a")
    assert again.uid not in ("", first.uid) and SQLiteStorage(tmp_path / "a").uid == again.uid
    assert again.generation() == 0  # giving it one is not a change of the knowledge base


def test_a_postgresql_store_has_a_stable_uid(pg_url: str) -> None:
    from kg.postgres import PostgresStorage

    a, b = PostgresStorage(pg_url, listen=False), PostgresStorage(pg_url, listen=False)
    assert a.uid == b.uid and len(a.uid) == 32
    a.close()
    b.close()
