"""A shared store: one PostgreSQL database for several app replicas (psycopg 3).

The same tables as :mod:`kg.sqlite` (its portable :data:`~kg.sqlite.SCHEMA`) and the same
writer, so both backends store exactly the same rows. What differs stays here:

* **Writers** are serialised by a transaction-level advisory lock taken first
  (``pg_advisory_xact_lock``), so a writer plans its change on the current state and two
  ingests never lose one another's note, whichever machine they run on.
* **Readers** read in one ``REPEATABLE READ READ ONLY`` transaction: a committed state, never a
  torn one.
* **Change notification**: a committed write bumps the generation and sends it with
  ``NOTIFY kgqa_kb``. Each :class:`PostgresStorage` keeps one listening connection (a daemon
  thread), so :meth:`~PostgresStorage.generation` answers from memory and a replica learns of
  another's ingest within milliseconds; if the listener's connection drops it falls back to a
  query and reconnects.

URLs are libpq's: ``postgresql://USER:PASS@HOST:5432/DB``, or a Unix socket with
``postgresql:///DB?host=/run/postgresql``. The password never appears in :attr:`location`.

>>> store = PostgresStorage("postgresql:///kgqa?host=/tmp/pg")   # doctest: +SKIP
>>> store.generation()                                           # doctest: +SKIP
0
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from kg.errors import StoreError
from kg.sqlite import FORMAT, SCHEMA, SCHEMA_VERSION, SQLiteStorage, _Writer, cache_values, cached_values
from kg.storage import State

__all__ = ["PostgresStorage", "CHANNEL", "redact"]

CHANNEL = "kgqa_kb"
_WRITE_LOCK = 0x6B677161  # "kgqa": the advisory lock every writer takes first
CONNECT_SECONDS = 10
_RECHECK_SECONDS = 30.0  # the listener re-reads the generation this often even without a notification


def redact(url: str) -> str:
    """``url`` without its password, for messages.

    >>> redact("postgresql://kgqa:s3cret@db.example:5432/kb")
    'postgresql://kgqa:***@db.example:5432/kb'
    """
    return re.sub(r"(//[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)


def _sql(statement: str) -> str:
    """SQLite's placeholders and ``instr`` in PostgreSQL's dialect.

    >>> _sql("SELECT id FROM notes WHERE instr(search, ?) > 0 AND id = ?")
    'SELECT id FROM notes WHERE strpos(search, %s) > 0 AND id = %s'
    """
    return statement.replace("instr(", "strpos(").replace("?", "%s")


class _Connection:
    """The slice of the ``sqlite3.Connection`` interface that :class:`kg.sqlite._Writer` and the
    reader use (``execute`` returning a cursor, ``executemany``), over a psycopg connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, statement: str, params: Any = ()) -> Any:
        return self.conn.execute(_sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Any) -> None:
        rows = list(rows)
        if rows:
            with self.conn.cursor() as cursor:
                cursor.executemany(_sql(statement), rows)


