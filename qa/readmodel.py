"""The compiled read model: everything a question is answered from, built once per snapshot.

:func:`compile_model` is pure apart from the embedding cache it fills: a
:class:`~kg.store.Snapshot` and an :class:`~qa.embed.Embedder` in, a frozen
:class:`ReadModel` out. The model owns its own tokenizer (domain terms added *before*
any passage is tokenised, so stored tokens equal what :meth:`Tokenizer.tokenize` gives
now), the one :class:`~ingest.linker.Linker`, the passages with their mention and heading
maps, both BM25 indexes, the vector indexes (passages, sentences, question headings,
concepts), the intent-cue maps and the inverted maps that keep per-ask work proportional
to the candidates rather than the corpus. Retrieval, composition, refusal and the explorer
read only from it; :class:`~qa.api.KnowledgeBase` swaps it whole on ingest and remove.
What is costly and deterministic per text (tokens, folded text) persists in the store, keyed by
a digest of the code and dictionary that computed it and the text's sha1; a large graph index
persists in the vector folder, keyed by its rows: opening a knowledge base recomputes neither.

>>> from qa.embed import HashEmbedder               # doctest: +SKIP
>>> model = compile_model(snapshot, HashEmbedder())  # doctest: +SKIP
>>> model.passages[0].doc                            # doctest: +SKIP
'00-cnn-interview-basics.md'
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.linker import Linker
from kg.graph import KnowledgeGraph
from kg.model import Concept, Relation
from kg.store import Snapshot, atomic_file
from kg.text import fold
from qa.bank import Bank
from qa.bm25 import BM25, Tokenizer
from qa.chunks import Passage, code_lines, passages, substantive
from qa.embed import Embedder
from qa.followups import question_headings
from qa.homophone import Homophones
from qa.intent import cue_words, describe
from qa.vectors import APPROXIMATE_ABOVE, EmbeddingCache, FaissIndex, VectorIndex, add_in_order, text_key

__all__ = ["ReadModel", "TextCache", "TokenCache", "Unit", "compile_model", "concept_text", "sentence_units", "vector_index",
           "READ_MODEL_VERSION"]

READ_MODEL_VERSION = 2
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_HEADING_LINE = re.compile(r"^\s*#{1,6}\s")
_WORDY, _NOT_WORDY = r"[\u3400-\u9fffA-Za-z0-9]", r"[^\u3400-\u9fffA-Za-z0-9]"
_ENGLISH = re.compile(r"[a-z][a-z0-9\-]+")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")  # code's names (use_softmax), kept whole as well
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_RUN = re.compile(r"[A-Za-z]+")
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Unit:
    """A sentence of a passage, embedded on its own so one detail of a long section can be found."""

    passage: int
    text: str


def concept_text(concept: Concept) -> str:
    """What a concept node is embedded as: its names and its gloss."""
    names = ", ".join(dict.fromkeys([concept.name, *concept.zh, *concept.aliases]))
    return f"{names}: {concept.gloss}" if concept.gloss else names


def sentence_units(items: Sequence[Passage], min_chars: int = 8, max_chars: int = 300) -> list[Unit]:
    """The sentences of every passage outside headings, long enough to say something.

    >>> from qa.chunks import Passage
    >>> p = Passage("s.0", "n.md", "s", "Q", "T > Q", 1, 2, "## Q\\nBN层可以加快收敛。BN可以防止过拟合。好")
    >>> [u.text for u in sentence_units([p])]
    ['BN层可以加快收敛。', 'BN可以防止过拟合。']
    """
    out: list[Unit] = []
    # "At least min_chars // 2 word characters" as a match that stops at the last one it needs,
    # rather than a list of every word character (157k sentences at 1,000 notes: 1.4 -> 0.6 s).
    enough = re.compile(rf"(?:{_NOT_WORDY}*{_WORDY}){{{min_chars // 2}}}").match
    for index, passage in enumerate(items):
        for line in passage.text.split("\n"):
            if _HEADING_LINE.match(line):
                continue
            for raw in _SENTENCE.findall(line):
                sentence = raw.strip(" \t-*•>")
                # Length first: it is free, and most short lines stop there.
                if len(sentence) >= min_chars and enough(sentence):
                    out.append(Unit(index, sentence[:max_chars]))
    return out


def english_view(passage: Passage, titled: frozenset[str], mentioned: frozenset[str], concepts: dict[str, Concept]) -> str:
    """An English stand-in for a Chinese passage, so an English question can be matched by meaning:
    the heading's concepts with their glosses, what kind of answer the heading gives, and the
    other concepts the passage mentions. Never shown to users."""
    heads = sorted((concepts[c] for c in titled if c in concepts), key=lambda c: c.id)
    others = sorted(concepts[c].name for c in mentioned if c in concepts and c not in titled)[:8]
    parts = [", ".join(c.name for c in heads), describe(passage.title), " ".join(c.gloss for c in heads[:2]), ", ".join(others)]
    return ". ".join(p for p in parts if p) or passage.heading


def latin_share(text: str) -> float:
    """Share of letters that are Latin: how English a passage is.

    >>> latin_share("BN层"), latin_share("abc")
    (0.6666666666666666, 1.0)
    """
    # Counted as what a substitution removes: no list of matches is built (3x faster over 30k passages).
    latin = len(text) - len(_LATIN_RUN.sub("", text))
    return latin / max(1, latin + len(text) - len(_CJK_RUN.sub("", text)))


def code_share(text: str) -> float:
    """Share of a passage's non-blank lines that are code (:func:`~qa.chunks.code_lines`): a
    snippet of code is seldom the answer to an interview question, however many words it shares.

    >>> code_share("x = conv(x)\\n卷积提取特征")
    0.5
    """
    flags = [code for code, line in zip(code_lines(text), text.split("\n")) if line.strip()]
    return sum(flags) / len(flags) if flags else 0.0


_CONTENTS = re.compile(r"目录|table of contents|^contents$", re.I)


def _passages(snapshot: Snapshot) -> list[Passage]:
    """Retrieval units: passages of sections that say something; a table of contents only
    repeats the headings, so it would match every question and answer none."""
    return [p for s in snapshot.sections if substantive(s.body) and not _CONTENTS.search(s.title) for p in passages(s)]


def _mention_maps(snapshot: Snapshot, items: Sequence[Passage]) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """For each passage, the concepts its lines mention and those its section heading names."""
    by_section: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for m in snapshot.mentions:
        by_section[m.section].append((m.line, m.concept))
    starts = {s.id: s.start_line for s in snapshot.sections}
    mentioned, titled = [], []
    for p in items:
        found = by_section.get(p.section, [])
        mentioned.append(frozenset(c for line, c in found if p.start_line <= line <= p.end_line))
        titled.append(frozenset(c for line, c in found if line == starts[p.section]))
    return mentioned, titled


def _inverted(sets: Sequence[frozenset[str]]) -> dict[str, np.ndarray]:
    """For each item, the (sorted) indexes of the sets holding it, as an array for vector adds."""
    out: dict[str, list[int]] = defaultdict(list)
    for index, items in enumerate(sets):
        for item in items:
            out[item].append(index)
    return {k: np.array(v, dtype=np.int64) for k, v in out.items()}


def _cue_maps(titles: Sequence[str], texts: Sequence[str]) -> dict[str, tuple[frozenset[int], frozenset[int]]]:
    """For each intent, the passages whose heading, and those whose text, use its words
    (``titles`` and ``texts``: each passage's folded context and folded text)."""
    out = {}
    for intent in ("definition", "why", "role", "difference", "pros_cons", "pros", "cons", "compute", "train_test",
                   "list", "how"):
        cues = [fold(c) for c in cue_words(intent)]
        # One alternation instead of a loop over the cues: the same "any cue is a substring".
        found = re.compile("|".join(re.escape(c) for c in cues)).search if cues else (lambda t: None)
        out[intent] = (frozenset(i for i, t in enumerate(titles) if found(t)),
                       frozenset(i for i, t in enumerate(texts) if found(t)))
    return out


def english_names(concepts: Sequence[Concept]) -> dict[tuple[str, ...], str]:
    """The catalogue's English names as lower-case words, each with its concept: the names a
    misspelling may mean (:meth:`qa.retrieve.Retriever.misspelt`). One-word names of under five
    letters are left out, as one edit turns them into too many other words; names of more
    than three words are rarely typed whole.

    >>> from kg.model import Concept
    >>> english_names([Concept("lr", "Learning Rate", "hyperparameter", aliases=("LR", "学习率"))])
    {('learning', 'rate'): 'lr'}
    """
    out: dict[tuple[str, ...], str] = {}
    for concept in concepts:
        if concept.proposed:
            continue
        for alias in (concept.name, *concept.aliases):
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9 \-]*", alias):
                continue
            words = tuple(re.findall(r"[a-z0-9]+", alias.lower()))
            if (len(words) == 1 and len(words[0]) >= 5 and words[0].isalpha()) or 2 <= len(words) <= 3:
                out.setdefault(words, concept.id)
    return out


