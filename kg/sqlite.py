"""The default store: one SQLite database in WAL mode, ``DIR/kb.sqlite`` (stdlib :mod:`sqlite3`).

Writers are serialised by ``BEGIN IMMEDIATE`` (a second writer waits up to
:data:`BUSY_SECONDS` for the first), readers never block and always see a committed state,
and a ``kill -9`` at any point leaves the last committed transaction (``synchronous=FULL``).
A section's text is not stored when it is its note's lines verbatim (it always is for our
parser), so a note's text is stored once. ``text_cache`` keeps what the read model computes
per text (tokens, folded forms) under a digest of the code that computed it, written best-effort
outside the writers' transactions and never counted as a change. The SQL is portable (``TEXT``, ``INTEGER``,
``DOUBLE PRECISION``, no SQLite-only syntax beyond the pragmas), so another backend can reuse
:data:`SCHEMA`.

>>> import tempfile
>>> store = SQLiteStorage(Path(tempfile.mkdtemp()))
>>> store.generation(), store.read().notes
(0, ())
"""
from __future__ import annotations

import json
import sqlite3
import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from kg.errors import StoreError
from kg.model import Concept, Document, Evidence, Mention, Relation, Section
from kg.storage import Derived, Namespace, NoteHead, State, StoredNote

__all__ = ["SQLiteStorage", "DB_FILE", "SCHEMA", "FORMAT", "SCHEMA_VERSION", "BUSY_SECONDS", "CACHE_BUSY_SECONDS"]

DB_FILE = "kb.sqlite"
FORMAT = "kgqa-kb"
SCHEMA_VERSION = 2  # version 1 was the kb.json snapshot
BUSY_SECONDS = 600.0

# What is costly and deterministic per text (its tokens, its folded form), by (kind, digest of the
# code and dictionary that computed it, sha1 of the text): a row can be missing, never stale.
_TEXT_CACHE = ("CREATE TABLE IF NOT EXISTS text_cache (kind TEXT NOT NULL, digest TEXT NOT NULL, sha1 TEXT NOT NULL,"
               " value TEXT NOT NULL, PRIMARY KEY (kind, digest, sha1))")
