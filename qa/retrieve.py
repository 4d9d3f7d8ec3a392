"""Hybrid retrieval: candidate pools from seven signals, fused by RRF, reordered by a learned ranker.

Each signal proposes at most ``pool`` passages, touching only what matches the question
(postings, nearest vectors, the linked concepts' passages), so an ask costs the same on a
corpus ten times larger:

* ``bm25``     - BM25 over the question's tokens *expanded* with the Chinese names of linked
                 concepts and the lexicon's translations of its English words;
* ``title``    - the same query against the passages' headings only;
* ``dense``    - cosine between the question and whole passages (e5 query/passage roles);
* ``sentence`` - the best cosine between the question and one sentence of the passage: a
                 question about one detail of a long section matches that sentence best;
* ``heading``  - cosine between the question and the section's question heading, both as
                 queries (a question matches a question);
* ``view``     - cosine between the question and the passage's English view (its heading's
                 concepts and their glosses): how an English question meets a Chinese note;
* ``entity``   - passages that mention the linked concepts, in their heading above all;
* ``graph``    - passages holding the evidence of the linked concepts' relations.

Reciprocal-rank fusion (Cormack et al., 2009) gives the candidate list; the
:class:`~qa.ranker.Ranker` then scores each candidate from :data:`FEATURES` (per-signal
ranks and scores, intent cues, coverage) with weights fitted on our own questions.

>>> "sentence" in SIGNALS and "heading" in SIGNALS
True
"""
from __future__ import annotations

import heapq
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.linker import family
from kg.text import fold, has_cjk
from qa.bm25 import Tokenizer, top_k
from qa.embed import Embedder
from qa.homophone import Correction, corrected, disjoint
from qa.intent import RELATIONS_FOR, TITLED, cue_words, detect
from qa.lexicon import LEXICON, translate
from qa.ranker import Ranker
from qa.readmodel import ReadModel, deletions

__all__ = ["RetrievalConfig", "Hit", "Retrieval", "Retriever", "SIGNALS", "FEATURES", "QUESTION_FEATURES"]

SIGNALS = ("bm25", "title", "dense", "sentence", "heading", "view", "entity", "graph")
FEATURES = (
    "rrf", *(f"r_{s}" for s in SIGNALS), "cos_passage", "cos_sentence", "cos_heading", "cos_view", "gap_sentence", "gap_heading",
    "bm25", "title_bm25", "entity", "title_linked", "all_linked", "cue_title", "cue_text", "coverage", "first",
    "log_len", "latin_en", "code", "plain_passage", "plain_sentence", "plain_heading",
)
# How much an English question's Chinese gist counts beside the question (:meth:`Retriever.gist`):
# of 0.5, 0.75 and 1, the one with the best mean Hit@1 over both languages in a 5-fold CV.
GIST_WEIGHT = 0.75
QUESTION_FEATURES = ("top", "margin", "cos_sentence", "cos_heading", "cos_passage", "coverage", "novelty", "unknown",
                     "linked", "english", "absent", "english_novelty")


@dataclass(frozen=True)
class RetrievalConfig:
    """Pool sizes and thresholds; the ordering itself is the ranker's."""

    pool: int = 30                   # passages each signal may propose
    candidates: int = 30             # fused passages the ranker scores
    rrf_k: int = 10
    concept_link_min: float = 0.86   # e5 cosine above which a concept node counts as related by meaning


@dataclass(frozen=True)
class Hit:
    """A ranked passage: its index in :attr:`ReadModel.passages`, score, per-signal ranks and features."""

    passage: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    features: tuple[float, ...] = ()


@dataclass(frozen=True)
class Retrieval:
    """Everything the composer and the refusal model need about one question."""

    question: str
    intent: str
    linked: tuple[str, ...]        # concept ids named in the question
    related: tuple[str, ...]       # concept ids close in meaning (dense over concept nodes)
    hits: tuple[Hit, ...]
    features: tuple[float, ...] = ()   # QUESTION_FEATURES, for refusal
    novelty: float = 0.0
    unmentioned: tuple[str, ...] = ()  # names in the question the notes never write (shown with the answer)
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)  # the question's own embedding
    read_as: tuple[Correction, ...] = ()  # misspelt names (过你和, lerning rate), as the question was read

    @property
    def read_pairs(self) -> tuple[tuple[str, str], ...]:
        """:attr:`read_as` as (written, meant) pairs, as an :class:`~qa.answer.Answer` keeps them."""
        return tuple((c.written, c.meant) for c in self.read_as)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-6)


