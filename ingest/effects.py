"""Rules for what things do: ``solves``, ``causes``, ``has_role``, and remedies listed under a heading.

Methods of the sentence reader run by :mod:`ingest.relations`; their base,
:class:`ingest.rules.Rules`, supplies the kind tests (``actor``, ``problem``...), ``who``
(subject finding), ``objects`` and ``add``.

>>> from ingest.relations import Context, extract  # doctest: +SKIP
"""
from __future__ import annotations

import functools
import re

from ingest import cues
from ingest.clauses import REACH, Found, sources
from ingest.kinds import CONTAINERS, GENERIC, TASK_ROLES
from ingest.rules import Rules
from ingest.sentences import LEAD

__all__ = ["Effects"]

_QUESTION = re.compile(r"(如何|怎么|怎样|怎么样|能否|是否|how to)\s*\S{0,2}$", re.I)
_STRONG_CAUSE = re.compile(r"导致|引起|造成|引发|lead|caus|result", re.I)
# A reason or an averted outcome speaks of what came before, not of the subject ("因为可能会导致过拟合");
# a consequence (所以/因此/从而) keeps the subject of the clause before it.
_EXPLAINS = re.compile(r"所以|因此|从而|因为|由于")
_WORSENED = re.compile(r"\s*(的)?(效果|作用|能力|性能)?\s*(变差|下降|变弱|减弱|不佳|较差|降低)")  # "正则化效果变差" is no role
_PURPOSE = re.compile(r"\s*(为了|为)")
_CAUSAL = re.compile(r"\s*(因为|由于|否则|不然|以免|以防)")
_ITEM_REF = re.compile(r"\s*了?\s*[(（](\d{1,2})[)）]\s*(中|里|的)")
_REMOVED_ANYWHERE = re.compile(r"去掉|去除|移除|删除|不要|不用|避免使用|少用|不再|remove|avoid", re.I)
_FLAWED = re.compile(r"问题|缺点|缺陷|不足|局限|弊端|problem|drawback|issue", re.I)
_ROLE_STRICT = re.compile(r"(用于|用来|用以|负责|作用|送给|作为)\S{0,3}$")


