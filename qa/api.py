"""The facade: :class:`KnowledgeBase` opens a knowledge base, answers questions, ingests notes.

It holds one compiled :class:`~qa.readmodel.ReadModel` and replaces it whole (one
attribute assignment, atomic for readers) after an ingest or a remove, so a question asked
meanwhile is answered from the old model or the new one, never from a mix.

>>> kb = KnowledgeBase.open()                 # doctest: +SKIP
>>> kb.ask("BN层的作用是什么?").sources[0].doc  # doctest: +SKIP
'02-deep-learning-general-knowledge.md'
"""
from __future__ import annotations

import hashlib
import html
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.pipeline import check_names, corpus_fingerprint, ingest_notes, open_kb, open_store, read_snapshot, remove_note
from ingest.reader import read_note
from kg.collector import paused, reclaim
from kg.errors import InputError, StoreError
from kg.graph import KnowledgeGraph
from kg.storage import default_kb_dir, is_url
from kg.store import Snapshot
from qa.answer import Answer
from qa.answerer import Answerer, simplified
from qa.embed import DEFAULT_MODEL, Embedder, embedder_for
from qa.image import image_key, load_image, older_key, save_image
from qa.ranker import Ranker
from qa.readmodel import ReadModel, TokenCache, compile_model
from qa.refusal import RefusalModel
from qa.retrieve import FEATURES, QUESTION_FEATURES, Retrieval, RetrievalConfig, Retriever
from qa.vectors import EmbeddingCache, bundled_vectors_path, text_key

_log = logging.getLogger("kgqa")

if TYPE_CHECKING:  # the demos' module is imported only when one runs
    from qa.demos import DemoResult

__all__ = ["Settings", "KnowledgeBase", "default_kb_dir", "clean_question", "MAX_QUESTION_CHARS"]

MAX_QUESTION_CHARS = 500
REFRESH_SECONDS = 1.0  # how often an ask checks the store for another process's commits
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufe0e\ufe0f]")
_TAG = re.compile(r"<!--.*?-->|<\s*(script|style)\b.*?</\s*\1\s*>|</?[A-Za-z][^<>]*>", re.S | re.I)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARK = re.compile(r"(\*\*|__|`{1,3}|^#{1,6}\s+|^>\s*)", re.M)
_URL = re.compile(r"https?://\S+")


def local_dir(location: str | Path) -> Path:
    """The local directory of a knowledge base: itself, or for a database URL a per-database
    directory under ``~/.cache/kgqa`` (each replica keeps its own vectors there).

    >>> local_dir("/data/kb")
    PosixPath('/data/kb')
    """
    if not is_url(location):
        return Path(location)
    digest = hashlib.sha256(str(location).encode("utf-8")).hexdigest()[:16]
    return Path.home() / ".cache" / "kgqa" / f"db-{digest}"


def _strip_markup(text: str) -> str:
    """The words of ``text`` without HTML tags, Markdown marks, links' targets, URLs and emoji.

    >>> _strip_markup("BN层的作用是什么? <img src=x onerror=alert(1)> 🙏 **急**")
    'BN层的作用是什么? 急'
    """
    text = _TAG.sub(" ", text)
    text = html.unescape(_MD_MARK.sub("", _MD_LINK.sub(r"\1", text)))
    text = _URL.sub(" ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Cs", "Co", "Cn"))
    return re.sub(r"[ \t]+", " ", text).strip()


def clean_question(question: object) -> str:
    """The question as retrieval sees it: NFC, no control characters, markup or emoji around it.
    Raises InputError when nothing usable is left.

    >>> clean_question("  BN\\x00层?\\n")
    'BN层?'
    """
    if not isinstance(question, str):
        raise InputError("the question must be text")
    if len(question) > 20 * MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question):,} characters long; keep it under {MAX_QUESTION_CHARS}")
    text = _strip_markup(_CONTROL.sub("", unicodedata.normalize("NFC", question)))
    if not re.search(r"[\w\u3400-\u9fff]", text):
        what = "empty" if not _CONTROL.sub("", question).strip() else "without words once markup, emoji and symbols are set aside"
        raise InputError(f"the question is {what}: type a question, e.g. 'BN层的作用是什么?'")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(text):,} characters long; keep it under {MAX_QUESTION_CHARS}")
    return text


@dataclass(frozen=True)
class Settings:
    """How a knowledge base embeds, ranks and refuses."""

    model: str = DEFAULT_MODEL
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    ranker: Ranker | None = None          # None: the fitted one shipped in qa/models
    refusal: RefusalModel | None = None   # None: likewise