class PostgresStorage:
    """:class:`kg.storage.Storage` in the PostgreSQL database at ``url``; one connection per
    operation (threads never share one) plus one listening connection per object."""

    def __init__(self, url: str, *, listen: bool = True, connect_seconds: float = CONNECT_SECONDS) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is installed with kgqa[postgres]
            raise StoreError(f"cannot use PostgreSQL ({exc}); pip install 'psycopg[binary]'") from None
        self._psycopg = psycopg
        self.url = url
        self.location = redact(url)
        self._timeout = connect_seconds
        self._generation: int | None = None  # as last heard by the listener; None: ask the database
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self.uid = self._init()
        if listen:
            self._listener = threading.Thread(target=self._listen, name=f"kgqa-listen {self.location}", daemon=True)
            self._listener.start()

    # -- connections ------------------------------------------------------------------------
    def _fail(self, exc: Exception) -> StoreError:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return StoreError(f"PostgreSQL at {self.location}: {reason}")

    def _connect(self, autocommit: bool = False) -> Any:
        try:
            return self._psycopg.connect(self.url, autocommit=autocommit, connect_timeout=max(1, int(self._timeout)),
                                         application_name="kgqa")
        except self._psycopg.Error as exc:
            raise self._fail(exc) from None

    def _init(self) -> str:
        """Create the schema unless it is there; refuse another schema version; the store's uid."""
        conn = self._connect()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))  # two replicas starting at once
                for statement in SCHEMA:
                    conn.execute(statement)
                for key, value in (("format", FORMAT), ("version", str(SCHEMA_VERSION)), ("fingerprint", ""),
                                   ("generation", "0"), ("uid", uuid.uuid4().hex)):
                    conn.execute("INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", (key, value))
                row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
                uid = conn.execute("SELECT value FROM meta WHERE key = 'uid'").fetchone()
        except self._psycopg.Error as exc:
            raise self._fail(exc) from None
        finally:
            conn.close()
        if row[0] != str(SCHEMA_VERSION):
            raise StoreError(f"{self.location} has schema version {row[0]}, this kgqa reads {SCHEMA_VERSION}; "
                             "restore a `kgqa dump` into a new database")
        return str(uid[0])

    # -- the protocol -----------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[_Writer]:
        """One serialised write transaction; commits with the generation bumped and announced."""
        conn = self._connect()
        value = None
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
                writer = _Writer(cast(Any, _Connection(conn)))
                yield writer
                if writer.dirty:
                    (value,) = conn.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                                            "WHERE key = 'generation' RETURNING value").fetchone()
                    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, value))  # delivered at commit
            if value is not None and self._generation is not None:  # our own commit: no need to wait for its echo
                self._generation = max(self._generation, int(value))
        except self._psycopg.Error as exc:
            raise self._fail(exc) from None
        finally:
            conn.close()

    def read(self) -> State:
        conn = self._connect()
        try:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            state = SQLiteStorage._read(cast(Any, self), cast(Any, _Connection(conn)))
            conn.execute("COMMIT")
            return state
        except (self._psycopg.Error, ValueError, KeyError) as exc:
            raise self._fail(exc) from None
        finally:
            conn.close()

    def cached(self, kind: str, digest: str, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        try:
            conn = self._connect(autocommit=True)
        except StoreError:
            return {}
        try:
            return cached_values(_Connection(conn), kind, digest, keys)
        except self._psycopg.Error:
            return {}
        finally:
            conn.close()

    def cache(self, kind: str, digest: str, values: dict[str, str]) -> None:
        """Best effort, without the writers' lock: ``ON CONFLICT DO UPDATE`` lets replicas race."""
        if not values:
            return
        try:
            conn = self._connect()
        except StoreError:
            return
        try:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '2s'")
                cache_values(_Connection(conn), kind, digest, values)
        except self._psycopg.Error:
            pass
        finally:
            conn.close()

    def generation(self) -> int:
        known = self._generation
        return known if known is not None else self._query_generation()

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
            self._listener = None

    # -- change notification -------------------------------------------------------------------
    def _query_generation(self, conn: Any = None) -> int:
        own = conn is None
        conn = conn or self._connect(autocommit=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            return int(row[0])
        except self._psycopg.Error as exc:
            raise self._fail(exc) from None
        finally:
            if own:
                conn.close()

    def _listen(self) -> None:
        """LISTEN until :meth:`close`: every notification (and a re-read every
        :data:`_RECHECK_SECONDS`) updates the generation; a dropped connection is retried."""
        delay = 0.5
        while not self._stop.is_set():
            try:
                with self._psycopg.connect(self.url, autocommit=True, connect_timeout=max(1, int(self._timeout)),
                                           application_name="kgqa-listen") as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._generation = self._query_generation(conn)  # after LISTEN: nothing slips between
                    delay, checked = 0.5, time.monotonic()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.payload.isdigit():
                                self._generation = max(self._generation or 0, int(note.payload))
                        if time.monotonic() - checked > _RECHECK_SECONDS:
                            self._generation, checked = self._query_generation(conn), time.monotonic()
            except (self._psycopg.Error, StoreError, OSError):
                self._generation = None  # unknown until we listen again: generation() asks the database
                self._stop.wait(delay)
                delay = min(delay * 2, 30.0)