class Effects(Rules):
    """``solves``, ``causes``, ``has_role`` and section-context rules (a mixin of the reader)."""

    @functools.cached_property
    def explains(self) -> bool:
        """The sentence explains a mechanism (所以, 因为...): looked up once, not per verb."""
        return _EXPLAINS.search(self.text) is not None

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
                earlier = [sp.concept for sp in self.r.earlier(m.start()) if self.problem(sp.concept)]
                targets, rule = (earlier[-1:] or ([self.antecedent] if self.antecedent else [])), "solve-anaphor"
            self.overcome(m)
            if not targets:
                continue
            found = self.purpose(m.start()) or self.who(m.start(), lambda c: self.actor(c) and not self.problem(c),
                                                         generic=False)
            for source, trust in sources(found):
                for target in targets:
                    self.add(source, "solves", target, rule, 0.9 * trust)

    def purpose(self, pos: int) -> Found | None:
        """"为了避免这种情况,...加上了1x1的卷积核": a purpose clause's subject is the tool the next clause adds."""
        index = self.r.clause_of(pos)
        start, _ = self.r.clauses[index]
        if not _PURPOSE.match(self.text, start) or self.r.before(pos):
            return None
        for begin, end in self.r.clauses[index + 1:]:
            tools = [sp for sp in self.r.between(begin, end) if self.tool(sp.concept) and self.r.is_tool(sp)]
            if tools:
                return (tools[0].concept,), "carried"
        return None

    def overcome(self, m: re.Match[str]) -> None:
        """"RMSProp能够克服AdaGrad梯度急剧减小的问题": solving a flaw of Y improves on Y."""
        item = _ITEM_REF.match(self.text, m.end())
        if item and item.group(1) in self.items:
            # "(4)He initialization; 解决了(3)中使用Relu的问题": (3) is the item numbered so on the line.
            flawed = self.items[item.group(1)]
        else:
            after = self.r.after(m.end())
            if not after or not self.thing(after[0].concept) or not _FLAWED.search(self.text, after[0].end, after[0].end + REACH):
                return
            flawed = after[0].concept
        if not self.actor(flawed) or flawed in GENERIC or flawed in CONTAINERS:
            return
        found = self.who(m.start(), lambda c: self.thing(c) and self.c(c).kind == self.c(flawed).kind, tools=False)
        for source, trust in sources(found):
            self.add(source, "improves_on", flawed, "improve-overcome", 0.8 * trust)

    def causes(self) -> None:
        for m in cues.CAUSES.finditer(self.text):
            if _QUESTION.search(self.text, max(0, m.start() - 6), m.start()):
                continue
            targets = self.objects(m.end(), self.problem)
            if not targets and self.antecedent and cues.ANAPHOR_PROBLEM.match(self.text, m.end()) \
                    and cues.negated(self.text, m.start()):
                targets = [self.antecedent]  # "LN不依赖batch统计量,不会出现这个问题"
            if not targets:
                continue
            start = self.r.clauses[self.r.clause_of(m.start())][0]
            if cues.negated(self.text, m.start()):
                # "使得很难出现梯度弥散", "不会产生退化问题": what prevents a problem solves it.
                found = self.who(m.start(), lambda c: self.actor(c) and not self.problem(c))
                for source, trust in sources(found):
                    for target in targets:
                        self.add(source, "solves", target, "prevent-cause", 0.8 * trust)
                continue
            # A cause named inside a remedy's object ("避免因为激活函数导致的梯度消失") sits after the remedy verb.
            floor = max([s.end() for s in cues.SOLVES.finditer(self.text, self.r.reach(m.start()), m.start())], default=start)
            # "因为可能会导致过拟合": a causal clause speaks of what came before, not of the subject.
            bounded = floor > start or _CAUSAL.match(self.text, start) is not None
            found = self.who(m.start(), lambda c: self.actor(c) and c not in {"backpropagation", "activation_function"},
                             nearest=True, tools=False, floor=floor, carry=not bounded)
            if found and found[1] == "topic" and (not self.tool(found[0][0]) or self.explains):
                # "网络加深...导致梯度消失" under DenseNet is not DenseNet's doing, and a sentence that
                # explains a mechanism ("之所以...所以这导致") names its cause itself, if anywhere.
                continue
            base = 0.85 if _STRONG_CAUSE.match(m.group(0)) else 0.7
            for source, trust in sources(found):
                for target in targets:
                    self.add(source, "causes", target, "cause-verb", base * trust)

    def possessive_causes(self) -> None:
        spans = self.s.spans
        for a, b in zip(spans, spans[1:]):
            if self.tool(a.concept) and self.problem(b.concept) and re.fullmatch(r"\s*(的|带来的|存在的)\s*",
                                                                                 self.text[a.end:b.start]):
                self.add(a.concept, "causes", b.concept, "cause-possessive", 0.75)
        for m in cues.CAUSE_OF.finditer(self.text):
            problems = [sp.concept for sp in self.r.earlier(m.start()) if self.problem(sp.concept)]
            causes = [sp for sp in self.r.after(m.end()) if self.thing(sp.concept)]
            if problems and causes:
                self.add(causes[0].concept, "causes", problems[-1], "cause-of", 0.85)
                # "...的原因是转置卷积的不均匀重叠": the mechanism of the cause is a cause too.
                if len(causes) > 1 and re.fullmatch(r"\s*(的|中的)\s*", self.text[causes[0].end:causes[1].start]):
                    self.add(causes[1].concept, "causes", problems[-1], "cause-of", 0.85)

    def roles(self) -> None:
        for span in self.s.spans:
            if self.c(span.concept).kind != "role" or cues.negated(self.text, span.start) \
                    or cues.removed(self.text, span.start) or _WORSENED.match(self.text, span.end):
                continue
            start = self.r.clauses[self.r.clause_of(span.start)][0]
            prior = self.r.earlier(span.start)
            if prior and self.actor(prior[-1].concept) and \
                    re.fullmatch(r"\s*[(（][^()（）]{0,4}", self.text[prior[-1].end:span.start]):
                self.add(prior[-1].concept, "has_role", span.concept, "role-gloss", 0.85)
                continue
            lead = start > 0 and self.text[start - 1] in ":：" and not self.text[start:span.start].strip()
            if span.concept in TASK_ROLES:
                if not _ROLE_STRICT.search(self.text, max(0, span.start - 6), span.start):
                    continue
            found = self.purpose(span.start) or self.who(span.start, self.actor, generic=False)
            cued = lead or self.ctx.role_section or cues.ROLE_CUE.search(self.text, self.r.reach(span.start), span.start)
            if found and found[1] in ("topic", "pronoun", "continued") and not cued:
                continue
            for source, trust in sources(found, 1):
                self.add(source, "has_role", span.concept, "role-phrase", 0.8 * trust)

    def section_context(self) -> None:
        head = self.s.spans[0] if self.s.spans and self.s.spans[0].start <= 2 else None
        lead = LEAD.match(self.text, head.end) if head else None
        if head and lead and self.arch(head.concept):
            # "DenseNet:密集连接;": a line led by an architecture names what it brings first.
            first = [sp for sp in self.r.after(lead.end()) if sp.start - lead.end() <= 4 and not self.r.is_place(sp)]
            if first and self.tool(first[0].concept) and first[0].concept not in GENERIC:
                self.add(head.concept, "introduces", first[0].concept, "introduce-lead", 0.75)
        architecture = next((t for t in self.ctx.own_topics if self.arch(t)), None)
        if head and architecture and not self.s.heading and LEAD.match(self.text, head.end) and not self.elsewhere \
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