def name_keys(names: Iterable[tuple[str, ...]]) -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
    """Where each word of the names may be met misspelt: every word of four letters or more,
    and each form of it with one letter deleted, leads to (name, position of the word). A word
    one edit away from a name's word shares a key with it (the SymSpell deletion neighbourhood),
    so a lookup costs a few dictionary reads, not an edit distance per name.

    >>> name_keys([("receptive", "field")])["feld"]
    ((('receptive', 'field'), 1),)
    """
    out: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
    for name in names:
        for j, word in enumerate(name):
            if len(word) >= 4:
                for key in dict.fromkeys([word, *deletions(word)]):
                    out[key].append((name, j))
    return {k: tuple(v) for k, v in out.items()}


def deletions(word: str) -> list[str]:
    """``word`` with one letter left out, each way.

    >>> deletions("abc")
    ['bc', 'ac', 'ab']
    """
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def _vocabulary(folded: Sequence[str]) -> frozenset[str]:
    """Chinese character bigrams and English words the notes use (``folded``: each passage's
    folded context and text): what "the notes mention" means for the novelty of a question, in
    constant time per lookup.

    The texts are joined by newlines (in neither alphabet, so no bigram crosses two texts) and
    the bigrams found as pairs of code points with numpy: a set of 9M two-character strings
    took 3 s at 1,000 notes, the distinct pairs 0.3 s.

    >>> sorted(_vocabulary(["卷积层 relu", "池化 num_class"]))
    ['class', 'num', 'num_class', 'relu', '卷', '卷积', '池', '池化', '积层']
    """
    joined = "\n".join(folded)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    chinese = (codes >= 0x3400) & (codes <= 0x9FFF)  # what _CJK_RUN matches
    paired = chinese[:-1] & chinese[1:]
    pairs = np.unique((codes[:-1][paired].astype(np.uint64) << np.uint64(32)) | codes[1:][paired])
    # Each distinct pair as two code points in a row, decoded once and cut into two-character strings.
    text = np.stack([pairs >> np.uint64(32), pairs & np.uint64(0xFFFFFFFF)], axis=1).astype(np.uint32).tobytes()
    bigrams = text.decode("utf-32-le")
    vocab = {bigrams[i:i + 2] for i in range(0, len(bigrams), 2)}
    first = chinese.copy()
    first[1:] &= ~chinese[:-1]  # the first character of each run: a one-character run is a word too
    vocab.update(np.unique(codes[first]).tobytes().decode("utf-32-le"))
    vocab.update(_ENGLISH.findall(joined))
    vocab.update(_IDENTIFIER.findall(joined))
    return frozenset(vocab)


