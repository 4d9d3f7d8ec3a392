"""Score a practice answer by the claims it states, not the words it contains (no LLM).

A reference passage's key points are its claims: its sentences and list items, each with
the concepts it names. An answer covers a claim when one of the answer's own statements
says the same thing: their multilingual sentence similarity (e5, so a Chinese or English
answer scores alike) is high *and* the answer names the claim's concepts or their graph
neighbours. Three kinds of text state nothing and earn nothing: a bare list of terms, the
question repeated back, and an empty answer. A statement that sounds like a claim but is about
none ("这个很重要, 可以提升效果") earns nothing either: it must name one of the claim's concepts or
share two specific terms with it (:func:`_evidence`). The total is the mean credit over the
reference's ``need`` best-covered claims (``need`` = at most :attr:`Rules.need`), so a
concise correct answer does not have to recite every detail of a long passage::

    z(claim, s)    = (cos(claim, s) - mean cos(s, unrelated claims)) / std   (per statement s, 0 without evidence)
    credit(claim)  = ramp(z of its best statement, low, high) × (1 if its concepts are named else ½)

Across languages: every concept mention is written as one name before e5 sees it
(:class:`Vocabulary`), so an English answer meets a Chinese note on the concepts and is
cross-lingual only in the rest of the sentence; z is relative to the same statement's
background, which sits lower for an English statement, so no absolute cosine threshold is used;
and an English full stop ends a sentence like a Chinese one does.
    score          = 100 × Σ top-``need`` credits / need × (1 - 2 × share of statements contradicting a claim)

>>> Rules().formula()
'100 × Σ credit / min(claims, 2); credit = ramp(z, 1.2, 2.5) × (1 | ½ unnamed concepts)'
"""
from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from jieba import posseg

from ingest.linker import Linker
from kg.graph import KnowledgeGraph
from kg.text import fold, has_cjk
from qa.lexicon import LEXICON

__all__ = ["Embed", "Rules", "remembered", "Claim", "Point", "Score", "Scorer", "Vocabulary", "band", "claims", "contradicts", "statements",
           "score_answer", "terms"]

Embed = Callable[[Sequence[str]], np.ndarray]
Verdict = Literal["covered", "partial", "unnamed", "contradicted", "missed"]

# A sentence ends at Chinese or English end punctuation; an English full stop only before a space or
# the end, so "0.5" and "1.2e-3" stay whole.
_SENTENCE = re.compile(r"(?:[^。！？!?；;\n.]|\.(?!\s|$))+(?:[。！？!?；;]|\.(?=\s|$))?")
_CLAUSE = re.compile(r"[^,，、:：]+")
_LIST_MARK = re.compile(r"\s*(?:[-*+•]|\(?\d+[.)、]|\([a-z]\)|[①-⑩]|【[^】]*】)\s*")
_NOISE = re.compile(r"https?://\S+|www\.\S+|\\[A-Za-z]+|\$[^$]*\$")
_SPACED = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fffA-Za-z0-9])|(?<=[A-Za-z0-9])\s+(?=[\u4e00-\u9fff])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ITEM = re.compile(r"\s*(?:[-*+•]|\(?\d+[.)、])\s*")
# English words that only a sentence has: a list of terms has none of them.
_FUNCTION = frozenset(
    "the a an is are was were be been it its this that these those to of by so and which because when while "
    "can could may might will would does do did has have had makes make helps help lets let more less than "
    "not no into from with without each every than then thus hence therefore must should need needs give gives "
    "get gets keep keeps take takes use uses used see sees want wants".split())
_ASKING = frozenset("什么为何怎么如何哪些是吗呢的了作用") | frozenset("what why how which does do is are the of".split())
_VERB_FLAGS = ("v", "a", "d", "p", "c")  # jieba: verb, adjective, adverb, preposition, conjunction