class KnowledgeBase:
    """Questions in, grounded answers out; notes in and out. Safe to share between threads."""

    def __init__(self, path: str | Path, embedder: Embedder, settings: Settings,
                 progress: Callable[[str], None] | None, stale: bool = False) -> None:
        self.location = str(path) if is_url(path) else Path(path)  # a directory, or a postgresql:// URL
        self.path = local_dir(path)  # where this process keeps its vector cache and feedback
        self.settings = settings
        self.embedder = embedder
        self._progress = progress
        self._lock = threading.Lock()
        self.answerer = Answerer(embedder, settings.ranker or Ranker.load(FEATURES),
                                 settings.refusal or RefusalModel.load(QUESTION_FEATURES, embedder.model_id),
                                 settings.retrieval)
        self._cache = EmbeddingCache.open(embedder.model_id, [bundled_vectors_path(embedder.model_id),
                                                              self._cache_file()])
        self._store = open_store(self.location, progress)
        self._tokens: TokenCache = {}
        self._save_lock = threading.Lock()
        self._saver: threading.Thread | None = None  # saves the images of compiled models (_save_later)
        self._pending: tuple[ReadModel, str] | None = None
        self._checked = time.monotonic()
        self.from_image = False  # whether the model was read back from its saved image
        self.stale = False  # whether it is an earlier generation's, until refresh() swaps in the current one
        self._generation: int | None = None
        self._model = self._open(stale)

    @classmethod
    def open(cls, path: str | Path | None = None, *, settings: Settings | None = None, embedder: Embedder | None = None,
             progress: Callable[[str], None] | None = None, stale: bool = False) -> KnowledgeBase:
        """Open the knowledge base at ``path`` (default :func:`default_kb_dir`), building it from
        the bundled corpus if there is none yet, and compile its read model.

        ``stale``: when notes changed since the model was last saved, start from that saved model
        (:attr:`stale` is then True) and leave the compile to :meth:`refresh`, which a server runs
        in the background: it answers at once, from the notes as they were, and sees the change
        when the compile is done. Without it the open compiles first (a CLI answer must see the
        note just ingested)."""
        settings = settings or Settings()
        location = (str(path) if is_url(path) else Path(path)) if path else default_kb_dir()
        return cls(location, embedder or embedder_for(settings.model), settings, progress, stale)

    def _cache_file(self) -> Path:
        return self.path / "index" / bundled_vectors_path(self.embedder.model_id).name

    def _open(self, stale: bool) -> ReadModel:
        """The read model: its saved image when the store is still at the generation it was saved at
        (about 6x faster than compiling at 1,000 notes), else (``stale``) an earlier generation's
        image, else compiled from the store."""
        started = time.perf_counter()
        generation = self._store.generation()
        folder = self._cache_file().parent
        key = image_key(self._store.uid, generation, corpus_fingerprint(), self.embedder.model_id)
        model = load_image(folder, key, folder, self._progress)
        older = older_key(folder, key) if model is None and stale else None
        if older is not None and (model := load_image(folder, older, folder, self._progress)) is not None:
            generation, self.stale = int(older.rpartition("-")[2]), True  # so refresh() compiles the current one
            if self._progress:
                self._progress("answering from the notes as last saved while the changed ones compile")
        if model is None:
            with paused(settle=True):  # the snapshot's records and the model built of them live on
                return self._compile(open_kb(self._store, self._progress))
        self.compile_seconds, self._generation, self.from_image = time.perf_counter() - started, generation, True
        # The next compile (a refresh, an ingest) takes the tokens of unchanged passages from this
        # model: not read from the store again, and the very tuples, so both models share them.
        self._tokens = {(model.tokenizer.digest, p.indexed_text): t for p, t in zip(model.passages, model.tokens)}
        return model

    def _compile(self, snapshot: Snapshot, previous: ReadModel | None = None) -> ReadModel:
        """The read model of ``snapshot`` (sharing what it can with the ``previous`` one); afterwards
        :meth:`refresh` compares against its generation."""
        started = time.perf_counter()
        with paused(settle=True):  # millions of long-lived objects (kg.collector)
            model = compile_model(snapshot, self.embedder, self._cache, self._progress, self._tokens, self._store,
                                  self._cache_file().parent, previous.tokenizer if previous else None)
        # Keep the tokens of this model's texts only: the next compile re-tokenises just what is new.
        keep = {(model.tokenizer.digest, t) for p in model.passages for t in (p.indexed_text, p.heading)}
        self._tokens = {k: v for k, v in self._tokens.items() if k in keep}
        if self._cache.added:
            try:
                self._cache.save(self._cache_file(), model.keys())
            except OSError as exc:
                raise StoreError(f"cannot write the embedding cache to {self._cache_file()}: {exc}") from None
            self._cache.added = 0
        self._generation, self.stale = snapshot.meta.get("generation"), False
        if self._generation is not None and snapshot.corpus_fingerprint == corpus_fingerprint():
            self._save_later(model, image_key(self._store.uid, self._generation, snapshot.corpus_fingerprint,
                                              self.embedder.model_id))
        self.compile_seconds = time.perf_counter() - started
        return model

    def _save_later(self, model: ReadModel, key: str) -> None:
        """Save ``model``'s image in a background thread, so the compiled model answers at once
        (the save took 4-5 s of a 25-30 s open at 1,000 notes). One thread saves at a time, and
        only the newest model waiting: a model replaced before its turn is never saved, so quick
        successive ingests hold at most two models in memory. The thread is not a daemon, so a
        CLI process finishes the save before it exits; the write is atomic either way."""
        with self._save_lock:
            self._pending = (model, key)
            if self._saver is None:
                self._saver = threading.Thread(target=self._save_pending, args=(self._cache_file().parent,),
                                               name="kgqa-image", daemon=False)
                self._saver.start()

    def _save_pending(self, folder: Path) -> None:
        while True:
            with self._save_lock:
                job, self._pending = self._pending, None
                if job is None:
                    self._saver = None
                    return
            try:  # best effort: a read-only folder only means compiling again next time
                save_image(job[0], folder, job[1])
            except Exception as exc:  # noqa: BLE001 - a cache write in the background must never end the process
                _log.warning("the read model's image was not saved (%s: %s); the next open compiles again",
                             type(exc).__name__, exc)

    def wait_saved(self) -> None:
        """Return once the image of the last compiled model is written (or failed to be)."""
        while True:
            with self._save_lock:
                saver = self._saver
            if saver is None:
                return
            saver.join()

    # -- the read model ------------------------------------------------------------------
    @property
    def model(self) -> ReadModel:
        """The current compiled read model (replaced whole on ingest and remove)."""
        return self._model

    @property
    def snapshot(self) -> Snapshot:
        return self._model.snapshot

    @property
    def graph(self) -> KnowledgeGraph:
        return self._model.graph

    def retriever(self, model: ReadModel | None = None) -> Retriever:
        return self.answerer.retriever(model or self._model)

    # -- notes -----------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path]) -> Snapshot:
        """Add note files (same rules as ``kgqa ingest``) and swap in the new read model."""
        notes = [read_note(p) for p in paths]  # every file read and named before anything is written
        check_names(notes, paths)
        with self._lock:
            ingest_notes(self._store, notes, self._progress)
            snapshot = self._swap()
        reclaim()
        return snapshot

    def remove(self, doc: str) -> Snapshot:
        """Remove a note (by file name) and everything only it supported, then swap in the new model."""
        with self._lock:
            remove_note(self._store, doc, self._progress)
            snapshot = self._swap()
        reclaim()
        return snapshot

    def _swap(self) -> Snapshot:
        """Compile the store as it is now and make it the model (the caller holds the lock, and
        :func:`~kg.collector.reclaim` the old model's graph once it let go)."""
        with paused(settle=True):
            snapshot = read_snapshot(self._store)
            self._model = self._compile(snapshot, self._model)
        return snapshot

    def refresh(self, every: float = 0.0) -> bool:
        """Swap in a fresh read model if another process (or replica) committed a change since ours
        was compiled; checks at most once per ``every`` seconds, and never waits for an ingest in
        this process. True when it swapped. A :attr:`stale` model is refreshed only when asked
        directly (``every`` = 0, as the server's background thread does), never inside an ask."""
        now = time.monotonic()
        if (self.stale and every) or now - self._checked < every or not self._lock.acquire(blocking=False):
            return False
        try:
            self._checked = now
            if self._store.generation() == self._generation:
                return False
            self._swap()
        finally:
            self._lock.release()
        reclaim()
        return True

    def export_vectors(self, path: Path, passages: Sequence[str] = ()) -> int:
        """Save the vectors of the current model's texts (and of ``passages``, embedded in the
        passage role) to ``path``; returns how many. ``make vectors`` ships them with the corpus."""
        self._cache.embed("passage", list(passages), self.embedder.encode_passages, self.embedder.dim)
        keys = self._model.keys() | {text_key("passage", t) for t in passages}
        self._cache.save(Path(path), keys)
        return len(keys)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised query-role embeddings of ``texts`` (rows of a float32 array)."""
        return self.embedder.encode_queries(list(texts))

    # -- demos -----------------------------------------------------------------------------
    def run_demo(self, demo_id: str, lang: str = "zh", **params: object) -> DemoResult:
        from qa.demos import run_demo

        return run_demo(demo_id, lang, **params)

    # -- questions -------------------------------------------------------------------------
    def retrieve(self, question: str, k: int = 5, drop: Iterable[str] = ()) -> Retrieval:
        self.refresh(REFRESH_SECONDS)
        return self.retriever().retrieve(simplified(clean_question(question)), k, frozenset(drop))

    def ask(self, question: str, k: int = 5, asked: Sequence[str] = ()) -> Answer:
        """Answer ``question`` from the notes with up to ``k`` cited sources, mark it as a possible
        match, or refuse; ``asked`` are the session's earlier questions (never offered as follow-ups)."""
        if not isinstance(k, int) or not 1 <= k <= 20:
            raise InputError(f"k={k!r} is out of range: choose an integer in 1..20")
        text = clean_question(question)
        self.refresh(REFRESH_SECONDS)  # notes another process ingested meanwhile
        return self.answerer.ask(self._model, text, k, asked)  # one model for the whole answer