@dataclass(frozen=True, eq=False)
class ReadModel:
    """One immutable, consistent view of a knowledge base for answering questions."""

    snapshot: Snapshot
    model_id: str
    fingerprint: str
    tokenizer: Tokenizer
    linker: Linker
    passages: tuple[Passage, ...]
    tokens: tuple[tuple[str, ...], ...]
    folded: tuple[str, ...]          # fold(context + text) of each passage, for coverage
    mentions: tuple[frozenset[str], ...]
    title_mentions: tuple[frozenset[str], ...]
    by_concept: dict[str, np.ndarray]
    by_title_concept: dict[str, np.ndarray]
    by_line: dict[tuple[str, int], tuple[int, ...]]
    bm25: BM25
    title_bm25: BM25
    passage_vectors: VectorIndex
    views: tuple[str, ...]
    view_vectors: VectorIndex
    latin: tuple[float, ...]
    code: tuple[float, ...]
    units: tuple[Unit, ...]
    unit_vectors: VectorIndex
    units_of: tuple[tuple[int, ...], ...]
    headings: tuple[str, ...]
    heading_vectors: VectorIndex
    heading_of: tuple[int, ...]
    passages_of_heading: tuple[tuple[int, ...], ...]
    concepts: tuple[Concept, ...]
    concept_vectors: VectorIndex
    cues: dict[str, tuple[frozenset[int], frozenset[int]]]
    heading_concepts: dict[str, frozenset[str]]
    vocabulary: frozenset[str]
    english_names: dict[tuple[str, ...], str]   # English aliases as words, for misspelt names
    name_keys: dict[str, tuple[tuple[tuple[str, ...], int], ...]]  # :func:`name_keys` of english_names
    homophones: Homophones                       # Chinese aliases by sound, for names typed by sound wrongly
    question_headings: dict[str, tuple[tuple[str, str], ...]]
    bank: Bank
    relations: dict[str, tuple[Relation, ...]]   # each concept's edges, built once (graph lookups rebuild them)

    def relations_of(self, concept_id: str) -> tuple[Relation, ...]:
        return self.relations.get(concept_id, ())

    def keys(self) -> set[str]:
        """The embedding-cache keys of every text this model embedded (what is worth saving)."""
        return ({text_key("passage", p.indexed_text) for p in self.passages} | {text_key("passage", u.text) for u in self.units}
                | {text_key("passage", v) for v in self.views}
                | {text_key("query", h) for h in self.headings} | {text_key("passage", concept_text(c)) for c in self.concepts})

    @property
    def graph(self) -> KnowledgeGraph:
        return self.snapshot.graph


