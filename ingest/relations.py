"""Typed relations read from sentences, each with the sentence as evidence.

No relation is invented: every rule fires on words in a sentence (or a heading) of the
notes and returns that sentence as evidence. Rules are patterns over Chinese and English
phrasing plus the section context, in four families:

* trigger verbs between two mentions: ``X 解决/缓解/防止 P`` (solves), ``X 导致/引起 P``
  (causes), ``A 引入/提出/采用 T`` (introduces), ``X 是 Y 的变体`` (variant_of),
  ``X 改进了 Y`` (improves_on), ``X 由 Y 组成`` (part_of), ``X 和 Y 的区别`` (contrasts_with);
* possessives: ``转置卷积的棋盘效应`` (causes), ``P 的原因是 X`` (causes);
* roles: a role concept (降维, 上采样, 增大感受野...) said of the sentence's subject or,
  failing that, of the section's topic: "1*1卷积的作用?" + "对通道数进行升维和降维";
* section context: an architecture's section whose bullet says ``Dropout:抑制过拟合`` or
  ``引入残差单元`` (introduces); a "how to handle P" section listing remedies (solves).

When a sentence has no suitable subject, the section topic stands in for it: the first
concept named by the section heading, then by its parent headings.

>>> from kg.model import Concept
>>> kinds = {"dropout": Concept("dropout", "Dropout", "technique"), "of": Concept("of", "overfitting", "problem")}
>>> s = Sentence(3, 0, "Dropout:抑制过拟合", (Span(0, 7, "dropout", "Dropout"), Span(10, 13, "of", "过拟合")))
>>> [(r.source, r.relation, r.target) for r in extract(s, Context("n.md", kinds, ()))]
[('dropout', 'solves', 'of')]
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ingest.linker import Span
from ingest.sentences import LEAD as _LEAD, Sentence, clause_start
from kg.model import Concept, Evidence, Relation

__all__ = ["Context", "extract", "is_actor", "is_problem", "looks_like_architecture", "remedy_target"]

# Plain concepts that still act like tools: an activation, an optimiser or a loss can solve a problem.
_ACTOR_CATEGORIES = {"activation", "optimizer", "loss"}

_NEGATION = re.compile(r"(不|无法|未|没有|没|难以|并非|不能|不会|not|n't|cannot|without)\s*\S{0,3}$", re.I)
_REMOVAL = re.compile(r"(去掉|去除|移除|删除|不要|不用|避免使用|少用|remove|drop|avoid)\S{0,4}$", re.I)
_SOLVES = re.compile(r"解决|缓解|防止|避免|抑制|减少|减轻|减小|降低|克服|改善|消除|应对|对抗|规避|弥补|"
                     r"\b(solv|alleviat|mitigat|prevent|avoid|reduc|address|overcom|combat|tackl|suppress|eliminat|counter)", re.I)
_CAUSES = re.compile(r"导致|引起|造成|产生|带来|引发|出现|容易|会使|"
                     r"\b(lead(s)? to|caus|result(s)? in|give(s)? rise to|suffer)", re.I)
_INTRODUCES = re.compile(r"引入|提出|采用|使用|利用|加入|增加了|用了|借鉴|首次|"
                         r"\b(introduc|propos|adopt|use[sd]?\b|using\b|employ|utiliz|add(s|ed)?\b)", re.I)
_VARIANT = re.compile(r"变体|变种|变形|特例|一种特殊|\b(variant|special case|a version of)", re.I)
_IMPROVES = re.compile(r"改进|改良|基础上|升级|\b(improv|extend|build(s)? on|enhanc)", re.I)
_PART = re.compile(r"由(?!于|此)(?=.*(组成|构成|组合))|包含|包括|结构单元|一部分|组成部分|\b(consist|compos|contain|compris|part of)", re.I)
_PART_REVERSED = re.compile(r"一部分|组成部分|part of")
_CONTRAST = re.compile(r"区别|不同|差异|对比|比较|异同|相比|\b(differ|compar|contrast)", re.I)
_CONNECTOR = re.compile(r"\s*(\S{0,2}?(和|与|跟|同|及|以及|、|/|或)|vs\.?|versus|and|or)\s*", re.I)
_COMPARED = re.compile(r"\s*(比|vs\.?|versus|相对于|相比于?)\s*", re.I)
_POSSESSIVE = re.compile(r"\s*(的|中的|里的|带来的|导致的|引起的|产生的|存在的)\s*")
_CAUSE_OF = re.compile(r"(的原因是|的原因在于|是由于|是因为|源于|来自于?|is caused by|comes from|stems from)", re.I)
_CAUSAL = re.compile(r"\s*(因为|由于|否则|不然|以免|以防|所以|因此|从而)")
_COPULA = re.compile(r"\s*(是|为|就是|其实是|is|was|are)\s*(an?\s+|一种|一个)?\s*", re.I)
_OF = re.compile(r"\s*(的|之)?\s*(一种|一个|主要|常见)?\s*")
_ROLE_USE = re.compile(r"使用|采用|用|通过|借助|\b(use|using|with)\b", re.I)
_PROBLEM_NAME = re.compile(r"(效应|问题|现象|困难|崩溃|退化)$|\b(effect|problem|collapse|artifacts?|degradation)\b", re.I)
_NET_NAME = re.compile(r"Net\b|Net-|former\b|GAN\b|^[A-Z]{2,}[a-z]*-?v?\d*$")
_SOLUTION_TITLE = re.compile(r"如何|怎么|怎样|方法|解决|处理|应对|措施|技巧|办法|避免|防止|缓解|tricks?|how|solution|fix", re.I)


@dataclass(frozen=True)
class Context:
    """What a sentence is read against: its note, the concepts by id, and the section topics."""

    doc: str
    concepts: Mapping[str, Concept]
    topics: tuple[str, ...]          # concepts of the section heading, then of its parents
    remedy_for: str | None = None    # problem the section lists remedies for ("如何解决过拟合?")


def is_actor(concept: Concept) -> bool:
    """Things that do something: architectures, layers, techniques, and typed tools like ReLU or Adam."""
    if concept.proposed:
        return not is_problem(concept)
    if concept.kind in {"architecture", "layer", "technique"}:
        return True
    return concept.kind == "concept" and (concept.category or "") in _ACTOR_CATEGORIES


def _kind(ctx: Context, span_or_id: Span | str) -> Concept:
    return ctx.concepts[span_or_id.concept if isinstance(span_or_id, Span) else span_or_id]


def looks_like_architecture(concept: Concept) -> bool:
    """Architectures by kind, or proposed names shaped like one (EfficientNet, SENet, RetinaNet, ViT-B)."""
    return concept.kind == "architecture" or (concept.proposed and _NET_NAME.search(concept.name) is not None)


def _is(kind: str):
    return lambda c: c.kind == kind


def is_problem(c: Concept) -> bool:
    """Problems by kind, or proposed names that say so (网格效应, gridding effect, 模式崩溃问题)."""
    return c.kind == "problem" or (c.proposed and any(_PROBLEM_NAME.search(n) for n in (c.name, *c.zh)))


def _thing(c: Concept) -> bool:
    return c.kind != "role" and not is_problem(c)


def _negated(text: str, pos: int) -> bool:
    return bool(_NEGATION.search(text[max(0, pos - 6):pos]))


def _subject(s: Sentence, pos: int, ok, ctx: Context, bounded: bool = False) -> str | None:
    """The first fitting mention of the trigger's clause, else of the sentence before it, else the topic.

    With ``bounded``, a clause opened by a causal connective ("因为可能会导致过拟合") speaks of
    what the previous clause said, not of the sentence's subject: no subject is taken from outside it.
    """
    cut = clause_start(s.text, pos)
    if bounded and _CAUSAL.match(s.text, cut):
        return next((sp.concept for sp in s.before(pos) if sp.start >= cut and ok(_kind(ctx, sp))), None)
    for pool in ([sp for sp in s.before(pos) if sp.start >= cut], s.before(pos)):
        for span in pool:
            if ok(_kind(ctx, span)):
                return span.concept
    if s.lead and ok(ctx.concepts[s.lead]):
        return s.lead
    return _topic(ctx, ok)


def _topic(ctx: Context, ok) -> str | None:
    return next((t for t in ctx.topics if ok(ctx.concepts[t])), None)


def _objects(s: Sentence, pos: int, ok, ctx: Context, first_only: bool) -> list[str]:
    """Fitting mentions after ``pos`` up to the end of the clause."""
    end = len(s.text)
    stop = re.compile(r"[,，;；。]").search(s.text, pos)
    if stop:
        end = stop.start()
    found = [sp.concept for sp in s.after(pos) if sp.end <= end and ok(_kind(ctx, sp))]
    return found[:1] if first_only else found


def _relation(ctx: Context, s: Sentence, source: str | None, relation: str, target: str | None) -> Relation | None:
    if source is None or target is None or source == target:
        return None
    return Relation(source, relation, target, (Evidence(ctx.doc, s.line, s.text),))


_TRIGGER_RULES = (
    # (relation, trigger, source test, target test, first target only)
    ("solves", _SOLVES, is_actor, is_problem, False),
    ("causes", _CAUSES, is_actor, is_problem, False),
    ("introduces", _INTRODUCES, looks_like_architecture, lambda c: is_actor(c) and not looks_like_architecture(c), True),
    ("variant_of", _VARIANT, _thing, _thing, True),
    ("improves_on", _IMPROVES, _thing, _thing, True),
)


def _copula_pair(s: Sentence, pos: int, src_ok, tgt_ok, ctx: Context) -> tuple[str, str] | None:
    """``X 是 Y 的 <trigger>`` (GRU是LSTM的变体, Dropout是过拟合的解决方法) -> (X, Y)."""
    before = s.before(pos)
    if len(before) < 2:
        return None
    x, y = before[-2], before[-1]
    if not (_COPULA.fullmatch(s.text[x.end:y.start]) and _OF.fullmatch(s.text[y.end:pos])):
        return None
    if src_ok(_kind(ctx, x)) and tgt_ok(_kind(ctx, y)):
        return x.concept, y.concept
    return None


def _instrument(s: Sentence, pos: int, source: str | None, ctx: Context) -> str | None:
    """In "EfficientNet使用了Swish激活函数,缓解了梯度消失", the tool used, not the model using it, solves."""
    if source is None or not looks_like_architecture(ctx.concepts[source]):
        return source
    tools = [sp.concept for sp in s.before(pos) if is_actor(_kind(ctx, sp)) and not looks_like_architecture(_kind(ctx, sp))]
    return tools[0] if tools else source


def _trigger_relations(s: Sentence, ctx: Context) -> Iterator[Relation | None]:
    for relation, trigger, src_ok, tgt_ok, first_only in _TRIGGER_RULES:
        for match in trigger.finditer(s.text):
            kind = relation
            if _negated(s.text, match.start()):
                # "引入残差单元,模型加深时,不会产生退化问题": what prevents a problem solves it.
                if relation != "causes":
                    continue
                kind = "solves"
            pair = _copula_pair(s, match.start(), src_ok, tgt_ok, ctx) or _object_first(s, match, relation, ctx)
            if pair:
                yield _relation(ctx, s, pair[0], kind, pair[1])
                continue
            targets = _objects(s, match.end(), tgt_ok, ctx, first_only)
            if not targets:
                continue
            source = _subject(s, match.start(), src_ok, ctx, bounded=relation == "causes")
            if kind == "solves":
                source = _instrument(s, match.start(), source, ctx)
            for target in targets:
                yield _relation(ctx, s, source, kind, target)


def _object_first(s: Sentence, match: re.Match[str], relation: str, ctx: Context) -> tuple[str, str] | None:
    """``对ReLU函数的改进方式是LeakyReLU``: the thing after 对 is improved on by what follows."""
    if relation not in ("improves_on", "variant_of"):
        return None
    before = s.before(match.start())
    after = [sp for sp in s.after(match.end()) if _thing(_kind(ctx, sp))]
    if before and after and re.search(r"对\s*$", s.text[: before[-1].start]):
        return after[0].concept, before[-1].concept
    return None


def _possessive_causes(s: Sentence, ctx: Context) -> Iterator[Relation | None]:
    for a, b in zip(s.spans, s.spans[1:]):
        if _thing(_kind(ctx, a)) and is_problem(_kind(ctx, b)) and _POSSESSIVE.fullmatch(s.text[a.end:b.start]):
            yield _relation(ctx, s, a.concept, "causes", b.concept)
    for match in _CAUSE_OF.finditer(s.text):
        problems = [sp for sp in s.before(match.start()) if is_problem(_kind(ctx, sp))]
        causes = [sp for sp in s.after(match.end()) if _thing(_kind(ctx, sp))]
        if problems and causes:
            yield _relation(ctx, s, causes[0].concept, "causes", problems[-1].concept)


def _roles(s: Sentence, ctx: Context) -> Iterator[Relation | None]:
    for span in s.spans:
        if _kind(ctx, span).kind != "role" or _negated(s.text, span.start):
            continue
        before = [sp for sp in s.before(span.start) if is_actor(_kind(ctx, sp))]
        if before:
            source = before[0].concept
        else:
            use = _ROLE_USE.search(s.text, span.end)
            after = [sp for sp in s.after(use.end()) if is_actor(_kind(ctx, sp))] if use else []
            source = after[0].concept if after else _topic(ctx, is_actor)
        yield _relation(ctx, s, source, "has_role", span.concept)


def _parts(s: Sentence, ctx: Context) -> Iterator[Relation | None]:
    match = _PART.search(s.text)
    if not match:
        return
    before = [sp.concept for sp in s.before(match.start()) if _thing(_kind(ctx, sp))]
    after = [sp.concept for sp in s.after(match.end()) if _thing(_kind(ctx, sp))]
    if _PART_REVERSED.search(match.group(0)):
        if before and after:
            yield _relation(ctx, s, before[0], "part_of", after[0])
        return
    # "包含1x1卷积,3x3卷积..." under an Inception heading: the whole is the topic.
    whole = before[0] if before else (_topic(ctx, is_actor) if not s.before(match.start()) else None)
    if whole is not None and is_actor(ctx.concepts[whole]):
        for part in after:
            yield _relation(ctx, s, part, "part_of", whole)
            # An architecture made of a technique or layer brings it in: ShuffleNet 包含 通道混洗.
            if looks_like_architecture(ctx.concepts[whole]) and is_actor(ctx.concepts[part]) \
                    and not looks_like_architecture(ctx.concepts[part]):
                yield _relation(ctx, s, whole, "introduces", part)


def _contrasts(s: Sentence, ctx: Context) -> Iterator[Relation | None]:
    """``X和Y的区别``, ``X与Y不同``, ``X比Y更合适``, ``X vs Y``: two mentions of one kind, side by side."""
    cue = _CONTRAST.search(s.text)
    for a, b in zip(s.spans, s.spans[1:]):
        ka, kb = _kind(ctx, a), _kind(ctx, b)
        if ka.kind != kb.kind or ka.kind == "role":
            continue
        between = s.text[a.end:b.start]
        joined = _CONNECTOR.fullmatch(between) and cue is not None and 0 <= cue.start() - b.end <= 8
        if joined or _COMPARED.fullmatch(between):
            yield _relation(ctx, s, a.concept, "contrasts_with", b.concept)


def _section_context(s: Sentence, ctx: Context) -> Iterator[Relation | None]:
    head = s.spans[0] if s.spans and s.spans[0].start <= 2 else None
    architecture = _topic(ctx, looks_like_architecture)
    if head and architecture and not s.heading and _LEAD.match(s.text, head.end):
        concept = _kind(ctx, head)
        if looks_like_architecture(concept):
            after = [sp for sp in s.after(head.end) if is_actor(_kind(ctx, sp)) and not looks_like_architecture(_kind(ctx, sp))]
            if after:
                yield _relation(ctx, s, head.concept, "introduces", after[0].concept)
        elif is_actor(concept):
            yield _relation(ctx, s, architecture, "introduces", head.concept)
    if ctx.remedy_for and not s.heading:
        remedy = next((sp for sp in s.spans if is_actor(_kind(ctx, sp)) and not _negated(s.text, sp.start)
                       and not _REMOVAL.search(s.text[max(0, sp.start - 8):sp.start])), None)
        if remedy:
            yield _relation(ctx, s, remedy.concept, "solves", ctx.remedy_for)


_RULES = (_trigger_relations, _possessive_causes, _roles, _parts, _contrasts, _section_context)


def extract(sentence: Sentence, ctx: Context) -> list[Relation]:
    """All relations one sentence supports, without duplicates."""
    found: dict[tuple[str, str, str], Relation] = {}
    for rule in _RULES:
        for rel in rule(sentence, ctx):
            if rel is not None:
                found.setdefault(rel.key, rel)
    return list(found.values())


def remedy_target(titles: list[tuple[str, list[str]]], concepts: Mapping[str, Concept]) -> str | None:
    """The problem a section offers remedies for: its own or an ancestor heading's
    "how to handle P" problem, nearest first. ``titles`` pairs each heading with its concept ids."""
    for title, ids in titles:
        problems = [c for c in ids if is_problem(concepts[c])]
        if problems and _SOLUTION_TITLE.search(title):
            return problems[0]
    return None
