"""Rules for how things relate: ``introduces``, ``part_of``, ``variant_of``, ``improves_on``, ``contrasts_with``.

Methods of the sentence reader run by :mod:`ingest.relations`, over :class:`ingest.rules.Rules`.

>>> from ingest.relations import Context, extract  # doctest: +SKIP
"""
from __future__ import annotations

import re

from ingest import cues
from ingest.clauses import sources
from ingest.kinds import GENERIC
from ingest.rules import Rules

__all__ = ["Structure"]

_SERIES = re.compile(r"\s*(了)?\s*一系列[^,，;；。()（）]{0,10}?的?\s*")  # "使用一系列大小为3x3的小尺寸卷积核"
_LISTED = re.compile(r"\s*[)）]?\s*([(（][^()（）]{0,40}[)）])?\s*(和|与|及|以及|、)\s*")
_KINDS_OF = re.compile(r"(通常|一般|主要|大致)?\s*(可以)?\s*(分为|分成)(以下)?")


class Structure(Rules):
    """``introduces``, ``part_of``, ``variant_of``, ``improves_on`` and ``contrasts_with`` rules (a mixin)."""

    def introduces(self) -> None:
        for m in cues.NOVELTY.finditer(self.text):
            if cues.negated(self.text, m.start()):
                continue
            target = self.objects(m.end(), lambda c: self.thing(c) and not self.arch(c) and c not in GENERIC, True,
                                  "，,;；。")
            found = self.who(m.start(), self.arch, tools=False, parents=True) if target else None
            for source, trust in sources(found):
                for named in self.listed(m.end(), target[0]):
                    self.add(source, "introduces", named, "introduce-novelty", 0.9 * trust)
        for m in cues.ADOPT.finditer(self.text):
            if cues.negated(self.text, m.start()) or cues.REUSE.search(self.text, max(0, m.start() - 4), m.end()) \
                    or self.elsewhere:
                continue
            near = [sp for sp in self.r.after(m.end()) if sp.start - m.end() <= 4
                    or _SERIES.fullmatch(self.text, m.end(), sp.start)]
            if not near or not self.tool(near[0].concept) or near[0].concept in GENERIC:
                continue
            # Use is said of the clause's own subject, the line's lead or the section's network, never inherited.
            own = self.r.in_clause(m.start(), self.arch, tools=False)
            found = ((own, "clause") if own else self.who(m.start(), self.arch, tools=False, carry=True, inherit=False))
            if found and found[1] == "topic" and any(self.arch(sp.concept) and not self.r.in_parens(sp)
                                                     for sp in self.s.spans):
                continue  # "使用深监督技巧是U-Net等...的通用做法" speaks of another network
            for source, trust in sources(found):
                self.add(source, "introduces", near[0].concept, "introduce-adopt", 0.6 * trust)
        for pattern, rule in ((cues.FIRST_IN, "introduce-first"), (cues.IDEA_FROM, "introduce-idea")):
            for m in pattern.finditer(self.text):
                thing = [sp.concept for sp in self.r.earlier(m.start())
                         if self.tool(sp.concept) and not cues.removed(self.text, sp.start)]
                where = [sp.concept for sp in self.r.after(m.end()) if self.arch(sp.concept)]
                if thing and where:
                    self.add(where[0], "introduces", thing[-1], rule, 0.9)

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

    def listed(self, pos: int, first: str) -> list[str]:
        """``first`` (the first object after ``pos``) and the things listed after it, each perhaps
        glossed: "给出了两个选择:宽度因子(width multiplier)和分辨率因子" -> both factors."""
        spans = [sp for sp in self.r.after(pos) if sp.concept == first][:1]
        if not spans:
            return [first]
        index = self.s.spans.index(spans[0])
        found = [first]
        for prev, nxt in zip(self.s.spans[index:], self.s.spans[index + 1:]):
            if nxt.concept == prev.concept:
                continue  # the name glossed: "宽度因子(width multiplier)"
            if not (_LISTED.fullmatch(self.text[prev.end:nxt.start]) and self.c(nxt.concept).kind == self.c(first).kind):
                break
            found.append(nxt.concept)
        return list(dict.fromkeys(found))

    def kinds(self) -> None:
        """"(池化层...)按操作类型通常分为最大池化、平均池化和求和池化": each named kind is a variant of the whole."""
        for m in _KINDS_OF.finditer(self.text):
            kinds = [sp.concept for sp in self.r.after(m.end()) if self.thing(sp.concept)]
            if len(kinds) < 2:
                continue  # one named part ("被分成几个组") is no list of kinds
            own = self.r.in_clause(m.start(), self.thing, tools=False)
            previous = self.r.previous[0][:1] if self.r.previous and not self.r.between(0, m.start()) else ()
            for whole in (own or previous)[:1]:
                for kind in kinds:
                    if kind != whole and self.c(kind).kind == self.c(whole).kind:
                        self.add(kind, "variant_of", whole, "variant-kinds", 0.75)

    def improvements(self) -> None:
        for m in cues.IMPROVES.finditer(self.text):
            pair = self.copula(m.start(), self.thing, self.thing)
            before = self.r.earlier(m.start())
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
                improved = after[0].concept
                kind = self.c(improved).kind

                def same(c: str, kind: str = kind) -> bool:
                    return self.thing(c) and self.c(c).kind == kind

                own = self.r.in_clause(m.start(), same, tools=False)
                chosen = [c for c in own if c != improved] or [t for t in self.ctx.own_topics if self.c(t).kind == kind][:1]
                for source in chosen:
                    self.add(source, "improves_on", improved, "improve-verb", 0.75)

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
            # An untyped new term takes its partner's kind: "CutMix与Mixup的区别".
            untyped = any(k.proposed and k.kind == "concept" and not k.category for k in (ka, kb))
            if (ka.kind != kb.kind and not untyped) or "role" in (ka.kind, kb.kind) or "problem" in (ka.kind, kb.kind) and untyped:
                continue
            between = self.text[a.end:b.start]
            tail = cues.CONTRAST.match(self.text, b.end) or re.match(
                r"[^,，;；。]{0,4}?(区别|差异(?!化)|异同|不同点|不同之处|对比|比较|有何不同|的不同|不同在于)", self.text[b.end:])
            if re.fullmatch(r"\s*(和|与|跟|同|及|以及|、|/|vs\.?|versus|and|or)\s*", between, re.I) and tail:
                self.add(a.concept, "contrasts_with", b.concept, "contrast-pair", 0.85)
            elif re.fullmatch(r"\s*(相比于?|相对于|比|vs\.?|versus)\s*", between, re.I):
                self.add(a.concept, "contrasts_with", b.concept, "contrast-compared", 0.7)