def _fingerprint(model_id: str, tokenizer: Tokenizer, items: Sequence[Passage], concepts: Sequence[Concept]) -> str:
    digest = hashlib.sha256(f"{READ_MODEL_VERSION}\0{model_id}\0{tokenizer.digest}\0".encode())
    for p in items:
        digest.update(f"{p.id}\0{p.start_line}\0{p.end_line}\0{p.indexed_text}\0".encode())
    for c in concepts:
        digest.update(f"{c.id}\0{concept_text(c)}\0".encode())
    return digest.hexdigest()


def _embed(cache: EmbeddingCache, embedder: Embedder, progress: Progress | None,
           groups: Sequence[tuple[str, str, Sequence[str]]]) -> list[np.ndarray]:
    """Vectors for each (label, role, texts) group, with one progress line per group that needs encoding."""
    out = []
    for label, role, texts in groups:
        def report(done: int, total: int, label: str = label) -> None:
            if progress and total >= 32 and (done == total or done % 64 == 0):
                progress(f"  {label}: {done}/{total}")

        def encode(todo: list[str], label: str = label, role: str = role) -> np.ndarray:
            # Called with the texts not cached yet, so each text's key is computed once per compile.
            if progress:
                progress(f"embedding {len(todo)} {label} with {embedder.model_id}")
            return embedder.encode_queries(todo) if role == "query" else embedder.encode_passages(todo, report)

        out.append(cache.embed(role, texts, encode, embedder.dim))  # type: ignore[arg-type]
    return out


TokenCache = dict[tuple[str, str], tuple[str, ...]]


class TextCache(Protocol):
    """Where costly per-text results persist (:class:`kg.storage.Storage` is one): by kind, a digest
    of what computed them and the sha1 of the text."""

    def cached(self, kind: str, digest: str, keys: Sequence[str]) -> dict[str, str]: ...

    def cache(self, kind: str, digest: str, values: dict[str, str]) -> None: ...


def _code_digest(*parts: str) -> str:
    """A digest of the source of the modules that tokenise and fold, plus ``parts``: a stored
    result computed by other code is never used.

    >>> _code_digest("a") != _code_digest("b")
    True
    """
    import kg.text
    import qa.bm25

    digest = hashlib.sha256()
    for module in (kg.text, qa.bm25):
        digest.update(Path(module.__file__ or "").read_bytes())
    for part in parts:
        digest.update(f"\0{part}".encode())
    return digest.hexdigest()[:32]


