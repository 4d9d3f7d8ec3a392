"""Clauses of a sentence and the subject each clause speaks of.

Chinese notes chain clauses with commas and drop the subject once it is known:
"LSTM用加和的方式取代了乘积,使得很难出现梯度弥散" speaks of LSTM in both clauses. A
:class:`Reading` cuts a sentence at ``,，;；:：`` and finds a verb's subject in this order:

1. a fitting mention before the verb in its own clause (a tool it is done with, "使用了Swish",
   wins over the model using it; a place, "在全连接层后", is never a subject);
2. the subject of the clause before it (the dropped subject), back to the sentence start;
3. for a sentence opened by a pronoun (它/该方法/这), the subject of the previous sentence;
4. the line's lead ("- AlexNet: ...", "Early Stopping。..."), then the section's own topic.

Each step is less certain than the one before; :data:`TRUST` gives the factor a rule's
confidence is multiplied by. All look-ups use precomputed positions, so the work is linear
in the number of mentions.

>>> from ingest.linker import Span
>>> s = Sentence(1, 0, "A使用了B,缓解了P", (Span(0, 1, "a", "A"), Span(4, 5, "b", "B"), Span(9, 10, "p", "P")))
>>> r = Reading(s)
>>> r.clauses, r.subject(9, lambda c: c != "p")
(((0, 5), (6, 10)), (('b',), 'carried'))
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Literal

from ingest.cues import CLAUSE, INSTRUMENT, LOCATIVE_AFTER, LOCATIVE_BEFORE, PRONOUN
from ingest.linker import Span
from ingest.sentences import Sentence

__all__ = ["Reading", "Found", "TRUST", "How", "sources"]

How = Literal["clause", "carried", "previous", "pronoun", "continued", "lead", "topic"]
Found = tuple[tuple[str, ...], How]
TRUST: dict[str, float] = {"clause": 1.0, "carried": 0.9, "previous": 0.8, "pronoun": 0.8, "continued": 0.85,
                           "lead": 0.9, "topic": 0.7}


def sources(found: Found | None, limit: int | None = None) -> list[tuple[str, float]]:
    """The subjects ``found`` names (the first ``limit``), each with the trust of how it was found.

    >>> sources((("a", "b"), "topic")), sources(None)
    ([('a', 0.7), ('b', 0.7)], [])
    """
    return [(s, TRUST[found[1]]) for s in found[0][:limit]] if found else []


_PLACE_AFTER = re.compile(r"\s*(的)?\s*(前面|后面|之前|之后|中的|里的|之中|中有|中间|之间)")
_OBJECT_BEFORE = re.compile(r"(使得|使|让|令|把|将|对|对于|为了|缺少|缺乏|比|相比|比起)\s*$")
_OWN_SUBJECT = re.compile(r"(模型|网络|我们|你)\s*(会|就|也|还|可能|容易)?\s*(出现|产生|导致|变得)")
_CONTRASTED = re.compile(r"\s*(的)?\s*(区别|不同|差异|异同|对比)")
_FILLER = re.compile(r"[\s\d()（）\[\]【】.、“”\"'-]|而且|而|但是|但|并且|并|就|即|其中|另外|同时|此外")
_JOIN = re.compile(r"\s*(和|与|及|以及|、|或|/|跟|and|or)\s*", re.I)


# How far a clause is read from its verb. The bundled notes' longest clause has 127 characters;
# a sentence without breaks would otherwise make every verb rescan everything before it.
REACH = 240


class Reading:
    """One sentence cut into clauses, with its mentions indexed by position."""

    def __init__(self, sentence: Sentence, previous: Found | None = None) -> None:
        self.sentence = sentence
        self.text = sentence.text
        self.previous = previous  # the subject the sentence before spoke of, if any
        cuts = [m.start() for m in CLAUSE.finditer(self.text)]
        starts = [0, *(c + 1 for c in cuts)]
        ends = [*cuts, len(self.text)]
        self.clauses: tuple[tuple[int, int], ...] = tuple(zip(starts, ends))
        self._clause_starts = starts
        self.spans = sentence.spans
        self._span_starts = [sp.start for sp in self.spans]
        self._span_ends = [sp.end for sp in self.spans]
        depth, self._depth = 0, [0]  # bracket depth before each position, for in_parens
        for ch in self.text:
            depth += (ch in "(（") - (ch in ")）")
            self._depth.append(depth)

    def clause_of(self, pos: int) -> int:
        return max(0, bisect_right(self._clause_starts, pos) - 1)

    def between(self, start: int, end: int) -> Sequence[Span]:
        """Mentions wholly inside ``text[start:end]``."""
        first = bisect_left(self._span_starts, start)
        last = bisect_right(self._span_ends, end)
        return self.spans[first:max(first, last)]

    def earlier(self, pos: int) -> Sequence[Span]:
        """Mentions that end before ``pos``, in any clause, at most :data:`REACH` characters back."""
        return self.between(max(0, pos - REACH), pos)

    def reach(self, pos: int) -> int:
        """Where a look back from ``pos`` starts: its clause's start, at most :data:`REACH`
        characters back (which bounds the work in a clause that never breaks)."""
        return max(self.clauses[self.clause_of(pos)][0], pos - REACH)

    def before(self, pos: int) -> Sequence[Span]:
        """Mentions of the clause holding ``pos`` that end before it, as far back as :meth:`reach`."""
        return self.between(self.reach(pos), pos)

    def after(self, pos: int, stop: str = "，,;；。") -> Sequence[Span]:
        """Mentions after ``pos`` up to the next clause break in ``stop``."""
        limit = min(len(self.text), pos + REACH)
        end = next((i for i in range(pos, limit) if self.text[i] in stop), limit)
        return self.between(pos, end)

    def is_place(self, span: Span) -> bool:
        """Mentions that are not subjects: a place ("在全连接层后添加dropout", "DenseNet中的模块"),
        or the object of a causative or disposal verb ("使得非线性变换...", "对特征图...")."""
        start = self.clauses[self.clause_of(span.start)][0]
        if LOCATIVE_BEFORE.search(self.text, max(start, span.start - 12), span.start) and \
                LOCATIVE_AFTER.match(self.text, span.end):
            return True
        return bool(_PLACE_AFTER.match(self.text, span.end) or _OBJECT_BEFORE.search(self.text, max(start, span.start - 3),
                                                                                     span.start))

    def is_tool(self, span: Span) -> bool:
        """"使用了Swish激活函数", "通过1x1卷积": the mention is what something is done with."""
        return bool(INSTRUMENT.search(self.text, max(0, span.start - 18), span.start))

    def in_parens(self, span: Span) -> bool:
        """Inside brackets: an aside ("(想法来自Network in Network)"), not the sentence's own claim."""
        return self._depth[span.start] > 0

    def coordinated(self, first: Span, ok: Callable[[str], bool]) -> tuple[str, ...]:
        """``first`` and the fitting mentions joined to it by 和/与/、 ("Sigmoid和Tanh")."""
        found = [first.concept]
        index = bisect_left(self._span_starts, first.start)
        while self.spans[index] is not first and self.spans[index] != first:
            index += 1
        for k in range(index + 1, len(self.spans)):
            prev, nxt = self.spans[k - 1], self.spans[k]
            if not (_JOIN.fullmatch(self.text[prev.end:nxt.start]) and ok(nxt.concept)):
                break
            if _CONTRASTED.match(self.text, nxt.end):
                return (first.concept,)  # "GIoU Loss与IoU Loss的区别在于GIoU Loss...": a contrast, not a pair
            found.append(nxt.concept)
        return tuple(dict.fromkeys(found))

    def heads(self, span: Span) -> bool:
        """The mention opens its clause ("Sigmoid和Tanh的导数...", not "整体分布逐渐往非线性函数..."),
        so it can be the subject the clauses after it leave out."""
        return len(_FILLER.sub("", self.text[self.reach(span.start):span.start])) <= 3

    def in_clause(self, pos: int, ok: Callable[[str], bool], nearest: bool = False, tools: bool = True,
                  floor: int = 0, skip: frozenset[str] = frozenset(), inherited: bool = False) -> tuple[str, ...]:
        """The subject mentioned in the clause of ``pos`` before it (from ``floor`` on), or ().

        An ``inherited`` subject (for a later clause) must open its clause or be a tool used in it.
        """
        pool = [sp for sp in self.before(pos) if sp.start >= floor and ok(sp.concept) and not self.is_place(sp)
                and sp.concept not in skip and (not inherited or self.heads(sp) or self.is_tool(sp))]
        if not pool:
            return ()
        if tools:
            used = [sp for sp in pool if self.is_tool(sp)]
            if used:
                return self.coordinated(used[-1], ok)
        return self.coordinated(pool[-1] if nearest else pool[0], ok)

    def subject(self, pos: int, ok: Callable[[str], bool], nearest: bool = False, tools: bool = True,
                carry: bool = True, floor: int = 0, skip: frozenset[str] = frozenset()) -> Found | None:
        """Who the verb at ``pos`` is said of, and how it was found (see the module docstring)."""
        own = self.in_clause(pos, ok, nearest, tools, floor)
        if own:
            return own, "clause"
        if not carry:
            return None
        clause = self.clause_of(pos)
        for index in range(clause - 1, -1, -1):
            start, end = self.clauses[index]
            if end < pos - REACH:
                break  # as far back as :meth:`before` looks: a sentence of a thousand clauses is read in linear time
            if _OWN_SUBJECT.search(self.text, self.clauses[index + 1][0], pos):
                return None  # "但是模型出现了欠拟合": the clause names its own subject
            found = self.in_clause(end, ok, False, tools, skip=skip, inherited=True)
            if found:
                return found, "carried"
        # A pronoun points back; so does a sentence continuing its line with no subject at all.
        pronoun = PRONOUN.match(self.text) is not None
        continued = self.previous and self.previous[1] == "continued" and not self.sentence.lead \
            and not self.between(0, pos)
        if self.previous and (pronoun or continued):
            kept = tuple(c for c in self.previous[0] if ok(c))
            if kept:
                return kept, "pronoun" if pronoun else "continued"
        return None
