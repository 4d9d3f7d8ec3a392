"""Typed relations read from sentences, each with its evidence sentence, rule and confidence.

No relation is invented: every rule fires on words of one sentence (or heading) of the notes
and returns that sentence as evidence. Rules work clause by clause (:mod:`ingest.clauses`):
a verb's subject is the fitting mention before it in its own clause, else the subject the
clause inherits; the section's topic is a last resort. Each relation type has its own cues
(:mod:`ingest.cues`), and negation or prevention blocks or flips a verb:

* ``solves``: ``X 解决/缓解/防止 P``; ``X 不会/很难 产生 P``; remedies listed under "如何解决P?";
* ``causes``: ``X 导致/引起 P`` (the nearest subject: "避免因为激活函数导致的梯度消失"),
  ``转置卷积的棋盘效应``, ``P 的原因是 X``, ``这会造成P`` (这 = the clause before);
* ``introduces``: novelty (提出/引入/首次), ``X 最早出现在 A 中``, ``想法来自 A``; plain use
  (采用/使用) of a specific technique counts in the architecture's own section, reuse
  (同样使用) never does;
* ``has_role``: a role phrase (作用/用于/可以...) or a gloss "通道混洗(帮助信息流通)";
* ``part_of``, ``variant_of``, ``improves_on``, ``contrasts_with``: their own cue words.

>>> from kg.model import Concept
>>> kinds = {"dropout": Concept("dropout", "Dropout", "technique"), "of": Concept("of", "overfitting", "problem")}
>>> s = Sentence(3, 0, "Dropout:抑制过拟合", (Span(0, 7, "dropout", "Dropout"), Span(10, 13, "of", "过拟合")))
>>> [(r.source, r.relation, r.target, r.rule) for r in extract(s, Context("n.md", kinds, ()))]
[('dropout', 'solves', 'of', 'solve-verb')]
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ingest import cues
from ingest.clauses import TRUST, Found, Reading
from ingest.linker import Span
from ingest.sentences import LEAD, Sentence
from kg.errors import InputError
from kg.model import Concept, Evidence, Relation

__all__ = ["Context", "MAX_SENTENCE", "extract", "is_actor", "is_problem", "looks_like_architecture",
           "remedy_target", "subject_of"]

MAX_SENTENCE = 5000  # characters; extraction is linear, but a note must not hold a megabyte "sentence"
# Building blocks every network has: using them is never an architecture's contribution.
# Whole networks: a layer's effect is never theirs ("为构造深度卷积神经网络提供方向(减少参数").
CONTAINERS = frozenset({"cnn", "dnn", "ann", "neural_network", "hidden_layer"})
GENERIC = frozenset({"convolution", "pooling", "fully_connected_layer", "activation_function", "loss_function",
                     "optimizer", "cnn", "dnn", "ann", "feature_map", "neural_network", "backpropagation"})
# Task words: "分类" in a sentence is not a role unless a role phrase says so ("用于分类").
TASK_ROLES = frozenset({"classification", "feature_extraction", "feature_selection"})
_ACTOR_CATEGORIES = {"activation", "optimizer", "loss"}
_PROBLEM_NAME = re.compile(r"(效应|问题|现象|困难|崩溃|退化)$|\b(effect|problem|collapse|artifacts?|degradation)\b", re.I)
_NET_NAME = re.compile(r"Net\b|Net-|former\b|GAN\b|^[A-Z]{2,}[a-z]*-?v?\d*$")
_SOLUTION_TITLE = re.compile(r"如何|怎么|怎样|方法|解决|处理|应对|措施|技巧|办法|避免|防止|缓解|tricks?|how|solution|fix", re.I)
_QUESTION = re.compile(r"(如何|怎么|怎样|怎么样|能否|是否|how to)\s*\S{0,2}$", re.I)
_STRONG_CAUSE = re.compile(r"导致|引起|造成|引发|lead|caus|result", re.I)
_CAUSAL = re.compile(r"\s*(因为|由于|否则|不然|以免|以防|所以|因此|从而)")
_ITEM_REF = re.compile(r"\s*了?\s*[(（](\d{1,2})[)）]\s*(中|里|的)")
_REMOVED_ANYWHERE = re.compile(r"去掉|去除|移除|删除|不要|不用|避免使用|少用|不再|remove|avoid", re.I)
_FLAWED = re.compile(r"问题|缺点|缺陷|不足|局限|弊端|problem|drawback|issue", re.I)
_ROLE_STRICT = re.compile(r"(用于|用来|用以|负责|作用|送给|作为)\S{0,3}$")


@dataclass(frozen=True)
class Context:
    """What a sentence is read against: its note, the concepts by id, and the section topics.

    ``topics`` are the concepts of the section heading, then of its parents; the first
    ``own`` of them come from the section's own heading (all of them when ``own`` is None).
    """

    doc: str
    concepts: Mapping[str, Concept]
    topics: tuple[str, ...]
    remedy_for: str | None = None  # problem the section lists remedies for ("如何解决过拟合?")
    own: int | None = None
    role_section: bool = False  # the heading asks what something is for ("pooling的作用?")

    @property
    def own_topics(self) -> tuple[str, ...]:
        return self.topics if self.own is None else self.topics[: self.own]


def is_actor(concept: Concept) -> bool:
    """Things that do something: architectures, layers, techniques, and typed tools like ReLU or Adam.

    A proposed term counts only when its kind says so, or its name is shaped like a network.
    """
    if concept.proposed and concept.kind == "concept" and not concept.category:
        return looks_like_architecture(concept)
    if concept.kind in {"architecture", "layer", "technique"}:
        return True
    return concept.kind == "concept" and (concept.category or "") in _ACTOR_CATEGORIES


def looks_like_architecture(concept: Concept) -> bool:
    """Architectures by kind, or proposed names shaped like one (EfficientNet, SENet, RetinaNet, ViT-B)."""
    return concept.kind == "architecture" or (
        concept.proposed and concept.kind == "concept" and _NET_NAME.search(concept.name) is not None)


def is_problem(c: Concept) -> bool:
    """Problems by kind, or proposed names that say so (网格效应, gridding effect, 模式崩溃问题)."""
    return c.kind == "problem" or (c.proposed and c.kind == "concept"
                                   and any(_PROBLEM_NAME.search(n) for n in (c.name, *c.zh)))


def _thing(c: Concept) -> bool:
    return c.kind != "role" and not is_problem(c)


class _Reader:
    """The rules over one sentence; ``edges`` collects what they find."""

    def __init__(self, sentence: Sentence, ctx: Context, previous: Found | None, items: Mapping[str, str],
                 antecedent: str | None) -> None:
        self.s, self.ctx, self.r = sentence, ctx, Reading(sentence, previous)
        self.items, self.antecedent = items, antecedent
        self.text = sentence.text
        self.edges: dict[tuple[str, str, str], Relation] = {}

    # -- kinds -------------------------------------------------------------------------------
    def c(self, concept_id: str) -> Concept:
        return self.ctx.concepts[concept_id]

    def actor(self, cid: str) -> bool:
        return is_actor(self.c(cid))

    def tool(self, cid: str) -> bool:
        return is_actor(self.c(cid)) and not looks_like_architecture(self.c(cid))

    def arch(self, cid: str) -> bool:
        return looks_like_architecture(self.c(cid))

    def problem(self, cid: str) -> bool:
        return is_problem(self.c(cid))

    def thing(self, cid: str) -> bool:
        return _thing(self.c(cid))

    # -- emitting ----------------------------------------------------------------------------
    def add(self, source: str | None, relation: str, target: str | None, rule: str, confidence: float) -> None:
        if source is None or target is None or source == target:
            return
        rel = Relation(source, relation, target, (Evidence(self.ctx.doc, self.s.line, self.text),),
                       rule, round(confidence, 2))
        old = self.edges.get(rel.key)
        if old is None or old.confidence < rel.confidence:
            self.edges[rel.key] = rel

    def who(self, pos: int, ok, *, nearest: bool = False, tools: bool = True, carry: bool = True,
            topic: bool = True, parents: bool = False, floor: int = 0, generic: bool = True) -> Found | None:
        """The subject of the verb at ``pos``: clause, inherited, lead, then section topic.

        With ``generic=False`` a building block ("卷积") is never an inherited subject or a topic.
        """
        skip = frozenset() if generic else GENERIC
        found = self.r.subject(pos, lambda c: ok(c) and c not in CONTAINERS, nearest, tools, carry, floor, skip)
        if found or not carry:
            return found
        if self.s.lead and ok(self.s.lead) and not self.s.heading:
            return (self.s.lead,), "lead"
        pool = self.ctx.topics if parents else self.ctx.own_topics
        best = next((t for t in pool if ok(t) and t not in CONTAINERS), None) if topic else None
        return ((best,), "topic") if best else None

    def objects(self, pos: int, ok, first: bool = False, stop: str = "，,;；。") -> list[str]:
        tail = self.text[pos:]  # a removal cue before the verb ("删除来缓解") says nothing of its object
        found = [sp.concept for sp in self.r.after(pos, stop) if ok(sp.concept) and not cues.removed(tail, sp.start - pos)]
        return found[:1] if first else found

    # -- rules -------------------------------------------------------------------------------
    def solves(self) -> None:
        for m in cues.SOLVES.finditer(self.text):
            if cues.negated(self.text, m.start()) or _QUESTION.search(self.text, max(0, m.start() - 6), m.start()):
                continue
            pair = self.copula(m.start(), self.actor, self.problem)
            if pair:
                self.add(pair[0], "solves", pair[1], "solve-copula", 0.9)
                continue
            targets = self.objects(m.end(), self.problem)
            rule = "solve-verb"
            if not targets and cues.ANAPHOR_PROBLEM.match(self.text, m.end() + (self.text[m.end():m.end() + 1] == "了")):
                # "...解决这一问题": the problem named last, in this sentence or the section before it.
                earlier = [sp.concept for sp in self.r.between(0, m.start()) if self.problem(sp.concept)]
                targets, rule = (earlier[-1:] or ([self.antecedent] if self.antecedent else [])), "solve-anaphor"
            self.overcome(m)
            if not targets:
                continue
            found = self.who(m.start(), lambda c: self.actor(c) and not self.problem(c), generic=False)
            for source in found[0] if found else ():
                for target in targets:
                    self.add(source, "solves", target, rule, 0.9 * TRUST[found[1]])

    def overcome(self, m: re.Match[str]) -> None:
        """"RMSProp能够克服AdaGrad梯度急剧减小的问题": solving a flaw of Y improves on Y."""
        item = _ITEM_REF.match(self.text, m.end())
        if item and item.group(1) in self.items:
            # "(4)He initialization; 解决了(3)中使用Relu的问题": (3) is the item numbered so on the line.
            flawed = self.items[item.group(1)]
        else:
            after = self.r.after(m.end())
            if not after or not self.thing(after[0].concept) or not _FLAWED.search(self.text, after[0].end):
                return
            flawed = after[0].concept
        found = self.who(m.start(), lambda c: self.thing(c) and self.c(c).kind == self.c(flawed).kind, tools=False)
        for source in found[0] if found else ():
            self.add(source, "improves_on", flawed, "improve-overcome", 0.8 * TRUST[found[1]])

    def causes(self) -> None:
        for m in cues.CAUSES.finditer(self.text):
            if _QUESTION.search(self.text, max(0, m.start() - 6), m.start()):
                continue
            targets = self.objects(m.end(), self.problem)
            if not targets:
                continue
            start = self.r.clauses[self.r.clause_of(m.start())][0]
            if cues.negated(self.text, m.start()):
                # "使得很难出现梯度弥散", "不会产生退化问题": what prevents a problem solves it.
                found = self.who(m.start(), lambda c: self.actor(c) and not self.problem(c))
                for source in found[0] if found else ():
                    for target in targets:
                        self.add(source, "solves", target, "prevent-cause", 0.8 * TRUST[found[1]])
                continue
            # A cause named inside a remedy's object ("避免因为激活函数导致的梯度消失") sits after the remedy verb.
            floor = max([s.end() for s in cues.SOLVES.finditer(self.text, start, m.start())], default=start)
            # "因为可能会导致过拟合": a causal clause speaks of what came before, not of the subject.
            bounded = floor > start or _CAUSAL.match(self.text, start) is not None
            found = self.who(m.start(), lambda c: self.actor(c) and c not in {"backpropagation", "activation_function"},
                             nearest=True, tools=False, floor=floor, carry=not bounded)
            if found and found[1] == "topic" and not self.tool(found[0][0]):
                continue  # "网络加深...导致梯度消失" under DenseNet is not DenseNet's doing
            base = 0.85 if _STRONG_CAUSE.match(m.group(0)) else 0.7
            for source in found[0] if found else ():
                for target in targets:
                    self.add(source, "causes", target, "cause-verb", base * TRUST[found[1]])

    def possessive_causes(self) -> None:
        spans = self.s.spans
        for a, b in zip(spans, spans[1:]):
            if self.tool(a.concept) and self.problem(b.concept) and re.fullmatch(r"\s*(的|带来的|存在的)\s*",
                                                                                 self.text[a.end:b.start]):
                self.add(a.concept, "causes", b.concept, "cause-possessive", 0.75)
        for m in cues.CAUSE_OF.finditer(self.text):
            problems = [sp.concept for sp in self.r.between(0, m.start()) if self.problem(sp.concept)]
            causes = [sp.concept for sp in self.r.after(m.end()) if self.thing(sp.concept)]
            if problems and causes:
                self.add(causes[0], "causes", problems[-1], "cause-of", 0.85)

    def introduces(self) -> None:
        for m in cues.NOVELTY.finditer(self.text):
            if cues.negated(self.text, m.start()):
                continue
            target = self.objects(m.end(), lambda c: self.thing(c) and not self.arch(c) and c not in GENERIC, True,
                                  "，,;；。")
            found = self.who(m.start(), self.arch, tools=False, parents=True) if target else None
            for source in found[0] if found else ():
                self.add(source, "introduces", target[0], "introduce-novelty", 0.9 * TRUST[found[1]])
        for m in cues.ADOPT.finditer(self.text):
            if cues.negated(self.text, m.start()) or cues.REUSE.search(self.text, max(0, m.start() - 4), m.end()):
                continue
            near = [sp for sp in self.r.after(m.end()) if sp.start - m.end() <= 4]
            if not near or not self.tool(near[0].concept) or near[0].concept in GENERIC:
                continue
            found = self.who(m.start(), self.arch, tools=False)
            if found and found[1] == "topic" and any(self.arch(sp.concept) and not self.r.in_parens(sp)
                                                     for sp in self.s.spans):
                continue  # "使用深监督技巧是U-Net等...的通用做法" speaks of another network
            for source in found[0] if found else ():
                self.add(source, "introduces", near[0].concept, "introduce-adopt", 0.6 * TRUST[found[1]])
        for pattern, rule in ((cues.FIRST_IN, "introduce-first"), (cues.IDEA_FROM, "introduce-idea")):
            for m in pattern.finditer(self.text):
                thing = [sp.concept for sp in self.r.between(0, m.start())
                         if self.tool(sp.concept) and not cues.removed(self.text, sp.start)]
                where = [sp.concept for sp in self.r.after(m.end()) if self.arch(sp.concept)]
                if thing and where:
                    self.add(where[0], "introduces", thing[-1], rule, 0.9)

    def copula(self, pos: int, src_ok, tgt_ok) -> tuple[str, str] | None:
        """``X 是 Y 的 <cue>`` (GRU是LSTM的变体, Dropout是过拟合的解决方法) -> (X, Y)."""
        before = self.r.between(0, pos)
        if len(before) < 2:
            return None
        x, y = before[-2], before[-1]
        if not (cues.COPULA.fullmatch(self.text[x.end:y.start]) and cues.OF.fullmatch(self.text[y.end:pos])):
            return None
        return (x.concept, y.concept) if src_ok(x.concept) and tgt_ok(y.concept) else None

    def variants(self) -> None:
        for m in cues.VARIANT.finditer(self.text):
            pair = self.copula(m.start(), self.thing, self.thing)
            if pair:
                self.add(pair[0], "variant_of", pair[1], "variant-copula", 0.9)
        for m in cues.SPECIAL_CASE.finditer(self.text):
            before = [sp for sp in self.r.before(m.start()) if self.thing(sp.concept)]
            after = self.r.after(m.end())
            if before and after and after[0].start - m.end() <= 1 and self.c(before[-1].concept).kind == \
                    self.c(after[0].concept).kind == "layer":
                self.add(after[0].concept, "variant_of", before[-1].concept, "variant-special-case", 0.75)

    def improvements(self) -> None:
        for m in cues.IMPROVES.finditer(self.text):
            pair = self.copula(m.start(), self.thing, self.thing)
            before = self.r.between(0, m.start())
            after = [sp for sp in self.r.after(m.end()) if self.thing(sp.concept)]
            if len(before) >= 2 and re.fullmatch(r"\s*是\s*对\s*", self.text[before[-2].end:before[-1].start]) \
                    and re.fullmatch(r"\s*的?\s*(一种|一个)?\s*", self.text[before[-1].end:m.start()]):
                pair = (before[-2].concept, before[-1].concept)  # "PointNet++是对PointNet的改进"
            if pair:
                self.add(pair[0], "improves_on", pair[1], "improve-copula", 0.85)
            elif before and after and re.search(r"对\s*$", self.text[: before[-1].start]):
                # "对ReLU函数的改进方式是LeakyReLU": the thing after 对 is improved on by what follows.
                self.add(after[0].concept, "improves_on", before[-1].concept, "improve-of", 0.85)
            elif after and after[0].start - m.end() <= 2 and not cues.negated(self.text, m.start()):
                # "利用残差连接来改进V3结构": the tool is the means; the subject is who improves.
                found = self.r.in_clause(m.start(), lambda c: self.thing(c) and self.c(c).kind == self.c(after[0].concept).kind,
                                         tools=False)
                found = [c for c in found if c != after[0].concept] or [
                    t for t in self.ctx.own_topics if self.c(t).kind == self.c(after[0].concept).kind][:1]
                for source in found:
                    self.add(source, "improves_on", after[0].concept, "improve-verb", 0.75)

    def roles(self) -> None:
        for span in self.s.spans:
            if self.c(span.concept).kind != "role" or cues.negated(self.text, span.start) \
                    or cues.removed(self.text, span.start):
                continue
            start = self.r.clauses[self.r.clause_of(span.start)][0]
            prior = self.r.between(0, span.start)
            if prior and self.actor(prior[-1].concept) and \
                    re.fullmatch(r"\s*[(（][^()（）]{0,4}", self.text[prior[-1].end:span.start]):
                self.add(prior[-1].concept, "has_role", span.concept, "role-gloss", 0.85)
                continue
            lead = start > 0 and self.text[start - 1] in ":：" and not self.text[start:span.start].strip()
            if span.concept in TASK_ROLES:
                if not _ROLE_STRICT.search(self.text, max(0, span.start - 6), span.start):
                    continue
            found = self.who(span.start, self.actor, generic=False)
            cued = lead or self.ctx.role_section or cues.ROLE_CUE.search(self.text, start, span.start)
            if found and found[1] == "topic" and not cued:
                continue
            for source in found[0][:1] if found else ():
                self.add(source, "has_role", span.concept, "role-phrase", 0.8 * TRUST[found[1]])

    def parts(self) -> None:
        m = cues.PART.search(self.text)
        if not m:
            return
        before = [sp.concept for sp in self.r.before(m.start()) if self.thing(sp.concept)]
        after = [sp.concept for sp in self.r.after(m.end(), "。;；") if self.thing(sp.concept)]
        if cues.PART_OF.search(m.group(0)):
            if before and after:
                self.add(before[0], "part_of", after[0], "part-of", 0.8)
            return
        found = self.who(m.start(), self.actor, tools=False, topic=False)
        whole = found[0][0] if found and found[1] in ("clause", "carried", "pronoun") else None
        if whole is None and m.start() <= 4:
            whole = next((t for t in self.ctx.own_topics if self.actor(t)), None)
        before = [sp.concept for sp in self.r.before(m.start()) if self.thing(sp.concept)]
        if whole is None and before and re.match(r"由", m.group(0)):
            whole = before[0]  # "MFCC由预加重、分帧...组成": a feature has parts too
        if whole is None or not self.thing(whole) or whole in GENERIC:
            return
        steps = re.search(r"步骤|部分|组成|构成|结构|操作|模块|组件", self.text) is not None
        for part in after:
            same = self.c(part).kind == self.c(whole).kind and self.c(part).kind != "architecture"
            if part not in GENERIC or re.search(r"组成|构成", self.text):
                if not same or steps:
                    self.add(part, "part_of", whole, "part-whole", 0.75)
                    # An architecture made of a technique brings it in: ShuffleNet 包含 通道混洗.
                    if self.arch(whole) and self.tool(part) and part not in GENERIC:
                        self.add(whole, "introduces", part, "introduce-part", 0.65)

    def contrasts(self) -> None:
        spans = self.s.spans
        for a, b in zip(spans, spans[1:]):
            ka, kb = self.c(a.concept), self.c(b.concept)
            if ka.kind != kb.kind or ka.kind == "role":
                continue
            between = self.text[a.end:b.start]
            tail = cues.CONTRAST.match(self.text, b.end) or re.match(
                r"[^,，;；。]{0,4}?(区别|差异(?!化)|异同|不同点|不同之处|对比|比较|有何不同|的不同|不同在于)", self.text[b.end:])
            if re.fullmatch(r"\s*(和|与|跟|同|及|以及|、|/|vs\.?|versus|and|or)\s*", between, re.I) and tail:
                self.add(a.concept, "contrasts_with", b.concept, "contrast-pair", 0.85)
            elif re.fullmatch(r"\s*(相比于?|相对于|比|vs\.?|versus)\s*", between, re.I):
                self.add(a.concept, "contrasts_with", b.concept, "contrast-compared", 0.7)

    def section_context(self) -> None:
        head = self.s.spans[0] if self.s.spans and self.s.spans[0].start <= 2 else None
        lead = LEAD.match(self.text, head.end) if head else None
        if head and lead and self.arch(head.concept):
            # "DenseNet:密集连接;": a line led by an architecture names what it brings first.
            first = [sp for sp in self.r.after(lead.end()) if sp.start - lead.end() <= 4]
            if first and self.tool(first[0].concept) and first[0].concept not in GENERIC:
                self.add(head.concept, "introduces", first[0].concept, "introduce-lead", 0.75)
        architecture = next((t for t in self.ctx.own_topics if self.arch(t)), None)
        if head and architecture and not self.s.heading and LEAD.match(self.text, head.end) \
                and self.thing(head.concept) and not self.arch(head.concept) and head.concept not in GENERIC:
            self.add(architecture, "introduces", head.concept, "introduce-section-lead", 0.6)
        target = self.ctx.remedy_for
        if not target or self.s.heading or any(sp.concept == target for sp in self.s.spans) \
                or _REMOVED_ANYWHERE.search(self.text) or cues.CAUSES.search(self.text):
            return
        remedy = next((sp for sp in self.s.spans if self.tool(sp.concept) and not self.r.is_place(sp)
                       and not cues.negated(self.text, sp.start)), None)
        if remedy:
            self.add(remedy.concept, "solves", target, "solve-remedy-section", 0.6)


_RULES = ("solves", "causes", "possessive_causes", "introduces", "variants", "improvements", "roles", "parts",
          "contrasts", "section_context")


def extract(sentence: Sentence, ctx: Context, previous: Found | None = None,
            items: Mapping[str, str] | None = None, antecedent: str | None = None) -> list[Relation]:
    """All relations one sentence supports, without duplicates (the most confident rule wins).

    ``previous`` is :func:`subject_of` the sentence before, for "它/该方法..." openings;
    ``items`` maps the numbers of the line's enumerated items to their concepts ("(3)Xavier");
    ``antecedent`` is the problem the section named last, for "解决了这个问题".
    Raises :class:`InputError` for a sentence longer than :data:`MAX_SENTENCE` characters.
    """
    if len(sentence.text) > MAX_SENTENCE:
        raise InputError(f"{ctx.doc}:{sentence.line}: a sentence of {len(sentence.text)} characters is longer than "
                         f"the {MAX_SENTENCE} the relation extractor reads; break it with punctuation")
    reader = _Reader(sentence, ctx, previous, items or {}, antecedent)
    for rule in _RULES:
        getattr(reader, rule)()
    return list(reader.edges.values())


def subject_of(sentence: Sentence, ctx: Context, previous: Found | None = None) -> Found | None:
    """The actor a sentence is about, for the next sentence's pronouns: the one ``previous``
    named when the sentence opens with 它/该方法/这, else its first actor mention."""
    if previous and cues.PRONOUN.match(sentence.text):
        return previous
    named = {sp.concept for sp in sentence.spans}
    first = next((t for t in ctx.own_topics if t in named and is_actor(ctx.concepts[t])), None) or next(
        (sp.concept for sp in sentence.spans if is_actor(ctx.concepts[sp.concept]) and sp.concept not in GENERIC), None)
    return ((first,), "previous") if first else previous


def remedy_target(titles: list[tuple[str, list[str]]], concepts: Mapping[str, Concept]) -> str | None:
    """The problem a section offers remedies for: its own or an ancestor heading's
    "how to handle P" problem, nearest first. ``titles`` pairs each heading with its concept ids."""
    for title, ids in titles:
        problems = [c for c in ids if is_problem(concepts[c])]
        if problems and _SOLUTION_TITLE.search(title):
            return problems[0]
    return None