def tokens_digest(tokenizer: Tokenizer) -> str:
    """What stored tokens are keyed by: jieba (version and dictionary) and our code. The domain terms
    they were cut with are stored with each row (:func:`_reusable_tokens`)."""
    import jieba

    from qa.bm25 import _base_dictionary

    base = _base_dictionary()
    return _code_digest("tokens", jieba.__version__, str(len(base.FREQ)), str(base.total))


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _completed(texts: Sequence[str], keys: Sequence[str], found: dict[str, str], fresh: dict[str, str],
               compute: Callable[[str], str | None]) -> list[str]:
    """The value of each text: ``found`` (stored) or ``fresh`` (computed in this pass, by key) hold
    it, or ``compute`` makes it and it is added to ``fresh``. Raises ValueError when ``compute``
    returns None (a value that cannot be stored)."""
    out = []
    for text, key in zip(texts, keys):
        value = found.get(key)
        if value is None:
            value = fresh.get(key)
        if value is None:
            value = compute(text)
            if value is None:
                raise ValueError(key)
            fresh[key] = value
        out.append(value)
    return out


def _persisted(store: TextCache | None, kind: str, digest: str, texts: Sequence[str],
               compute: Callable[[str], str | None]) -> list[str]:
    """``compute(text)`` of each text, read from ``store`` where it holds it under ``kind`` and
    ``digest``; the rest are computed and written back in one best-effort write. Raises
    ValueError, having written nothing, when ``compute`` returns None (a value it cannot store)."""
    keys = [_sha1(t) for t in texts]
    found = store.cached(kind, digest, keys) if store is not None and keys else {}
    fresh: dict[str, str] = {}
    out = _completed(texts, keys, found, fresh, compute)
    if fresh and store is not None:
        store.cache(kind, digest, fresh)
    return out


def _encode_tokens(tokens: Sequence[str]) -> str | None:
    """Tokens as one stored string (tokens never hold a space: they are CJK or ``[a-z0-9.]`` runs)."""
    joined = " ".join(tokens)
    return joined if all(t and " " not in t for t in tokens) else None


_NOT_CHINESE = re.compile(r"[^\u3400-\u9fff]+")
_TERMS = "terms"  # the kind under which the term set of stored tokens is kept, under its own digest


