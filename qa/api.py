"""The facade: :class:`KnowledgeBase` opens a knowledge base, answers questions, ingests notes.

>>> kb = KnowledgeBase.open()                 # doctest: +SKIP
>>> kb.ask("BN层的作用是什么?").sources[0].doc  # doctest: +SKIP
'02-deep-learning-general-knowledge.md'
"""
from __future__ import annotations

import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.linker import Linker
from ingest.pipeline import ingest_files, open_kb, remove_doc
from kg.errors import InputError
from kg.graph import KnowledgeGraph
from kg.model import Relation
from kg.store import Snapshot
from kg.text import has_cjk
from qa.answer import Answer, ConceptRef, Source
from qa.compose import answer_markdown, chains, facts, key_points, refusal_markdown
from qa.embed import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from qa.followups import followups
from qa.index import Index, load_or_build
from qa.intent import RELATIONS_FOR
from qa.refusal import RefusalModel
from qa.retrieve import Retrieval, RetrievalConfig, Retriever

__all__ = ["Settings", "KnowledgeBase", "default_kb_dir", "clean_question", "MAX_QUESTION_CHARS"]

MAX_QUESTION_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def default_kb_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$KGQA_KB``, else ``$XDG_DATA_HOME/kgqa/kb``, else ``~/.local/share/kgqa/kb`` (read when called)."""
    env = os.environ if environ is None else environ
    if env.get("KGQA_KB"):
        return Path(env["KGQA_KB"]).expanduser()
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "kgqa" / "kb"


def clean_question(question: object) -> str:
    """The question without control characters and surrounding space; raises InputError when unusable.

    >>> clean_question("  BN\\x00层?\\n")
    'BN层?'
    """
    if not isinstance(question, str):
        raise InputError("the question must be text")
    text = _CONTROL.sub("", unicodedata.normalize("NFC", question)).strip()
    if not text:
        raise InputError("the question is empty: type a question, e.g. 'BN层的作用是什么?'")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(text):,} characters long; keep it under {MAX_QUESTION_CHARS}")
    return text


@dataclass(frozen=True)
class Settings:
    """How a knowledge base embeds, ranks and refuses."""

    model: str = DEFAULT_MODEL
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    refusal: RefusalModel = field(default_factory=RefusalModel)


@dataclass(frozen=True)
class _State:
    """One consistent view of the knowledge base; replaced whole on ingest/remove."""

    snapshot: Snapshot
    index: Index
    retriever: Retriever
    heading_mentions: dict[str, set[str]]


class KnowledgeBase:
    """Questions in, grounded answers out; notes in and out. Safe to share between threads."""

    def __init__(self, path: Path, embedder: Embedder, settings: Settings, progress: Callable[[str], None] | None) -> None:
        self.path = Path(path)
        self.settings = settings
        self._embedder = embedder
        self._progress = progress
        self._lock = threading.Lock()
        self._state = self._load(open_kb(self.path, progress))

    @classmethod
    def open(cls, path: str | Path | None = None, *, settings: Settings | None = None, embedder: Embedder | None = None,
             progress: Callable[[str], None] | None = None) -> KnowledgeBase:
        """Open the knowledge base at ``path`` (default :func:`default_kb_dir`), building it from
        the bundled corpus if there is none yet."""
        settings = settings or Settings()
        embedder = embedder or SentenceTransformerEmbedder(settings.model)
        return cls(Path(path) if path else default_kb_dir(), embedder, settings, progress)

    def _load(self, snapshot: Snapshot) -> _State:
        index = load_or_build(snapshot, self.path, self._embedder, self._progress)
        linker = Linker(snapshot.graph.concepts())
        retriever = Retriever(index, snapshot.graph, linker, self._embedder, self.settings.retrieval)
        return _State(snapshot, index, retriever, snapshot.heading_concepts())

    # -- the graph -----------------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot:
        return self._state.snapshot

    @property
    def graph(self) -> KnowledgeGraph:
        return self._state.snapshot.graph

    # -- notes -----------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path]) -> Snapshot:
        """Add note files (same rules as ``kgqa ingest``) and re-index."""
        with self._lock:
            snapshot = ingest_files(self.path, [Path(p) for p in paths], self._progress)
            self._state = self._load(snapshot)
            return snapshot

    def remove(self, doc: str) -> Snapshot:
        """Remove a note (by file name) and everything only it supported, then re-index."""
        with self._lock:
            snapshot = remove_doc(self.path, doc, self._progress)
            self._state = self._load(snapshot)
            return snapshot

    def embed(self, texts: Sequence[str]):
        """L2-normalised embeddings of ``texts`` with the knowledge base's model (rows of a float32 array)."""
        return self._embedder.encode(list(texts))

    # -- demos -----------------------------------------------------------------------------
    def run_demo(self, demo_id: str, **params: object):
        from qa.demos import run_demo

        return run_demo(demo_id, **params)

    # -- questions -------------------------------------------------------------------------
    def retrieve(self, question: str, k: int = 5) -> Retrieval:
        return self._state.retriever.retrieve(clean_question(question), k)

    def ask(self, question: str, k: int = 5) -> Answer:
        """Answer ``question`` from the notes with up to ``k`` cited sources, or refuse."""
        if not isinstance(k, int) or not 1 <= k <= 20:
            raise InputError(f"k={k!r} is out of range: choose an integer in 1..20")
        text = clean_question(question)
        state = self._state
        started = time.perf_counter()
        found = state.retriever.retrieve(text, k)
        lang = "zh" if has_cjk(text) or not re.search(r"[A-Za-z]", text) else "en"
        features = self.features(found)
        timings = {"retrieve_ms": round((time.perf_counter() - started) * 1000, 2)}
        if not found.hits or self.settings.refusal.refuse(features):
            return self._refusal(text, found, state, lang, timings)
        return self._answer(text, found, state, lang, k, timings)

    def features(self, found: Retrieval) -> tuple[float, ...]:
        """The refusal model's inputs (see :mod:`qa.refusal`)."""
        best = found.hits[0].score if found.hits else 0.0
        ceiling = sum(w for _, w in self.settings.retrieval.weights) / (self.settings.retrieval.rrf_k + 1)
        english = 0.0 if has_cjk(found.question) else 1.0
        return (found.coverage, found.dense_top, min(len(found.linked), 2) / 2, best / ceiling if ceiling else 0.0,
                found.novelty, min(found.unknown_terms, 2) / 2, english)

    def _nearest(self, found: Retrieval, state: _State) -> list[str]:
        titles = [state.index.passages[h.passage].title for h in found.hits[:3]]
        names = [state.snapshot.graph.concept(c).name for c in found.linked]
        return list(dict.fromkeys(names + titles))[:5]

    def _refusal(self, text: str, found: Retrieval, state: _State, lang: str, timings: dict[str, float]) -> Answer:
        nearest = self._nearest(found, state)
        return Answer(text, True, refusal_markdown(lang, nearest), intent=found.intent, lang=lang,
                      nearest=tuple(nearest), timings=timings)

    def _relations(self, graph: KnowledgeGraph, concepts: Sequence[str], intent: str, cited: set[tuple[str, int]]) -> list[Relation]:
        """Graph facts about the answer's concepts: edges between them, then intent-relevant ones,
        then ones whose evidence the answer cites."""
        chosen = set(concepts)
        wanted = set(RELATIONS_FOR.get(intent, ()))
        pool = {r.key: r for c in concepts for r in graph.relations_of(c)}.values()

        def rank(r: Relation) -> tuple[int, int, int]:
            both = r.source in chosen and r.target in chosen
            in_cited = any((e.doc, e.line) in cited for e in r.evidence)
            return (-int(both), -int(r.relation in wanted), -int(in_cited))

        return sorted(pool, key=rank)[:6]

    def _answer(self, text: str, found: Retrieval, state: _State, lang: str, k: int, timings: dict[str, float]) -> Answer:
        graph = state.snapshot.graph
        passages = [state.index.passages[h.passage] for h in found.hits[:k]]
        sources = tuple(Source(p.doc, p.start_line, p.end_line, p.text, round(h.score, 4), p.heading)
                        for p, h in zip(passages, found.hits))
        top_title = state.heading_mentions.get(passages[0].section, set())
        concept_ids = list(dict.fromkeys([*found.linked, *sorted(top_title), *found.related]))[:6]
        cited = {(p.doc, line) for p in passages for line in range(p.start_line, p.end_line + 1)}
        relations = self._relations(graph, concept_ids[:3], found.intent, cited)
        terms = [a for c in concept_ids[:3] for a in graph.concept(c).aliases]
        follow = followups(graph, state.snapshot.sections, state.heading_mentions, concept_ids,
                           {p.section for p in passages}, lang)
        demo_ids = self._demos(concept_ids)
        markdown = answer_markdown(lang, sources, key_points(sources, terms), chains(graph, relations, lang), follow,
                                   [self._demo_title(d, lang) for d in demo_ids])
        refs = tuple(ConceptRef(c, graph.concept(c).name, graph.concept(c).kind, graph.concept(c).display_zh) for c in concept_ids)
        return Answer(text, False, markdown, sources, refs, tuple(facts(graph, relations)), tuple(follow), tuple(demo_ids),
                      found.intent, lang, timings=timings)

    @staticmethod
    def _demos(concept_ids: Sequence[str]) -> list[str]:
        """Demos of the answer's concepts, those of its first concepts first."""
        from qa.demos import demos_for_concepts, get_demo

        order = {c: i for i, c in enumerate(concept_ids)}
        found = demos_for_concepts(concept_ids)
        return sorted(found, key=lambda d: min(order.get(c, len(order)) for c in get_demo(d).concepts))[:3]

    @staticmethod
    def _demo_title(demo_id: str, lang: str) -> str:
        from qa.demos import get_demo

        demo = get_demo(demo_id)
        return demo.title_zh if lang == "zh" else demo.title_en