# Opposite ends of the claims notes make most: an answer that says the opposite of a claim
# ("BN 导致梯度消失" against "BN 防止梯度消失") is close in embedding space but contradicts it.
_POLES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("加快", "加速", "更快", "speed up", "speeds up", "faster", "accelerat"), ("变慢", "减慢", "更慢", "slow", "slower")),
    (("防止", "缓解", "避免", "解决", "抑制", "减轻", "减少", "降低", "prevent", "avoid", "mitigat", "reduce", "fight",
      "solve"), ("导致", "引起", "加剧", "造成", "cause", "worsen", "lead to", "leads to")),
    (("增大", "增加", "扩大", "提高", "提升", "更多", "更大", "还大", "变大", "increase", "enlarge", "improve", "raise",
      "larger", "bigger", "more parameters"),
     ("减小", "减少", "缩小", "降低", "更少", "更小", "变小", "decrease", "shrink", "lower", "smaller", "fewer")),
    (("不变", "保持", "unchanged", "keep", "preserve"), ("改变", "破坏", "change", "destroy")),
    (("之前", "前面", "before"), ("之后", "后面", "after")),
    (("较大", "很大", "large"), ("较小", "很小", "small", "tiny")),
    (("更稳定", "越稳定", "more stable"), ("不稳定", "unstable")),
)
# A negated predicate ("不需要计算梯度", "cannot model"): the claim with or without it says the opposite.
# Only negations of a verb or modal count: 不同 (different), 不断 (repeatedly) and 非线性 negate nothing.
_NEGATION = re.compile(r"不(?:需要|用|能|会|可以|可能|是|存在|要|必|适合|适用|依赖|包含|考虑)|没有|无法|无需|并非|"
                       r"\b(?:not|never|cannot)\b|n't\b", re.I)


def _poles(text: str) -> set[tuple[int, int]]:
    """Which (axis, end) of :data:`_POLES` ``text`` asserts."""
    folded = fold(text)
    return {(axis, end) for axis, ends in enumerate(_POLES) for end, words in enumerate(ends)
            if any(w in folded for w in words)}


def contradicts(statement: str, claim: str) -> bool:
    """Whether ``statement`` takes only the other end of an axis ``claim`` takes only one end of, or
    negates what it asserts.

    A statement that negates a predicate the claim asserts ("不需要计算梯度" against "计算梯度")
    contradicts it too (not the other way round: "you can drop dropout" says "可以不用 dropout").

    >>> contradicts("BN会让训练变慢", "加快网络的训练"), contradicts("BN可以加快收敛", "加快网络的训练")
    (True, False)
    >>> contradicts("不需要计算梯度", "计算每个神经元的梯度"), contradicts("it does not overlap", "不存在重叠")
    (True, False)
    """
    if _NEGATION.search(statement) and not _NEGATION.search(claim):
        return True
    said, meant = _poles(statement), _poles(claim)
    return any((axis, 1 - end) in said and (axis, end) not in said and (axis, 1 - end) not in meant
               for axis, end in meant)


_TIE = 0.25  # z-scores this close to a statement's nearest claim count as equally near (score_answer)


@dataclass(frozen=True)
class Rules:
    """The thresholds of :func:`score_answer`; shown next to every score."""

    low: float = 1.2
    high: float = 2.5
    need: int = 2
    floor: float = 0.0
    unnamed: float = 0.5
    echo: float = 0.75

    def formula(self) -> str:
        return (f"100 × Σ credit / min(claims, {self.need}); credit = ramp(z, {self.low:g}, {self.high:g})"
                f" × (1 | ½ unnamed concepts)")


@dataclass(frozen=True)
class Claim:
    """One claim of the reference: ``reference[start:end]`` and the concepts it names."""

    text: str
    start: int
    end: int
    concepts: tuple[str, ...]


@dataclass(frozen=True)
class Point:
    """How far the answer covers one claim, and why: the nearest statement and its similarity."""

    claim: Claim
    credit: float
    similarity: float
    statement: str
    named: tuple[str, ...]
    unnamed: tuple[str, ...]
    verdict: Verdict