def _reusable_tokens(store: TextCache, digest: str, tokenizer: Tokenizer, texts: Sequence[str],
                     keys: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Stored tokens still right for ``tokenizer``, by text key; and those among them cut with
    other terms, to store again as cut with these.

    A row holds the digest of the terms it was cut with, then the tokens. A text's tokens depend
    only on the terms inside it (:class:`~qa.bm25.Tokenizer`), so a row cut with other terms is
    right unless the text holds a term that only one of the two sets has. A term is looked for
    in the text's Chinese characters alone, after NFKC: wherever folding lets jieba see it, it is
    found there (and sometimes where it is not, which only costs a recompute)."""
    rows = store.cached("tokens", digest, keys)
    found: dict[str, str] = {}
    others: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for text, key in zip(texts, keys):
        row = rows.get(key)
        if row is not None:
            terms, _, value = row.partition("\t")
            if terms == tokenizer.digest:
                found[key] = value
            else:
                others[terms].append((text, key, value))
    carried: dict[str, str] = {}
    for terms, items in others.items():
        record = store.cached(_TERMS, terms, [_TERMS]).get(_TERMS)
        if record is None:  # that term set is forgotten: its rows cannot be checked
            continue
        differ = set(filter(None, record.split("\n"))) ^ set(tokenizer.terms)
        search = re.compile("|".join(map(re.escape, sorted(differ)))).search if differ else None
        for text, key, value in items:
            if search is None or not search(_NOT_CHINESE.sub("", unicodedata.normalize("NFKC", text))):
                found[key] = carried[key] = value
    return found, carried


def _persisted_tokens(store: TextCache | None, digest: str, tokenizer: Tokenizer, texts: Sequence[str],
                      compute: Callable[[str], str | None]) -> list[str]:
    """Stored tokens of each text (:func:`_reusable_tokens`), ``compute(text)`` for the rest; what was
    computed or carried over from other terms is stored as cut with these terms, in one best-effort
    write. Raises ValueError, having written nothing, when ``compute`` returns None."""
    keys = [_sha1(t) for t in texts]
    found, carried = _reusable_tokens(store, digest, tokenizer, texts, keys) if store is not None and keys else ({}, {})
    fresh = dict(carried)
    out = _completed(texts, keys, found, fresh, compute)
    if fresh and store is not None:
        # The term set first: a row is only ever read back with the record of its terms.
        store.cache(_TERMS, tokenizer.digest, {_TERMS: "\n".join(tokenizer.terms)})
        store.cache("tokens", digest, {k: f"{tokenizer.digest}\t{v}" for k, v in fresh.items()})
    return out


def _tokens(tokenizer: Tokenizer, texts: Sequence[str], cache: TokenCache | None,
            store: TextCache | None = None, digest: str = "") -> list[tuple[str, ...]]:
    """Each text tokenised, through ``cache`` (keyed by tokenizer digest and text) when given, then
    through ``store`` (keyed by :func:`tokens_digest` and the text's sha1, and checked against the
    terms: :func:`_reusable_tokens`). Equal tokens are one string object, so 30k passages hold
    their 7M tokens in a few MB of distinct strings."""
    cache = cache if cache is not None else {}
    todo = list(dict.fromkeys(t for t in texts if (tokenizer.digest, t) not in cache))
    pool: dict[str, str] = {}
    if todo:
        computed: dict[str, tuple[str, ...]] = {}

        def compute(text: str) -> str | None:
            words = tokenizer.tokenize(text)
            # Pooled at once: at 1,000 notes, 7M separate strings held until the end were 0.4 GB of peak.
            tokens = computed[text] = tuple(map(pool.setdefault, words, words))
            return _encode_tokens(tokens)

        try:
            stored = _persisted_tokens(store, digest or tokens_digest(tokenizer), tokenizer, todo, compute)
            for text, value in zip(todo, stored):
                tokens = computed.get(text)  # already pooled
                if tokens is None:
                    words = value.split(" ") if value else []
                    tokens = tuple(map(pool.setdefault, words, words))
                cache[(tokenizer.digest, text)] = tokens
        except ValueError:  # a token that cannot be stored (never seen): nothing is persisted
            for text in todo:
                tokens = computed.get(text) or tuple(tokenizer.tokenize(text))
                cache[(tokenizer.digest, text)] = tuple(map(pool.setdefault, tokens, tokens))
    return [cache[(tokenizer.digest, t)] for t in texts]


class _LoadedIndex(FaissIndex):
    """A :class:`FaissIndex` whose graph was read back from disk instead of built (same rows, same graph)."""

    def __init__(self, matrix: np.ndarray, index: object) -> None:  # FaissIndex's two fields, without building
        self._matrix = matrix
        self._index = index  # type: ignore[assignment]


def _graph_key(matrix: np.ndarray) -> str:
    import faiss

    digest = hashlib.sha256(f"{faiss.__version__}\0{matrix.shape}\0{APPROXIMATE_ABOVE}\0".encode())
    digest.update(np.ascontiguousarray(matrix).data)  # the rows' own buffer, not a copy of it
    return digest.hexdigest()[:32]


def _saved_graphs(directory: Path, pattern: str = "hnsw-*-*.faiss") -> Iterator[object]:
    """The graph indexes saved in ``directory`` (under ``pattern``) whose file is intact: its name
    ends in its digest."""
    import faiss

    for path in sorted(directory.glob(pattern)):
        try:
            with path.open("rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest()[:16] != path.stem.rsplit("-", 1)[1]:
                    continue
            index = faiss.read_index(str(path))
        except (OSError, RuntimeError):
            continue
        if isinstance(index, faiss.IndexHNSWFlat):
            yield index


def _holds(index: object, matrix: np.ndarray) -> bool:
    """Whether the index's rows are the first rows of ``matrix``, compared a slice at a time (never copied whole)."""
    try:
        size, storage = int(index.ntotal), index.storage  # type: ignore[attr-defined]
        if index.d != matrix.shape[1] or not 0 < size <= len(matrix):  # type: ignore[attr-defined]
            return False
        return all(np.array_equal(storage.reconstruct_n(i, min(8192, size - i)), matrix[i:min(i + 8192, size)])
                   for i in range(0, size, 8192))
    except (RuntimeError, AttributeError):
        return False


def _load_graph(directory: Path, key: str, matrix: np.ndarray) -> FaissIndex | None:
    """The saved graph index of exactly these rows, or None (missing, damaged or swapped: rebuilt)."""
    for index in _saved_graphs(directory, f"hnsw-{key}-*.faiss"):
        if int(index.ntotal) == len(matrix) and _holds(index, matrix):  # type: ignore[attr-defined]
            return _LoadedIndex(matrix, index)
    return None


def _extend_graph(directory: Path, matrix: np.ndarray) -> FaissIndex | None:
    """A saved graph index of the first rows of ``matrix`` (the longest), extended by the rest, or None.

    An ingest appends its note's rows, so the graph of 150k sentences takes a few dozen more
    (under a second) instead of being built again (about 20 s at 1,000 notes). The graph then
    depends on the order the rows came in as well as on the rows, and it is saved under the rows'
    key like a built one; a remove takes rows out of the middle, and builds it again."""
    best: object | None = None
    for index in _saved_graphs(directory):
        size = int(index.ntotal)  # type: ignore[attr-defined]
        if size < len(matrix) and (best is None or size > best.ntotal) and _holds(index, matrix):  # type: ignore[attr-defined]
            best = index
    if best is None:
        return None
    add_in_order(best, matrix[int(best.ntotal):])  # type: ignore[attr-defined]
    return _LoadedIndex(matrix, best)


def vector_index(matrix: np.ndarray, directory: Path | None, used: set[str]) -> FaissIndex:
    """``FaissIndex(matrix)``; a graph index (beyond :data:`~qa.vectors.APPROXIMATE_ABOVE` rows) is
    costly to build (10-20 s for 150k sentences) and deterministic, so it is saved in ``directory``
    as ``hnsw-<sha256 of faiss version and rows>-<sha256 of the file>.faiss`` and read back next
    time, or extended when rows were appended (:func:`_extend_graph`)."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    if directory is None or len(matrix) <= APPROXIMATE_ABOVE:
        return FaissIndex(matrix)
    key = _graph_key(matrix)
    used.add(key)
    loaded = _load_graph(directory, key, matrix)
    if loaded is not None:
        return loaded
    built = _extend_graph(directory, matrix) or FaissIndex(matrix)
    try:
        _save_graph(built, directory, key)
    except OSError:  # a read-only directory: built again next time
        pass
    return built


def _save_graph(built: FaissIndex, directory: Path, key: str) -> None:
    """Write the graph of ``built`` as ``hnsw-<key>-<sha256 of the file>.faiss``, streamed: a serialised copy
    in memory (and its bytes) would be two more of a graph that is already the largest thing a
    compile builds (about 80 MB for 150k sentences, while a server holds the model it replaces)."""
    import faiss

    pending = directory / f"hnsw-{key}-pending.faiss"  # never matches its digest, so never read back
    digest = hashlib.sha256()
    with atomic_file(pending) as handle:
        def write(chunk: bytes) -> int:
            digest.update(chunk)
            return handle.write(chunk)

        writer = faiss.PyCallbackIOWriter(write)  # type: ignore[attr-defined]  # in faiss, not in its stubs
        faiss.write_index(built._index, writer)  # noqa: SLF001 - the graph FaissIndex built
    pending.replace(directory / f"hnsw-{key}-{digest.hexdigest()[:16]}.faiss")


def _prune_graphs(directory: Path | None, used: set[str]) -> None:
    """Delete saved graph indexes of rows this model no longer has."""
    if directory is None:
        return
    for path in directory.glob("hnsw-*.faiss"):
        if path.stem.split("-")[1] not in used:
            path.unlink(missing_ok=True)


def _folded(texts: Sequence[str], store: TextCache | None) -> list[str]:
    """``fold`` of each text, through ``store`` (keyed by the folding code's digest)."""
    return _persisted(store, "fold", _code_digest("fold"), texts, fold)


def compile_model(snapshot: Snapshot, embedder: Embedder, cache: EmbeddingCache | None = None,
                  progress: Progress | None = None, tokens_cache: TokenCache | None = None,
                  store: TextCache | None = None, index_dir: Path | None = None,
                  tokenizer: Tokenizer | None = None) -> ReadModel:
    """Compile the read model of ``snapshot``; ``cache`` spares re-encoding texts seen before,
    ``tokens_cache`` re-tokenising them in this process (a recompile after an ingest tokenises
    only new passages) and ``store`` (the knowledge base's store) re-tokenising and re-folding
    them in the next process: what it holds is keyed by a digest of the code, so never stale.
    ``index_dir`` (this process's vector folder) keeps the graph indexes of large vector sets.
    ``tokenizer`` (the last model's) is used again when its terms are still these: its copy of
    jieba's dictionary is 56 MB, and a server holds both models while it compiles."""
    cache = cache if cache is not None else EmbeddingCache(embedder.model_id)
    concepts = tuple(snapshot.graph.vocabulary())  # nodes and terms: every name the notes use
    terms = Tokenizer.domain_terms(z for c in concepts for z in c.zh)
    tokenizer = tokenizer if tokenizer is not None and tokenizer.terms == terms else Tokenizer(terms)
    items = tuple(_passages(snapshot))
    mentioned, titled = _mention_maps(snapshot, items)
    units = tuple(sentence_units(items))
    units_of: list[list[int]] = [[] for _ in items]
    for u, unit in enumerate(units):
        units_of[unit.passage].append(u)
    # One heading vector per section title: the notes' headings are interview questions, and
    # a question matches a question best, so both sides are embedded as queries.
    headings = tuple(dict.fromkeys(p.title for p in items))
    heading_index = {h: i for i, h in enumerate(headings)}
    heading_of = tuple(heading_index[p.title] for p in items)
    of_heading: list[list[int]] = [[] for _ in headings]
    for i, h in enumerate(heading_of):
        of_heading[h].append(i)
    by_id = {c.id: c for c in concepts}
    views = tuple(english_view(p, t, m, by_id) for p, t, m in zip(items, titled, mentioned))
    passage_m, view_m, unit_m, heading_m, concept_m = _embed(cache, embedder, progress, [
        ("passages", "passage", [p.indexed_text for p in items]),
        ("English views", "passage", list(views)),
        ("sentences", "passage", [u.text for u in units]),
        ("headings", "query", list(headings)),
        ("concepts", "passage", [concept_text(c) for c in concepts]),
    ])
    by_line: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, p in enumerate(items):
        for line in range(p.start_line, p.end_line + 1):
            by_line[(p.doc, line)].append(i)
    digest = tokens_digest(tokenizer)
    tokens_cache = tokens_cache if tokens_cache is not None else {}
    tokens = tuple(_tokens(tokenizer, [p.indexed_text for p in items], tokens_cache, store, digest))
    n = len(items)
    folds = _folded([*(p.context + "\n" + p.text for p in items), *(p.context for p in items), *(p.text for p in items)],
                    store)
    folded = tuple(folds[:n])
    heading_concepts = {k: frozenset(v) for k, v in snapshot.heading_concepts().items()}
    asked = question_headings(snapshot.sections, heading_concepts)
    used: set[str] = set()
    passage_index, view_index, unit_index, heading_index_, concept_index = (
        vector_index(m, index_dir, used) for m in (passage_m, view_m, unit_m, heading_m, concept_m))
    _prune_graphs(index_dir, used)
    return ReadModel(
        snapshot=snapshot,
        model_id=embedder.model_id,
        fingerprint=_fingerprint(embedder.model_id, tokenizer, items, concepts),
        tokenizer=tokenizer,
        linker=Linker(concepts),
        passages=items,
        tokens=tokens,
        folded=folded,
        mentions=tuple(mentioned),
        title_mentions=tuple(titled),
        by_concept=_inverted(mentioned),
        by_title_concept=_inverted(titled),
        by_line={k: tuple(v) for k, v in by_line.items()},
        bm25=BM25(tokens),
        # Headings are short: a word said twice in one heading is no stronger a match (k1 small).
        title_bm25=BM25(_tokens(tokenizer, [p.heading for p in items], tokens_cache, store, digest), k1=0.3),
        passage_vectors=passage_index,
        views=views,
        view_vectors=view_index,
        latin=tuple(latin_share(p.text) for p in items),
        code=tuple(code_share(p.text) for p in items),
        units=units,
        unit_vectors=unit_index,
        units_of=tuple(tuple(u) for u in units_of),
        headings=headings,
        heading_vectors=heading_index_,
        heading_of=heading_of,
        passages_of_heading=tuple(tuple(p) for p in of_heading),
        concepts=concepts,
        concept_vectors=concept_index,
        cues=_cue_maps(folds[n:2 * n], folds[2 * n:]),
        heading_concepts=heading_concepts,
        vocabulary=_vocabulary(folded),
        english_names=(names := english_names(concepts)),
        name_keys=name_keys(names),
        homophones=Homophones.of((a, c.id) for c in concepts for a in c.aliases),
        question_headings=asked,
        bank=Bank.from_snapshot(snapshot, heading_concepts, asked),
        relations={c.id: tuple(snapshot.graph.relations_of(c.id)) for c in concepts},
    )