def _ranks(scores: Mapping[int, float], pool: int) -> dict[int, int]:
    """1-based ranks of the ``pool`` best positive scores (ties by passage order)."""
    best = heapq.nsmallest(pool, ((-s, p) for p, s in scores.items() if s > 0))
    return {p: r for r, (_, p) in enumerate(best, 1)}


class Retriever:
    """Ranks passages of one read model; stateless after construction, safe to share between threads."""

    def __init__(self, model: ReadModel, embedder: Embedder, ranker: Ranker,
                 config: RetrievalConfig | None = None) -> None:
        self.model, self.embedder, self.ranker = model, embedder, ranker
        self.config = config or RetrievalConfig()

    # -- linking ----------------------------------------------------------------------------
    def link(self, question: str) -> tuple[str, ...]:
        """Concept ids named in the question; ``Inception v1 到 v4`` names v4 as well."""
        graph, linker = self.model.graph, self.model.linker
        spans = linker.find(question)
        families = [family(graph.concept(s.concept).name) for s in spans]
        if families:
            spans = linker.find(question, families)
        return tuple(dict.fromkeys(s.concept for s in spans))

    def read_as(self, question: str) -> tuple[Correction, ...]:
        """The names the question misspells, as they are read: a Chinese name typed by sound
        (:class:`~qa.homophone.Homophones`: 过你和 -> 过拟合) and an English one with a word
        misspelt (:meth:`misspelt`: lerning rate -> learning rate)."""
        found = [*self.model.homophones.find(question, self.model.tokenizer), *self.misspelt(question)]
        return tuple(sorted(found, key=lambda c: c.start))

    def spelt(self, text: str) -> str:
        """``text`` with the names it misspells (:meth:`read_as`) as meant: how a practice answer is read.

        >>> retriever.spelt("过你和时, 用dropuot")  # doctest: +SKIP
        '过拟合时, 用dropout'
        """
        return corrected(text, self.read_as(text))

    def misspelt(self, question: str) -> list[Correction]:
        """English names the question writes with a misspelt word: each word of the name as
        written, or a plural of it, or, for a word neither the lexicon nor the notes know
        ("rates" is not "gates"), one edit (or one swap of neighbours) away from it, and at least
        one word so misspelt. Words of under four letters must be exact, and a word with a
        capital inside (``ResNeXt``) is a name, never a misspelling. Of overlapping names the
        longer is kept, and none inside a name the linker reads there ("Batch-normalisation").

        On our 1,169 questions this finds nine names the linker missed ("depthwise seperable
        conv", "receptive feild", "image recogntion"), every one of them meant.

        >>> [c.meant for c in retriever.misspelt("why does BN allow a bigger lerning rate?")]  # doctest: +SKIP
        ['learning rate']
        """
        matches = list(re.finditer(r"[A-Za-z][A-Za-z0-9]*", question))
        words = [m.group().lower() for m in matches]
        # A capital inside a word makes it a name as its authors write it (ResNeXt is not ResNet).
        unknown = [i for i, w in enumerate(words) if len(w) >= 4 and not LEXICON.word(w) and not self._known(w)
                   and matches[i].group()[1:].islower()]
        if not unknown:
            return []

        def like(i: int, word: str, last: bool) -> bool:
            given = words[i]
            if given == word or (last and given == word + "s"):
                return True
            return i in unknown and len(word) >= 4 and abs(len(word) - len(given)) <= 1 and _distance(word, given, 1) <= 1

        found = []
        keys = self.model.name_keys
        for i in unknown:
            for name, j in dict.fromkeys(c for key in (words[i], *deletions(words[i])) for c in keys.get(key, ())):
                first = i - j  # the unknown word as the name's j-th word
                if first < 0 or first + len(name) > len(words) or not all(
                        like(first + k, w, k == len(name) - 1) for k, w in enumerate(name)):
                    continue
                if all(words[first + k] in (w, w + "s") for k, w in enumerate(name)):
                    continue  # no word misspelt, only a plural: the linker's to read
                a, b = matches[first].start(), matches[first + len(name) - 1].end()
                found.append(Correction(a, b, question[a:b], " ".join(name), self.model.english_names[name]))
        read = self.model.linker.find(question)
        found = [c for c in found if not any(s.start <= c.start and c.end <= s.end for s in read)]
        return disjoint(sorted(found, key=lambda c: (c.start - c.end, c.start)))

    def without_mentions(self, question: str) -> str:
        """The question with its concept mentions blanked out."""
        rest = list(question)
        for span in self.model.linker.find(question):
            rest[span.start:span.end] = [" "] * (span.end - span.start)
        return "".join(rest)

    # -- signals ----------------------------------------------------------------------------
    def gist(self, question: str, linked: Sequence[str], intent: str) -> str:
        """The Chinese gist of an English question: the intent's heading word, the linked concepts'
        Chinese names and the :mod:`qa.lexicon` words ("" for a question with Chinese in it). The
        notes are Chinese and e5-small matches across languages less well than within one, so
        passages are ranked by the question's embedding plus its gist's. On our English
        questions (train and held-out), the passage found first by passage cosine alone held the
        evidence 39% of the time, 48% with the gist (top 5: 64% -> 74%); by best sentence 24% -> 46%.

        >>> retriever.gist("Why use BN?", ("batch_normalization",), "why")  # doctest: +SKIP
        '为什么 批归一化'
        """
        if has_cjk(question):
            return ""
        graph = self.model.graph
        return " ".join(dict.fromkeys([*cue_words(intent)[:1], *(graph.concept(c).display_zh for c in linked), *translate(question)]))

    def _query_tokens(self, question: str, linked: Sequence[str]) -> list[str]:
        words: list[str] = []
        for concept_id in linked:
            concept = self.model.graph.concept(concept_id)
            words += [concept.name, *concept.zh]
        tok = self.model.tokenizer
        return tok.tokenize(question) + tok.tokenize(" ".join(words + translate(question)))

    def _entity(self, linked: Sequence[str], related: Sequence[str]) -> dict[int, float]:
        """Passages mentioning the linked concepts (2 in the heading, 1 in the text), related ones
        (0.5), and 2 more for naming every linked concept; vector adds over the inverted lists."""
        m = self.model
        out = np.zeros(len(m.passages), dtype=np.float32)
        empty = np.zeros(0, dtype=np.int64)
        for concept_id in linked:
            out[m.by_title_concept.get(concept_id, empty)] += 2.0
            out[m.by_concept.get(concept_id, empty)] += 1.0
        for concept_id in related:
            out[m.by_concept.get(concept_id, empty)] += 0.5
        if len(linked) > 1:  # passages that name every linked concept answer questions about their link
            every = m.by_concept.get(linked[0], empty)
            for concept_id in linked[1:]:
                every = np.intersect1d(every, m.by_concept.get(concept_id, empty), assume_unique=True)
            out[every] += 2.0
        return top_k(out, self.config.pool * 4)

    def _graph(self, linked: Sequence[str], intent: str) -> dict[int, float]:
        m = self.model
        out: dict[int, float] = {}
        wanted = set(RELATIONS_FOR.get(intent, ()))
        chosen = set(linked)
        for concept_id in chosen:
            for rel in m.relations_of(concept_id):
                both = rel.source in chosen and rel.target in chosen
                weight = (2.0 if both else 0.0) + (1.0 if rel.relation in wanted else 0.25)
                for ev in rel.evidence[:_EVIDENCE_PER_RELATION]:
                    for i in m.by_line.get((ev.doc, ev.line), ()):
                        out[i] = out.get(i, 0.0) + weight
        return out

    def _dense(self, vector: np.ndarray) -> tuple[dict[int, float], dict[int, float], dict[int, float], dict[int, float]]:
        """Passage, English-view, best-sentence and heading cosines of the nearest vectors."""
        m, pool = self.model, self.config.pool
        scores, ids = m.passage_vectors.search(vector, pool)
        passage = {int(i): float(s) for s, i in zip(scores, ids)}
        scores, ids = m.view_vectors.search(vector, pool)
        view = {int(i): float(s) for s, i in zip(scores, ids)}
        sentence: dict[int, float] = {}
        scores, ids = m.unit_vectors.search(vector, pool * 3)
        for s, u in zip(scores, ids):
            owner = m.units[int(u)].passage
            sentence[owner] = max(sentence.get(owner, -1.0), float(s))
        heading: dict[int, float] = {}
        scores, ids = m.heading_vectors.search(vector, pool)
        for s, h in zip(scores, ids):
            for owner in m.passages_of_heading[int(h)]:
                heading[owner] = float(s)
        return passage, view, sentence, heading

    # -- features ---------------------------------------------------------------------------
    def _coverage(self, words: Sequence[tuple[str, ...]], linked: Sequence[str], passage: int) -> float:
        """Share of the question's content words (each with its folded translations) and linked
        concepts that the passage contains."""
        if not words and not linked:
            return 0.0
        m = self.model
        text = m.folded[passage]
        covered = sum(1 for c in linked if c in m.mentions[passage])
        covered += sum(1 for options in words if any(o in text for o in options))
        return covered / (len(linked) + len(words))

    def _exact(self, vector: np.ndarray, candidates: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Exact passage, best-sentence, heading and English-view cosines of the candidates."""
        m = self.model
        cos_p = m.passage_vectors.rows(candidates) @ vector
        cos_v = m.view_vectors.rows(candidates) @ vector
        cos_h = m.heading_vectors.rows([m.heading_of[p] for p in candidates]) @ vector
        cos_s = np.array([float((m.unit_vectors.rows(m.units_of[p]) @ vector).max()) if m.units_of[p] else float(cos_p[j])
                          for j, p in enumerate(candidates)], dtype=np.float32)
        return cos_p, cos_s, cos_h, cos_v

    # -- public -----------------------------------------------------------------------------
    def retrieve(self, question: str, k: int = 5, drop: frozenset[str] = frozenset()) -> Retrieval:
        """The ranked passages for ``question``; ``drop`` leaves signals out (ablation)."""
        m, cfg = self.model, self.config
        # A misspelt name (过你和, lerning rate) is read as meant before anything else reads the question.
        read_as = self.read_as(question)
        asked, question = question, corrected(question, read_as)
        intent = detect(question)
        linked = tuple(dict.fromkeys([*self.link(question), *(c.concept for c in read_as)]))
        rest = self.without_mentions(question)
        if self.vague(rest, linked):  # "hi", "ok", "test 123": nothing to look up, so no candidates
            return Retrieval(asked, intent, linked, (), (), (0.0,) * len(QUESTION_FEATURES), read_as=read_as)
        # Passages are ranked by the question with its Chinese gist (:meth:`gist`); how well the
        # best of them match the question itself (what refusal weighs) and which concepts it is
        # near are the plain question's: the gist brings every passage on the named concept
        # nearer, answerable or not (refusing by it, 40% of our held-out unanswerable questions
        # were refused against 58%). The gist is a few words, so its encoding is cheap.
        gist = self.gist(question, linked, intent)
        encoded = self.embedder.encode_queries([question, gist] if gist else [question])
        plain = encoded[0]
        vector = _unit(plain + GIST_WEIGHT * encoded[1]) if gist else plain
        c_scores, c_ids = m.concept_vectors.search(plain, 5)
        related = tuple(m.concepts[int(i)].id for s, i in zip(c_scores, c_ids)
                        if s >= cfg.concept_link_min and m.concepts[int(i)].id not in linked)
        query = self._query_tokens(question, linked)
        title_query = query + (m.tokenizer.tokenize(" ".join(cue_words(intent))) if intent in TITLED else [])
        dense, view, sentence, heading = self._dense(vector)
        raw: dict[str, dict[int, float]] = {
            "bm25": m.bm25.top(query, cfg.pool), "title": m.title_bm25.top(title_query, cfg.pool),
            "dense": dense, "sentence": sentence, "heading": heading, "view": view,
            "entity": self._entity(linked, related), "graph": self._graph(linked, intent),
        }
        ranks = {s: _ranks(raw[s], cfg.pool) for s in SIGNALS if s not in drop}
        fused: dict[int, float] = {}
        for ranked in ranks.values():
            for p, r in ranked.items():
                fused[p] = fused.get(p, 0.0) + 1.0 / (cfg.rrf_k + r)
        candidates = sorted(fused, key=lambda p: (-fused[p], p))[: cfg.candidates]
        novelty, terms = self.novelty(rest)
        variants = self.unknown_variants(question)
        unknown = len(terms) + len(variants)
        unmentioned = self.unmentioned(terms, variants)
        english = 0.0 if has_cjk(question) else 1.0
        if not candidates:
            return Retrieval(asked, intent, linked, related, (), (0.0,) * 6 + self.question_features(
                rest, linked, novelty, unknown, english), novelty, unmentioned, plain, read_as)
        words = [(w, *(fold(t) for t in translate(w))) for w in _content_words(rest, m.tokenizer)]
        rows = self._features(candidates, ranks, raw, fused, vector, plain, words, linked, intent, english, drop)
        scores = self.ranker.score(rows)
        order = sorted(range(len(candidates)), key=lambda j: (-scores[j], candidates[j]))
        hits = tuple(Hit(candidates[j], float(scores[j]), {s: ranks[s][candidates[j]] for s in ranks if candidates[j] in ranks[s]},
                         tuple(float(x) for x in rows[j])) for j in order)
        top = hits[0]
        col = {name: i for i, name in enumerate(FEATURES)}
        qf = (top.score, top.score - (hits[1].score if len(hits) > 1 else -5.0),
              *(float(rows[:, col[f"plain_{c}"]].max()) for c in ("sentence", "heading", "passage")), top.features[col["coverage"]],
              *self.question_features(rest, linked, novelty, unknown, english))
        return Retrieval(asked, intent, linked, related, hits[: max(k, 1)] if k else hits, qf, novelty, unmentioned, plain,
                         read_as)

    def _features(self, candidates: Sequence[int], ranks: dict[str, dict[int, int]], raw: dict[str, dict[int, float]],
                  fused: dict[int, float], vector: np.ndarray, plain: np.ndarray, words: Sequence[tuple[str, ...]],
                  linked: Sequence[str], intent: str, english: float, drop: frozenset[str]) -> np.ndarray:
        """One row of FEATURES per candidate. The cosines are the ranking vector's (the question
        with its gist), then the plain question's again (its own passage, sentence and heading
        cosines): the trees weigh the two per feature. (Adding the plain ones: CV Hit@1 en 0.704 ->
        0.710, held-out 0.604 -> 0.615 en, 0.775 -> 0.789 zh.)"""
        m = self.model
        cosines = list(self._exact(vector, candidates))
        cosines += cosines[:3] if plain is vector else self._exact(plain, candidates)[:3]
        for i, signal in enumerate(("dense", "sentence", "heading", "view", "dense", "sentence", "heading")):
            if signal in drop:
                cosines[i] = np.zeros_like(cosines[i])
        cos_p, cos_s, cos_h, cos_v, own_p, own_s, own_h = cosines
        best_bm25 = max((raw["bm25"].get(p, 0.0) for p in candidates), default=0.0) or 1.0
        best_title = max((raw["title"].get(p, 0.0) for p in candidates), default=0.0) or 1.0
        cue_title, cue_text = m.cues.get(intent, (frozenset(), frozenset()))
        chosen = set(linked)
        rows = []
        for j, p in enumerate(candidates):
            passage = m.passages[p]
            rows.append((
                fused[p] * 10,
                *(1.0 / ranks[s][p] if s in ranks and p in ranks[s] else 0.0 for s in SIGNALS),
                cos_p[j], cos_s[j], cos_h[j], cos_v[j], cos_s[j] - cos_s.max(), cos_h[j] - cos_h.max(),
                0.0 if "bm25" in drop else raw["bm25"].get(p, 0.0) / best_bm25,
                0.0 if "title" in drop else raw["title"].get(p, 0.0) / best_title,
                0.0 if "entity" in drop else min(raw["entity"].get(p, 0.0), 6.0) / 6.0,
                float(bool(chosen & m.title_mentions[p])),
                float(bool(chosen) and chosen <= m.mentions[p]),
                float(p in cue_title), float(p in cue_text),
                self._coverage(words, linked, p),
                float(passage.id.endswith(".0")),
                math.log1p(len(passage.text)) / 7.0,
                m.latin[p] * english,
                m.code[p],
                own_p[j], own_s[j], own_h[j],
            ))
        return np.array(rows, dtype=np.float64)

    def question_features(self, rest: str, linked: Sequence[str], novelty: float, unknown: int,
                          english: float) -> tuple[float, ...]:
        """The retrieval-independent part of QUESTION_FEATURES: novelty, unknown names, linked
        concepts, English, linked concepts the notes never mention (the catalogue knows more
        than the notes say), and the share of English content words the notes and lexicon lack."""
        absent = sum(1 for c in linked if c not in self.model.by_concept) / len(linked) if linked else 0.0
        words = [w for w in re.findall(r"[a-z][a-z\-]{2,}", fold(rest)) if w not in _ENGLISH_STOP]
        missing = [w for w in words if not self._known(w) and not translate(w)]
        english_novelty = len(missing) / len(words) if words else 0.0
        return (novelty, min(unknown, 2) / 2, min(len(linked), 2) / 2, english, absent, english_novelty)

    def vague(self, rest: str, linked: Sequence[str]) -> bool:
        """A question that names no concept and has fewer than two content words (greetings,
        "ok", keyboard tests) asks about nothing the notes could answer.

        Interview questions name their topic: among our 727 training and held-out questions no
        answerable one is vague, while 11 of the unanswerable ones are.
        """
        if linked:
            return False
        words = {fold(w) for w in _content_words(rest, self.model.tokenizer)}
        return len({w for w in words if w not in _ENGLISH_STOP and not w.isdigit()}) < 2

    def novelty(self, rest: str) -> tuple[float, tuple[str, ...]]:
        """How much of the question (``rest``: its concept mentions blanked out) the notes never
        mention anywhere, and the technical names (``BERT``, ``YOLOv5``, a capitalised ``Nadam``
        inside a sentence) in it they do not know. A shape (``NxN``, ``KxKxC``) is no name: the
        notes write it as maths (K×K×C), and both of our questions with one are answerable.

        Novelty counts Chinese character bigrams outside concept mentions and question words,
        which makes it indifferent to how jieba segments the question.
        """
        vocab = self.model.vocabulary
        units: list[str] = []
        for run in re.findall(r"[\u3400-\u9fff]+", _QUESTION_WORDS.sub(" ", fold(rest))):
            units += [run[i : i + 2] for i in range(len(run) - 1)] or [run]
        missing = sum(1 for u in units if u not in vocab)
        terms = tuple(t for t in dict.fromkeys(_TERM.findall(rest) + _NAME.findall(rest))
                      if not self._known(t) and not _SHAPE.fullmatch(t))
        return (missing / len(units) if units else 0.0), terms

    def unknown_variants(self, question: str) -> tuple[tuple[str, str], ...]:
        """The model variants the question names that the notes never write, each as written with
        the concept it is a variant of: a linked name followed by a size or version (``ResNet-50``,
        ``VGG16``, ``YOLOv5``) asks about that variant.

        >>> import re; bool(_VARIANT.match("-50 有多少参数")), bool(_VARIANT.match("层的作用"))
        (True, False)
        """
        vocab = self.model.vocabulary
        found = []
        for span in self.model.linker.find(question):
            match = _VARIANT.match(question, span.end)
            if not match:
                continue
            base, number = fold(span.surface).replace(" ", ""), fold(match.group(1))
            if not {f"{base}{number}", f"{base}-{number}", number if len(number) > 2 else ""} & vocab:
                found.append((question[span.start : match.end()].strip(), span.concept))
        return tuple(found)

    def unmentioned(self, terms: Sequence[str], variants: Sequence[tuple[str, str]]) -> tuple[str, ...]:
        """The names in the question that the notes never write, as the question writes them, for
        the reader to see beside the answer or the refusal: unknown technical names (``terms``)
        and unknown variants (:meth:`unknown_variants`) of architectures (``ResNet-50``). Only
        those the notes surely never write: a number after another concept is a value ("stride
        2"); a concept the notes never link may still be written in other words (LSTM's "gates"
        as 门); and a known word with a number ("beta2") may be written as ``\\beta_{2}``."""
        graph = self.model.graph
        models = [written for written, c in variants if graph.concept(c).kind == "architecture"]
        names = [t for t in terms if not self._known(t.rstrip("0123456789").rstrip("-"))]
        return tuple(dict.fromkeys([*models, *names]))

    def _known(self, word: str) -> bool:
        folded = fold(word)
        vocab = self.model.vocabulary
        return folded in vocab or (folded.endswith("s") and folded[:-1] in vocab)


_QUESTION_WORDS = re.compile(
    r"是什么|什么是|为什么|为何|怎么样|怎么|怎样|如何|哪些|什么|有没有|是否|能不能|可以|一下|介绍|讲讲|作用|用途|区别|"
    r"不同|优缺点|优点|缺点|原因|方法|问题|时候|情况|一般|主要|需要|使用|进行|"
    r"\b(what|why|how|which|when|where|who|does|do|did|is|are|was|the|a|an|of|in|on|for|to|and|or|with|it|its|"
    r"explain|describe|used|use|role|purpose|difference|between|work|works|mean|means|good|bad|vs|versus)\b",
    re.I,
)
_ENGLISH_STOP = frozenset(
    "what why how which when where who whom does did done doing are was were the and for with its it's that this these "
    "those from into onto about than then there their them they you your should would could can cannot will shall "
    "explain describe used use using role purpose difference between work works working mean means good bad versus "
    "some any each every other more most less much many very really just also only even still ever again way ways "
    "get gets got make makes made need needs have has had not but yet so such like vs via per kind kinds type types "
    "part parts thing things deal main idea core does exactly actually usually typically common overall".split()
)
_SHAPE = re.compile(r"[A-Za-z]\d*(?:[x×][A-Za-z]\d*)+")  # NxN, KxKxC, W1xH1xC1
_VARIANT = re.compile(r"[-\s]?((?:[vVbB]\d{1,2}|\d{1,3})[a-z]?)(?![A-Za-z0-9.])")
_EVIDENCE_PER_RELATION = 24  # a relation stated in hundreds of notes still costs a bounded loop
# A capitalised word inside a sentence (after a lowercase word, a comma, "(", "/" or a Chinese
# character: 分割里常用的Dice loss): a name.
# Not after ". " or ": ", where an ordinary word starts a sentence.
_NAME = re.compile(r"(?:(?<=[a-z0-9,;] )|(?<=[(/\u3400-\u9fff]))[A-Z][a-z]{2,}[A-Za-z0-9]*")
# A code name (output_padding) too, but not maths (o_i, W_hh: a one-letter first part).
_TERM = re.compile(r"(?<![A-Za-z0-9_])(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Za-z]+[0-9][A-Za-z0-9]*|[A-Za-z]+[a-z][A-Z][A-Za-z0-9]*"
                   r"|[a-z]{2,}[a-z0-9]*(?:_[a-z0-9]+)+)(?![A-Za-z0-9_])")


def _content_words(rest: str, tokenizer: Tokenizer) -> list[str]:
    """Words of a question (its mentions already blanked out) that are not question/intent words."""
    remainder = _QUESTION_WORDS.sub(" ", rest)
    return [t for t in tokenizer.tokenize(remainder, bigrams=False)
            if len(t) >= 2 and not (len(t) == 2 and t.isascii() and t.isdigit())]


def _distance(a: str, b: str, budget: int) -> int:
    """Edit distance counting a swap of neighbours as one edit (optimal string alignment),
    giving up (returning ``budget + 1``) once it must exceed ``budget``.

    >>> _distance("dropout", "dropuot", 2), _distance("softplus", "sofplus", 2)
    (1, 1)
    """
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > budget:
            return budget + 1
        before, previous = previous, current
    return previous[-1]