@dataclass(frozen=True)
class Score:
    """The total (0-100), every claim's point, the answer text that stated nothing (``ignored``), the
    statements that contradict the notes, and those about no claim in particular (``vague``)."""

    points: tuple[Point, ...]
    total: float
    rules: Rules
    stated: tuple[str, ...]
    ignored: tuple[str, ...]
    contradicting: tuple[str, ...] = ()
    vague: tuple[str, ...] = ()

    def of(self, *verdicts: Verdict) -> list[Point]:
        return [p for p in self.points if p.verdict in verdicts]


def _pieces(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of ``pattern`` in ``text`` with surrounding whitespace and list markers trimmed."""
    out = []
    for m in pattern.finditer(text):
        start, end = m.start(), m.end()
        lead = _LIST_MARK.match(text, start, end)
        start = lead.end() if lead else start
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append((start, end))
    return out


def _substance(text: str) -> int:
    """How much a text says: CJK characters plus Latin words, ignoring URLs, TeX and digits."""
    clean = _NOISE.sub(" ", text)
    return sum(has_cjk(c) for c in clean) + len(_WORD.findall(clean))


def _split_long(text: str, spans: list[tuple[int, int]], longest: int = 40) -> list[tuple[int, int]]:
    """Long sentences cut at commas, each piece long enough to say something (notes join claims with commas)."""
    out = []
    for start, end in spans:
        if end - start <= longest:
            out.append((start, end))
            continue
        pieces: list[list[int]] = []
        for a, b in _pieces(text[start:end], _CLAUSE):
            if pieces and (_substance(text[start + a:start + b]) < 10 or _substance(text[pieces[-1][0]:pieces[-1][1]]) < 10):
                pieces[-1][1] = start + b
            else:
                pieces.append([start + a, start + b])
        out += [(a, b) for a, b in pieces]
    return out


def claims(reference: str, linker: Linker, *, min_substance: int = 4) -> list[Claim]:
    """The reference's sentences and list items that say something, each with its concepts.

    >>> [c.text for c in claims("- 加快收敛\\n- 防止过拟合。x", Linker([]))]
    ['加快收敛', '防止过拟合。']
    """
    out = []
    for start, end in _split_long(reference, _pieces(reference, _SENTENCE)):
        text = reference[start:end]
        # A line ending in a colon introduces what follows ("如下图所示:"); it claims nothing itself.
        # A list item that is one concept ("- 数据增强" under "如何解决过拟合?") is an item of an
        # enumeration the heading asks for, so it is a claim although it has no predicate.
        if _substance(text) >= min_substance and not text.endswith((":", "：")) and (
                _states(text, linker) or _item(reference, start, end) and linker.find(text)):
            names = tuple(dict.fromkeys(s.concept for s in linker.find(text)))
            out.append(Claim(text, start, end, names))
    return out


def _item(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a whole list item (a marker before it, the line's end after it)."""
    line = text.rfind("\n", 0, start) + 1
    return bool(_ITEM.fullmatch(text, line, start)) and text[end:end + 1] in ("", "\n")


def _states(clause: str, linker: Linker) -> bool:
    """Whether ``clause`` asserts something rather than naming terms: it has a predicate beyond its concepts."""
    spans = linker.find(clause)
    rest = clause
    for span in reversed(spans):
        rest = rest[:span.start] + " " + rest[span.end:]
    if has_cjk(clause):
        words = [(w, f) for w, f in posseg.lcut(rest) if w.strip() and not re.fullmatch(r"\W+", w)]
        predicate = any(f.startswith(_VERB_FLAGS) for _, f in words)
        return predicate and len(words) + len(spans) >= 2 and _substance(clause) >= 4
    words = [w.lower() for w in _WORD.findall(clause)]
    return len(words) >= 4 and any(w in _FUNCTION for w in words)


def _echoes(clause: str, question: str, share: float) -> bool:
    """Whether ``clause`` mostly repeats the question (its characters or words, question words aside)."""
    units = _WORD.findall(fold(clause)) + [c for c in clause if has_cjk(c)]
    asked = set(_WORD.findall(fold(question))) | {c for c in question if has_cjk(c)} | _ASKING
    return bool(units) and sum(u in asked for u in units) / len(units) >= share


def statements(answer: str, linker: Linker, question: str = "", echo: float = 0.75) -> tuple[list[str], list[str]]:
    """(statements, ignored): the answer's clauses that state a claim, and the text that states none.

    A sentence is split at commas so "加快收敛, 防止过拟合" states two things; a sentence none
    of whose clauses states anything is a list of terms.

    >>> statements("BN可以加快收敛, 防止过拟合。梯度, 收敛", Linker([]))
    (['BN可以加快收敛', '防止过拟合。'], ['梯度, 收敛'])
    """
    stated: list[str] = []
    ignored: list[str] = []
    # Chinese words separated by spaces are a list ("平移 旋转 降维"), split like one with commas.
    answer = _SPACED.sub("、", answer)
    for start, end in _pieces(answer, _SENTENCE):
        sentence = answer[start:end]
        ok = lambda text: _states(text, linker) and not _echoes(text, question, echo)  # noqa: E731
        parts = [p for p in (sentence[a:b] for a, b in _pieces(sentence, _CLAUSE)) if ok(p)]
        stated += parts
        if not parts:  # a list of terms states nothing, even when its words together have a verb
            ignored.append(sentence)
    return stated, ignored


def _names(text: str, linker: Linker) -> set[str]:
    return {s.concept for s in linker.find(text)}


def _near(graph: KnowledgeGraph | None, concept: str) -> set[str]:
    """A concept and its graph neighbours: naming 梯度消失 for a claim about 梯度 counts as naming it."""
    if graph is None or concept not in graph:
        return {concept}
    return {concept, *(r.target if r.source == concept else r.source for r in graph.relations_of(concept))}


def _ramp(x: float, low: float, high: float) -> float:
    return float(min(1.0, max(0.0, (x - low) / (high - low))))


def _contrast(sims: np.ndarray, background: np.ndarray | None) -> np.ndarray:
    """Each statement's similarities as z-scores against its similarities to unrelated claims.

    e5 puts any two deep-learning sentences at cos 0.8 or more, and a Chinese and an English
    sentence lower than two Chinese ones; measured against the same statement's background,
    "how much closer than to anything else" means the same in either language.
    """
    if background is None or not len(background):
        return sims
    mean, std = background.mean(axis=0), background.std(axis=0) + 1e-3
    return (sims - mean) / std


@dataclass(frozen=True)
class Vocabulary:
    """How scoring reads words across languages: one written name per concept, and the vague terms.

    ``names`` maps a concept id to the name its mentions are written as before embedding (its
    first Chinese name, else its English one), so "batch normalization" in an English answer and
    "BN层" in a Chinese note both reach e5 as "批归一化" and only the rest of the sentence is
    cross-lingual. ``vague`` are the content terms too common in the notes' claims to show that a
    statement is about one claim (训练, 网络, 模型 ...).

    >>> from kg.model import Concept
    >>> Vocabulary({"bn": "批归一化"}).canonical("BN speeds it up", Linker([Concept("bn", "BN", "technique")]))
    '批归一化 speeds it up'
    """

    names: Mapping[str, str] = field(default_factory=dict)
    vague: frozenset[str] = frozenset()

    @classmethod
    def build(cls, graph: KnowledgeGraph | None, linker: Linker, texts: Sequence[str], share: float = 0.04) -> Vocabulary:
        """Names from ``graph``; terms that more than ``share`` of ``texts`` (claims) use outside their
        concept mentions are vague (可以, 使用, 进行, 网络 ...; a concept's name never is by itself)."""
        names = {c.id: (c.zh[0] if c.zh else c.name) for c in graph.vocabulary()} if graph is not None else {}
        plain = cls(names)
        counts = Counter(t for text in texts for t in plain.terms(text, linker, _names(text, linker)))
        return cls(names, frozenset(t for t, n in counts.items() if n > share * max(1, len(texts))))

    def canonical(self, text: str, linker: Linker, drop: Collection[str] = ()) -> str:
        """``text`` with its mentions written as :attr:`names`; mentions of ``drop`` blanked."""
        for span in reversed(linker.find(text)):
            name = " " if span.concept in drop else self.names.get(span.concept, span.surface)
            text = text[:span.start] + name + text[span.end:]
        return text

    def terms(self, text: str, linker: Linker, drop: Collection[str] = ()) -> set[str]:
        """:func:`terms` of the canonical text: "number of parameters" and "参数量" share 参数, 数量."""
        return terms(self.canonical(text, linker, drop))


def terms(text: str) -> set[str]:
    """Content terms of ``text``: Chinese character bigrams, and for an English word its Chinese
    counterparts' bigrams (:data:`qa.lexicon.LEXICON`) or, when it has none, the word itself.

    >>> sorted(terms("减少计算量")), sorted(terms("It reduces computation"))
    (['减少', '少计', '算量', '计算'], ['减小', '减少', '算量', '计算', '降低'])
    """
    rest = text
    out: set[str] = set()
    for word in _WORD.findall(rest):
        out |= {w for zh in LEXICON.word(word) for w in _bigrams(zh)} or (
            {word.lower()} if len(word) >= 4 and word.lower() not in _FUNCTION else set())
    return out | _bigrams(rest)


def _bigrams(text: str) -> set[str]:
    return {run[i:i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}


def _evidence(claim: Claim, statement: str, linker: Linker, vocab: Vocabulary, exclude: Collection[str],
              graph: KnowledgeGraph | None) -> bool:
    """Whether ``statement`` is about ``claim`` beyond sounding alike: it names one of the claim's
    concepts (or a graph neighbour), or shares two content terms with it that are not vague.
    "这个很重要, 可以提升效果" is close in e5 to many claims and about none of them."""
    said, folded = _names(statement, linker), fold(statement)
    wanted = [c for c in claim.concepts if c not in exclude]
    if any(_near(graph, c) & said or _alias_in(graph, c, folded) for c in wanted):
        return True
    shared = vocab.terms(statement, linker, exclude) & vocab.terms(claim.text, linker, exclude)
    return len(shared - vocab.vague) >= 2


def score_answer(answer: str, reference: str, *, linker: Linker, embed: Embed, background: np.ndarray | None = None,
                 question: str = "", exclude: Collection[str] = (), graph: KnowledgeGraph | None = None,
                 rules: Rules | None = None, vocab: Vocabulary | None = None) -> Score:
    """Score ``answer`` against ``reference``'s claims.

    ``background`` holds embeddings of claims from other references (rows, embedded in
    ``vocab``'s canonical form); ``exclude`` are the concepts the question names (an answer needs
    not repeat them). A statement earns credit for a claim only with :func:`_evidence` for it.
    """
    rules = rules or Rules()
    vocab = vocab or Vocabulary()
    found = claims(reference, linker)
    stated, ignored = statements(answer, linker, question, rules.echo)
    if not found:
        return Score((), 0.0, rules, tuple(stated), tuple(ignored))
    z = np.zeros((len(found), 0), dtype=np.float32)
    if stated:
        texts = [vocab.canonical(t, linker) for t in [c.text for c in found] + stated]
        vectors = np.asarray(embed(texts), dtype=np.float32)
        sims = vectors[:len(found)] @ vectors[len(found):].T
        bg = None if background is None else np.asarray(background, dtype=np.float32) @ vectors[len(found):].T
        about = np.array([[_evidence(c, s, linker, vocab, exclude, graph) for s in stated] for c in found])
        # Below ``floor`` two sentences are unrelated however they compare to the background. Off by
        # default: e5 puts an English sentence ~0.05 lower against Chinese claims than a Chinese one,
        # so an absolute cosine cut-off (it was 0.82) dropped English statements that z keeps.
        z = np.where((sims >= rules.floor) & about, _contrast(sims, bg), 0.0)
    vague = tuple(s for j, s in enumerate(stated) if not z[:, j].any())
    said, folded = _names(answer, linker), fold(answer)
    used: set[int] = set()
    points: dict[int, Point] = {}
    # Greedy one-to-one: a statement covers one claim, the claim it is closest to.
    for i, j in sorted(np.ndindex(*z.shape), key=lambda ij: -z[ij]):
        if i in points or j in used:
            continue
        points[i] = _point(found[i], float(z[i, j]), stated[j], said, folded, exclude, graph, rules)
        if points[i].credit > 0:
            used.add(j)
        else:
            del points[i]
    ordered = tuple(points.get(i) or _point(c, 0.0, "", said, folded, exclude, graph, rules, miss=True)
                    for i, c in enumerate(found))
    need = min(len(ordered), rules.need)
    total = 100 * sum(sorted((p.credit for p in ordered), reverse=True)[:need]) / need
    # An answer that contradicts the notes loses twice the share of its statements that do.
    texts = [c.text for c in found]
    wrong = {j for j in range(z.shape[1]) if _against(stated[j], texts, z[:, j], rules.low)}
    total *= max(0.0, 1 - 2 * len(wrong) / max(1, len(stated)))
    return Score(ordered, round(total, 1), rules, tuple(stated), tuple(ignored), tuple(stated[j] for j in sorted(wrong)),
                 vague)


def _against(statement: str, texts: Sequence[str], z: np.ndarray, low: float) -> bool:
    """Whether ``statement`` contradicts the notes: the claims it is nearest to (``z``, at least
    ``low``; ``texts``: every claim's text) all say otherwise. Only the nearest: "防止梯度消失" does not contradict a claim that
    describes the problem ("从而导致梯度消失"). And every claim within :data:`_TIE` of it: a
    statement as near a claim it agrees with is no contradiction ("1x1卷积来降低特征图的厚度" sat
    0.01 nearer "造成了特征图的厚度很大" than "池化操作堆叠在一起", and which won changed with
    e5's last digits from one CPU to another).

    >>> _against("BN会让训练变慢", ["加快网络的训练", "BN有两个参数"], np.array([3.0, 2.9]), 1.2)
    False
    >>> _against("BN会让训练变慢", ["加快网络的训练", "BN有两个参数"], np.array([3.0, 1.0]), 1.2)
    True
    """
    close = np.flatnonzero(z >= max(low, float(z.max(initial=-np.inf)) - _TIE))
    return bool(close.size) and all(contradicts(statement, texts[int(i)]) for i in close)


def _point(claim: Claim, z: float, statement: str, said: set[str], folded: str, exclude: Collection[str],
           graph: KnowledgeGraph | None, rules: Rules, miss: bool = False) -> Point:
    wanted = [c for c in claim.concepts if c not in exclude]
    named = tuple(c for c in wanted if _near(graph, c) & said or _alias_in(graph, c, folded))
    unnamed = tuple(c for c in wanted if c not in named)
    if miss:
        return Point(claim, 0.0, 0.0, "", named, unnamed, "missed")
    if contradicts(statement, claim.text):
        return Point(claim, 0.0, round(z, 2), statement, named, unnamed, "contradicted")
    credit = _ramp(z, rules.low, rules.high) * (rules.unnamed if wanted and not named else 1.0)
    verdict: Verdict = ("missed" if credit == 0 else "unnamed" if wanted and not named
                        else "covered" if credit >= 0.5 else "partial")
    return Point(claim, round(credit, 3), round(z, 2), statement, named, unnamed, verdict)


def _alias_in(graph: KnowledgeGraph | None, concept: str, folded_answer: str) -> bool:
    """Whether a name of ``concept`` occurs inside the answer, even within a longer term (梯度 in 梯度消失)."""
    if graph is None or concept not in graph:
        return False
    c = graph.concept(concept)
    return any(len(fold(a)) >= 2 and fold(a) in folded_answer for a in (c.name, *c.zh, *c.aliases))


Band = Literal["good", "partial", "poor"]


def band(total: float) -> Band:
    """The coarse verdict a score falls in: good ≥ 60, partial ≥ 20, poor below."""
    return "good" if total >= 60 else "partial" if total >= 20 else "poor"


def background_claims(references: Sequence[str], linker: Linker, limit: int = 80) -> list[str]:
    """An even sample of ``limit`` claims across ``references``: what "unrelated" looks like."""
    texts = list(dict.fromkeys(c.text for r in references for c in claims(r, linker)))
    step = max(1, len(texts) // limit)
    return texts[::step][:limit]


def remembered(embed: Embed, size: int = 4096) -> Embed:
    """``embed`` that keeps the vectors of the last ``size`` texts: every answer to a question is
    compared with the same reference claims, so they are embedded once, not once per answer.
    Bounded, unlike :class:`~qa.vectors.EmbeddingCache`: a server would otherwise keep the vector
    of every sentence every user ever typed.

    >>> calls = []
    >>> e = remembered(lambda texts: calls.append(list(texts)) or np.ones((len(texts), 2)))
    >>> _ = e(["a", "b"]); _ = e(["b", "c", "c"]); calls
    [['a', 'b'], ['c']]
    """
    kept: OrderedDict[str, np.ndarray] = OrderedDict()
    lock = threading.Lock()  # sessions score at the same time

    def embed_remembered(texts: Sequence[str]) -> np.ndarray:
        with lock:
            missing = [t for t in dict.fromkeys(texts) if t not in kept]
        fresh = np.asarray(embed(missing), dtype=np.float32) if missing else ()
        with lock:
            kept.update(zip(missing, fresh))
            rows = [kept[t] for t in texts]
            for t in texts:
                kept.move_to_end(t)
            while len(kept) > size:
                kept.popitem(last=False)
        return np.stack(rows) if rows else np.zeros((0, 1), np.float32)

    return embed_remembered


@dataclass(frozen=True)
class Scorer:
    """What scoring needs, built once per read model: linker, graph, embedder and the background
    vectors; ``read`` spells the answer's misspelt names as meant before it is scored (a
    candidate who types 过你和 for 过拟合 has named it)."""

    linker: Linker
    graph: KnowledgeGraph | None
    embed: Embed
    background: np.ndarray
    rules: Rules = Rules()
    vocab: Vocabulary = Vocabulary()
    read: Callable[[str], str] | None = None

    @classmethod
    def build(cls, references: Sequence[str], linker: Linker, graph: KnowledgeGraph | None, embed: Embed,
              rules: Rules | None = None, read: Callable[[str], str] | None = None) -> Scorer:
        embed = remembered(embed)
        every = list(dict.fromkeys(c.text for r in references for c in claims(r, linker)))
        vocab = Vocabulary.build(graph, linker, every)
        sample = [vocab.canonical(t, linker) for t in background_claims(references, linker)]
        vectors = np.asarray(embed(sample), dtype=np.float32) if sample else np.zeros((0, 1), np.float32)
        return cls(linker, graph, embed, vectors, rules or Rules(), vocab, read)

    def score(self, answer: str, reference: str, question: str = "", exclude: Collection[str] = ()) -> Score:
        answer = self.read(answer) if self.read else answer
        return score_answer(answer, reference, linker=self.linker, embed=self.embed, background=self.background,
                            question=question, exclude=exclude, graph=self.graph, rules=self.rules, vocab=self.vocab)