CACHE_BUSY_SECONDS = 1.0  # a best-effort cache write gives up this soon when an ingest holds the lock

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS catalogue (pos INTEGER PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, namespace TEXT NOT NULL"
    " CHECK (namespace IN ('bundled', 'user')), title TEXT NOT NULL, text TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " source TEXT NOT NULL, meta TEXT NOT NULL, search TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS proposals (note TEXT NOT NULL, phase TEXT NOT NULL, pos INTEGER NOT NULL,"
    " data TEXT NOT NULL, PRIMARY KEY (note, phase, pos))",
    "CREATE TABLE IF NOT EXISTS sections (note TEXT NOT NULL, pos INTEGER NOT NULL, id TEXT NOT NULL,"
    " title TEXT NOT NULL, level INTEGER NOT NULL, start_line INTEGER NOT NULL, end_line INTEGER NOT NULL,"
    " path TEXT NOT NULL, text TEXT, PRIMARY KEY (note, pos))",
    "CREATE TABLE IF NOT EXISTS mentions (note TEXT NOT NULL, pos INTEGER NOT NULL, concept TEXT NOT NULL,"
    " section TEXT NOT NULL, line INTEGER NOT NULL, surface TEXT NOT NULL, PRIMARY KEY (note, pos))",
    "CREATE TABLE IF NOT EXISTS relations (note TEXT NOT NULL, pos INTEGER NOT NULL, source TEXT NOT NULL,"
    " relation TEXT NOT NULL, target TEXT NOT NULL, rule TEXT NOT NULL, confidence DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (note, pos))",
    "CREATE TABLE IF NOT EXISTS evidence (note TEXT NOT NULL, relation_pos INTEGER NOT NULL, pos INTEGER NOT NULL,"
    " doc TEXT NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (note, relation_pos, pos))",
    _TEXT_CACHE,
)
_DERIVED_TABLES = ("proposals", "sections", "mentions", "relations", "evidence")


def _concept(data: str) -> Concept:
    return Concept.from_dict(json.loads(data))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Writer:
    """:class:`kg.storage.Writer` over one connection inside ``BEGIN IMMEDIATE``."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.dirty = False

    def heads(self) -> list[NoteHead]:
        proposals: dict[tuple[str, str], list[Concept]] = defaultdict(list)
        for note, phase, data in self.db.execute("SELECT note, phase, data FROM proposals ORDER BY note, phase, pos"):
            proposals[(note, phase)].append(_concept(data))
        return [NoteHead(i, seq, cast(Namespace, ns), sha, tuple(proposals[(i, "shaped")]), tuple(proposals[(i, "slotted")]))
                for i, seq, ns, sha in self.db.execute("SELECT id, seq, namespace, sha256 FROM notes ORDER BY seq")]

    def meta(self) -> tuple[tuple[Concept, ...], str]:
        return _meta(self.db)

    def documents(self, ids: list[str]) -> list[Document]:
        out: list[tuple[int, Document]] = []
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT seq, id, title, text, sha256, source, meta, namespace FROM notes "
                                   f"WHERE id IN ({marks})", chunk)
            out.extend((row[0], _document(row[1:])) for row in rows)
        return [d for _, d in sorted(out, key=lambda item: item[0])]

    def containing(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(set(keys))):
            where = " OR ".join(["instr(search, ?) > 0"] * len(chunk))
            found.update(row[0] for row in self.db.execute(f"SELECT id FROM notes WHERE {where}", chunk))
        return found

    def put(self, document: Document, namespace: Namespace, derived: Derived, search: str) -> None:
        self.delete(document.id)
        (seq,) = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM notes").fetchone()
        self.db.execute("INSERT INTO notes (id, seq, namespace, title, text, sha256, source, meta, search) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (document.id, seq, namespace, document.title, document.text, document.sha256, document.source,
                         _json(document.meta), search))
        self._insert_derived(document.id, document.text, derived)

    def rederive(self, note_id: str, derived: Derived) -> None:
        row = self.db.execute("SELECT text FROM notes WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise StoreError(f"cannot re-derive {note_id!r}: it is not stored")
        for table in _DERIVED_TABLES:
            self.db.execute(f"DELETE FROM {table} WHERE note = ?", (note_id,))
        self._insert_derived(note_id, row[0], derived)

    def delete(self, note_id: str) -> None:
        self.dirty = True
        for table in _DERIVED_TABLES:
            self.db.execute(f"DELETE FROM {table} WHERE note = ?", (note_id,))
        self.db.execute("DELETE FROM notes WHERE id = ?", (note_id,))

    def set_meta(self, catalogue: tuple[Concept, ...], fingerprint: str) -> None:
        self.dirty = True
        self.db.execute("DELETE FROM catalogue")
        self.db.executemany("INSERT INTO catalogue (pos, data) VALUES (?, ?)",
                            [(i, _json(c.to_dict())) for i, c in enumerate(catalogue)])
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'fingerprint'", (fingerprint,))

    def _insert_derived(self, note: str, text: str, derived: Derived) -> None:
        self.dirty = True
        lines = text.split("\n")
        db = self.db
        db.executemany("INSERT INTO proposals (note, phase, pos, data) VALUES (?, ?, ?, ?)",
                       [(note, phase, i, _json(c.to_dict()))
                        for phase, items in (("shaped", derived.shaped), ("slotted", derived.slotted))
                        for i, c in enumerate(items)])
        db.executemany("INSERT INTO sections (note, pos, id, title, level, start_line, end_line, path, text) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(note, i, s.id, s.title, s.level, s.start_line, s.end_line, _json(list(s.path)),
                         None if s.text == "\n".join(lines[s.start_line - 1:s.end_line]) else s.text)
                        for i, s in enumerate(derived.sections)])
        db.executemany("INSERT INTO mentions (note, pos, concept, section, line, surface) VALUES (?, ?, ?, ?, ?, ?)",
                       [(note, i, m.concept, m.section, m.line, m.surface) for i, m in enumerate(derived.mentions)])
        db.executemany("INSERT INTO relations (note, pos, source, relation, target, rule, confidence) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(note, i, r.source, r.relation, r.target, r.rule, r.confidence)
                        for i, r in enumerate(derived.relations)])
        db.executemany("INSERT INTO evidence (note, relation_pos, pos, doc, line, text) VALUES (?, ?, ?, ?, ?, ?)",
                       [(note, i, j, e.doc, e.line, e.text)
                        for i, r in enumerate(derived.relations) for j, e in enumerate(r.evidence)])


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _document(row: Sequence[Any]) -> Document:
    doc_id, title, text, sha, source, meta, namespace = row
    return Document(doc_id, title, text, sha, source, namespace == "bundled", json.loads(meta))


def cached_values(db: Any, kind: str, digest: str, keys: Sequence[str]) -> dict[str, str]:
    """The cached values of ``keys`` (sha1 of texts) under ``kind`` and ``digest``; missing ones are left out."""
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(set(keys))):
        marks = ",".join("?" * len(chunk))
        found.update(db.execute(f"SELECT sha1, value FROM text_cache WHERE kind = ? AND digest = ? AND sha1 IN ({marks})",
                                [kind, digest, *chunk]))
    return found


def cache_values(db: Any, kind: str, digest: str, values: dict[str, str]) -> None:
    """Add ``values`` (sha1 -> value) under ``kind`` and ``digest`` and forget that kind's rows under other
    digests (their code or dictionary is gone). Inside the caller's transaction; never bumps the generation."""
    db.execute("DELETE FROM text_cache WHERE kind = ? AND digest <> ?", (kind, digest))
    # A row already there takes the new value: stored tokens name the terms they were cut with,
    # and are stored again when those change (qa.readmodel); any other value is the same anyway.
    db.executemany("INSERT INTO text_cache (kind, digest, sha1, value) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (kind, digest, sha1) DO UPDATE SET value = excluded.value",
                   [(kind, digest, k, v) for k, v in sorted(values.items())])  # one order: replicas never deadlock


def _meta(db: sqlite3.Connection) -> tuple[tuple[Concept, ...], str]:
    catalogue = tuple(_concept(d) for (d,) in db.execute("SELECT data FROM catalogue ORDER BY pos"))
    row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    return catalogue, row[0] if row else ""


class SQLiteStorage:
    """:class:`kg.storage.Storage` in ``directory/kb.sqlite``; one connection per operation, so
    threads and forked processes never share one."""

    def __init__(self, directory: Path, busy_seconds: float = BUSY_SECONDS) -> None:
        self.directory = Path(directory)
        self.path = self.directory / DB_FILE
        self.location = str(self.path)
        self._busy = busy_seconds
        self._poll_lock = threading.Lock()
        self._poll: sqlite3.Connection | None = None
        self._seen: tuple[int, int] | None = None  # (data_version, generation) last polled
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the knowledge base directory {self.directory}: {exc}") from None
        self.uid = self._init()

    def _fail(self, exc: Exception) -> StoreError:
        if "locked" in str(exc) or "busy" in str(exc):
            return StoreError(f"{self.path} stayed locked by another kgqa process for {self._busy:.0f} s; try again "
                              "when its ingest or remove has finished")
        return StoreError(f"{self.path} is unreadable ({exc}); move it away and rebuild with "
                          f"`kgqa build --kb {self.directory}`")

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=self._busy, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {int(self._busy * 1000)}")
            db.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            raise self._fail(exc) from None
        return db

    def _init(self) -> str:
        """Create the schema unless it is there (checked first without a lock, so opening a store
        never waits for a running ingest); refuse another schema version. Returns the store's uid
        (made once, the first time this kgqa opens it)."""
        db = self._connect()
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            try:
                version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0]
            except (sqlite3.OperationalError, TypeError):  # no meta table yet, or no version row
                db.execute("BEGIN IMMEDIATE")
                for statement in SCHEMA:
                    db.execute(statement)
                db.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                               [("format", FORMAT), ("version", str(SCHEMA_VERSION)), ("fingerprint", ""),
                                ("generation", "0")])
                version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0]
                db.execute("COMMIT")
            uid = db.execute("SELECT value FROM meta WHERE key = 'uid'").fetchone()
            if uid is None:  # new, or made before stores had one
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('uid', ?)", (uuid.uuid4().hex,))
                uid = db.execute("SELECT value FROM meta WHERE key = 'uid'").fetchone()
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._fail(exc) from None
        finally:
            db.close()
        if version != str(SCHEMA_VERSION):
            raise StoreError(f"{self.path} has schema version {version}, this kgqa reads {SCHEMA_VERSION}; "
                             f"rebuild it with `kgqa build --reset --yes --kb {self.directory}`")
        return str(uid[0])

    @contextmanager
    def write(self) -> Iterator[_Writer]:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            writer = _Writer(db)
            try:
                yield writer
                if writer.dirty:
                    db.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._fail(exc) from None
        finally:
            db.close()

    def read(self) -> State:
        db = self._connect()
        try:
            db.execute("BEGIN")  # one snapshot of the WAL for every query below
            state = self._read(db)
            db.execute("COMMIT")
            return state
        except (sqlite3.Error, ValueError, KeyError) as exc:
            raise self._fail(exc) from None
        finally:
            db.close()

    def _read(self, db: sqlite3.Connection) -> State:
        catalogue, fingerprint = _meta(db)
        generation = int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
        notes = db.execute("SELECT seq, id, title, text, sha256, source, meta, namespace FROM notes ORDER BY seq").fetchall()
        lines = {row[1]: row[3].split("\n") for row in notes}
        # Every row brings its own copy of each name (a note's id, a concept, a surface form): at
        # 1,000 notes 409k mentions held 1.6M strings, 108 MB, for 2,500 distinct values. Interned,
        # each name is one object, shared with the snapshot that a refresh replaces too.
        name = sys.intern
        grouped: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for note, phase, data in db.execute("SELECT note, phase, data FROM proposals ORDER BY note, phase, pos"):
            grouped[note][phase].append(_concept(data))
        for note, sid, title, level, start, end, path, text in db.execute(
                "SELECT note, id, title, level, start_line, end_line, path, text FROM sections ORDER BY note, pos"):
            body = text if text is not None else "\n".join(lines[note][start - 1:end])
            grouped[note]["sections"].append(Section(sid, name(note), title, level, start, end, body,
                                                     tuple(map(name, json.loads(path)))))
        for note, concept, section, line, surface in db.execute(
                "SELECT note, concept, section, line, surface FROM mentions ORDER BY note, pos"):
            note = name(note)
            grouped[note]["mentions"].append(Mention(name(concept), name(section), note, line, name(surface)))
        evidence: dict[tuple[str, int], list[Evidence]] = defaultdict(list)
        for note, rpos, doc, line, text in db.execute(
                "SELECT note, relation_pos, doc, line, text FROM evidence ORDER BY note, relation_pos, pos"):
            evidence[(note, rpos)].append(Evidence(name(doc), line, text))
        for note, pos, source, relation, target, rule, confidence in db.execute(
                "SELECT note, pos, source, relation, target, rule, confidence FROM relations ORDER BY note, pos"):
            grouped[note]["relations"].append(
                Relation(name(source), name(relation), name(target), tuple(evidence[(note, pos)]), name(rule),
                         float(confidence)))
        stored = []
        for row in notes:
            parts = grouped[row[1]]
            derived = Derived(tuple(parts["shaped"]), tuple(parts["slotted"]), tuple(parts["sections"]),
                              tuple(parts["mentions"]), tuple(parts["relations"]))
            stored.append(StoredNote(row[0], cast(Namespace, row[7]), _document(row[1:]), derived))
        return State(catalogue, fingerprint, generation, tuple(stored))

    def cached(self, kind: str, digest: str, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        db = self._connect()
        try:
            return cached_values(db, kind, digest, keys)
        except sqlite3.Error:  # an older store without the table, or unreadable: computed again
            return {}
        finally:
            db.close()

    def cache(self, kind: str, digest: str, values: dict[str, str]) -> None:
        if not values:
            return
        try:
            db = sqlite3.connect(self.path, timeout=CACHE_BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            db.execute("PRAGMA synchronous = FULL")
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(_TEXT_CACHE)  # a store created before the cache existed
                cache_values(db, kind, digest, values)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error:  # busy, read-only or full: the cache is best effort
            pass
        finally:
            db.close()

    def generation(self) -> int:
        with self._poll_lock:
            try:
                if self._poll is None:
                    self._poll = self._connect()
                version = self._poll.execute("PRAGMA data_version").fetchone()[0]
                if self._seen is None or self._seen[0] != version:
                    row = self._poll.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
                    self._seen = (version, int(row[0]))
                return self._seen[1]
            except sqlite3.Error as exc:
                raise self._fail(exc) from None

    def close(self) -> None:
        with self._poll_lock:
            if self._poll is not None:
                self._poll.close()
                self._poll = None
