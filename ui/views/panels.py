"""The explorer's side panels: a concept's details, the overview's communities, the search matches.

Every name, alias, gloss and sentence is escaped; clickable things carry ``data-pick`` values.

>>> from kg.model import Concept
>>> from kg.queries import Match
>>> html = matches_panel([Match(Concept("relu", "ReLU", "concept"), "exact", "relu")], "en")
>>> 'data-pick="concept:relu"' in html
True
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from kg.model import KINDS, Concept, Relation
from kg.queries import Match, Overview
from qa.demos import demos_for_concepts, get_demo
from ui.views import demos
from ui.views.i18n import relation_name, t
from ui.views.markup import cite, display_name, esc, kind_badge, pick

__all__ = ["details", "overview_panel", "matches_panel", "community_label"]

_EVIDENCE, _SECTIONS, _NAMES = 3, 12, 3


def _link(concept: Concept, lang: str, current: str = "") -> str:
    name = esc(display_name(concept, lang))
    if concept.id == current:
        return f"<b>{name}</b>"
    return f'<a class="kg-link" data-pick="{esc(pick("concept", concept.id))}">{name}</a>'


def _relation_item(kb: Any, rel: Relation, lang: str, current: str) -> str:
    g = kb.graph
    label = f'<span class="kg-rel">{esc(relation_name(lang, rel.relation))}</span>'
    head = f"{_link(g.concept(rel.source), lang, current)} {label} {_link(g.concept(rel.target), lang, current)}"
    evidence = "".join(f"<blockquote>{esc(e.text)} {cite(e.doc, e.line)}</blockquote>"
                       for e in rel.evidence[:_EVIDENCE])
    extra = len(rel.evidence) - _EVIDENCE
    more = f'<div class="kg-muted">{esc(t(lang, "more").format(n=extra))}</div>' if extra > 0 else ""
    return f"<li>{head}{evidence}{more}</li>"


def _sections(kb: Any, concept_id: str) -> list[tuple[str, str]]:
    """(title path, citation HTML) of the sections that mention the concept, heading mentions first."""
    by_id = {s.id: s for s in kb.snapshot.sections}
    hits: dict[str, bool] = {}
    for m in kb.snapshot.mentions:
        if m.concept == concept_id and m.section in by_id:
            in_heading = m.line == by_id[m.section].start_line
            hits[m.section] = hits.get(m.section, False) or in_heading
    ordered = sorted(hits, key=lambda s: (not hits[s], by_id[s].doc, by_id[s].start_line))
    return [(" › ".join((*by_id[s].path, by_id[s].title)), cite(by_id[s].doc, by_id[s].start_line, by_id[s].end_line))
            for s in ordered]


def _items(items: Sequence[str], lang: str) -> str:
    """``<li>`` items, or one saying there are none."""
    return "".join(items) or f'<li class="kg-muted">{esc(t(lang, "none"))}</li>'


def _section_items(sections: Sequence[tuple[str, str]], lang: str) -> list[str]:
    items = [f"<li>{esc(path)} {c}</li>" for path, c in sections[:_SECTIONS]]
    if len(sections) > _SECTIONS:
        items.append(f'<li class="kg-muted">{esc(t(lang, "more").format(n=len(sections) - _SECTIONS))}</li>')
    return items


def _demo_items(concept_id: str, lang: str) -> list[str]:
    return [f'<li><a class="kg-link" data-pick="{esc(pick("demo", d))}">▶ {esc(demos.title(get_demo(d), lang))}</a></li>'
            for d in demos_for_concepts([concept_id])]


def details(kb: Any, concept: Concept, lang: str) -> str:
    """The details panel: names, gloss, every relation with evidence, sections and demos."""
    shown = display_name(concept, lang)
    other = concept.name if lang == "zh" else concept.display_zh
    sub = f" <small>{esc(other)}</small>" if other != shown else ""
    proposed = f' <span class="kg-kind kg-proposed">{esc(t(lang, "proposed"))}</span>' if concept.proposed else ""
    aliases = " ".join(f'<span class="kg-alias">{esc(a)}</span>' for a in dict.fromkeys((*concept.zh, *concept.aliases)))
    relations = [_relation_item(kb, r, lang, concept.id) for r in kb.graph.relations_of(concept.id)]
    found = _sections(kb, concept.id)
    sections, demo_items = _section_items(found, lang), _demo_items(concept.id, lang)
    gloss = f'<p class="kg-gloss">{esc(concept.gloss)}</p>' if concept.gloss else ""
    return (
        f'<div class="kg-details"><h3>{esc(shown)}{sub} {kind_badge(concept.kind, lang)}{proposed}</h3>{gloss}'
        f'<div class="kg-aliases"><b>{esc(t(lang, "aliases"))}</b> {aliases}</div>'
        f'<h4>{esc(t(lang, "relations_of"))} ({len(relations)})</h4><ul class="kg-rels">{_items(relations, lang)}</ul>'
        f'<h4>{esc(t(lang, "sections"))} ({len(found)})</h4>'
        f'<ul class="kg-sections">{_items(sections, lang)}</ul>'
        f'<h4>{esc(t(lang, "demos_of"))} ({len(demo_items)})</h4><ul class="kg-demos">{_items(demo_items, lang)}</ul></div>'
    )


def community_label(kb: Any, members: Sequence[str], lang: str, names: int = _NAMES) -> str:
    """A community named by its ``names`` best-connected members: "ResNet · 残差连接 · 梯度消失 +20"."""
    shown = [display_name(kb.graph.concept(m), lang) for m in members[:names]]
    rest = len(members) - len(shown)
    return " · ".join(shown) + (f" +{rest}" if rest > 0 else "")


def overview_panel(kb: Any, view: Overview, lang: str) -> str:
    """The overview's side panel: every community (click to open) and the isolated concepts by kind."""
    graph = kb.graph
    rows = "".join(
        f'<li><a class="kg-link" data-pick="{esc(pick("community", c.hub))}">{esc(community_label(kb, c.members, lang))}</a>'
        f' <span class="kg-muted">{len(c.members)}</span></li>' for c in view.communities)
    by_kind = Counter(graph.concept(c).kind for c in view.isolated)
    groups = "".join(
        f'<p>{kind_badge(kind, lang)} <span class="kg-muted">{by_kind[kind]}</span> '
        + " ".join(_link(graph.concept(c), lang) for c in view.isolated if graph.concept(c).kind == kind) + "</p>"
        for kind in KINDS if by_kind[kind])
    isolated = (f'<details class="kg-isolated"><summary>{esc(t(lang, "isolated").format(n=len(view.isolated)))}'
                f"</summary>{groups}</details>" if view.isolated else "")
    return (f'<div class="kg-details"><h3>{esc(t(lang, "communities"))}</h3>'
            f'<ol class="kg-hubs">{rows}</ol>{isolated}</div>')


def matches_panel(matches: Sequence[Match], lang: str) -> str:
    """The ranked matches under the search box, as chips; a note when nothing matches."""
    if not matches:
        return f'<div class="kg-suggest kg-muted">{esc(t(lang, "no_match"))}</div>'
    def chip(i: int, m: Match) -> str:
        shown = display_name(m.concept, lang)
        why = f"<small>{esc(m.surface)}</small>" if m.surface.casefold() != shown.casefold() else ""
        best = " kg-best" if i == 0 else ""
        return (f'<a class="kg-chip{best}" data-pick="{esc(pick("concept", m.concept.id))}" tabindex="0">'
                f"{esc(shown)}{why}</a>")

    chips = "".join(chip(i, m) for i, m in enumerate(matches))
    return f'<div class="kg-suggest"><span class="kg-muted">{esc(t(lang, "search_hint"))}</span>{chips}</div>'
